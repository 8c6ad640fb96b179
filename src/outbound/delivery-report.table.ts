import type { ColumnType, Generated } from 'kysely';
import type { DeliveryStatus } from './delivery-status.js';

/** Every status callback as received; kept even when it arrives before we know the provider id. */
export interface DeliveryReportTable {
  id: Generated<number>;
  provider: string;
  provider_message_id: string;
  status: DeliveryStatus;
  error_code: string | null;
  received_at: ColumnType<Date, Date | undefined, never>;
}
