import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CaseChannel, Channel } from '../domain/channel.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';

export type MessageDirection = 'in' | 'out';
/** resident: what the resident wrote; the rest are what the office sent (survey: the satisfaction question, src/satisfaction/). */
export type MessageKind = 'resident' | 'acknowledgement' | 'interim' | 'answer' | 'survey';

export interface MessageTable {
  id: Generated<number>;
  case_id: number;
  direction: MessageDirection;
  kind: MessageKind;
  /**
   * Outbound messages always travel on a messaging channel (read as Channel by the outbound
   * path); the resident's own words of a walk-in or homepage case are stored with visit/web.
   */
  channel: ColumnType<Channel, CaseChannel, never>;
  text: string;
  /** Provider that carried it (twilio, outbox, ...). */
  provider: string;
  /** Inbound: the provider's id, used to drop re-sent webhooks. Outbound: set once the provider accepts it. */
  provider_message_id: string | null;
  /** Inbound: every parameter the provider sent, as signed. */
  raw: ColumnType<Record<string, unknown> | null, string | null, never>;
  /** Outbound only. */
  delivery_status: DeliveryStatus | null;
  error_code: string | null;
  error_message: string | null;
  staff_id: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  sent_at: Date | null;
  status_updated_at: Date | null;
  /** Inbound only: when the routing job dealt with it. */
  routed_at: Date | null;
}

export type Message = Selectable<MessageTable>;
