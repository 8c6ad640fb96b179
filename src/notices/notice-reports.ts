import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';

/**
 * Solapi's delivery report for a notice's message (the same webhook as answers' reports). A
 * message sent as 알림톡 and delivered as SMS, LMS or MMS fell back: `fallback`. Only a message
 * still `sent` moves, so a report received twice or late changes nothing.
 */
export async function recordNoticeReport(
  db: Db,
  report: { messageId: string; status: DeliveryStatus; errorCode: string | null; type: string | null },
): Promise<boolean> {
  const final = report.status === 'delivered' ? (report.type && /^(SMS|LMS|MMS)$/.test(report.type) ? 'fallback' : 'delivered') : report.status === 'failed' || report.status === 'undelivered' ? 'failed' : null;
  if (final === null) return false;
  const result = await sql`
    update notice_recipients
    set status = ${final}, message_type = coalesce(${report.type}, message_type), error_code = ${report.errorCode}, reported_at = now()
    where provider_message_id = ${report.messageId} and status = 'sent'`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** The message type a Solapi report names (its `type`, in the envelope's `data` or flat). */
export function reportType(element: unknown): string | null {
  if (typeof element !== 'object' || element === null) return null;
  const record = element as Record<string, unknown>;
  const fields = typeof record.data === 'object' && record.data !== null ? (record.data as Record<string, unknown>) : record;
  return typeof fields.type === 'string' && fields.type.length <= 8 ? fields.type.toUpperCase() : null;
}
