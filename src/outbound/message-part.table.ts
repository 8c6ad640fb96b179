import type { ColumnType, Generated } from 'kysely';
import type { DeliveryStatus } from './delivery-status.js';

/** One numbered part of an SMS answer too long for one message, as the provider accepted it. */
export interface MessagePartTable {
  id: Generated<number>;
  message_id: number;
  part_no: number;
  part_count: number;
  /** What was sent: cleaned for the operator and numbered "(1/3) …". */
  text: string;
  provider: string;
  provider_message_id: string;
  delivery_status: DeliveryStatus;
  error_code: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  status_updated_at: ColumnType<Date, Date | undefined, Date>;
}
