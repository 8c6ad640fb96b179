import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { deliveryRank, statusesBelow, type DeliveryStatus } from './delivery-status.js';

/**
 * The provider accepted the message: record its id first, so that a retried job sees
 * it and never sends twice. Reports that arrived before this (callbacks can beat the
 * API response) are applied now.
 */
export async function recordAccepted(
  db: Db,
  messageId: number,
  provider: string,
  providerMessageId: string,
  status: DeliveryStatus,
): Promise<void> {
  const now = new Date();
  await db
    .updateTable('messages')
    .set({ provider, provider_message_id: providerMessageId, delivery_status: status, sent_at: now, status_updated_at: now })
    .where('id', '=', messageId)
    .where('provider_message_id', 'is', null)
    .execute();
  const early = await db
    .selectFrom('delivery_reports')
    .select(['status', 'error_code'])
    .where('provider', '=', provider)
    .where('provider_message_id', '=', providerMessageId)
    .execute();
  const latest = early.sort((a, b) => deliveryRank(b.status) - deliveryRank(a.status))[0];
  if (latest) await applyStatus(db, provider, providerMessageId, latest.status, latest.error_code);
}

/** Stores a provider's status report and moves the message forward (never backwards). */
export async function recordDeliveryReport(
  db: Db,
  report: { provider: string; providerMessageId: string; status: DeliveryStatus; errorCode: string | null },
): Promise<{ matched: boolean }> {
  await db
    .insertInto('delivery_reports')
    .values({
      provider: report.provider,
      provider_message_id: report.providerMessageId,
      status: report.status,
      error_code: report.errorCode,
    })
    .execute();
  const matched = await applyStatus(db, report.provider, report.providerMessageId, report.status, report.errorCode);
  return { matched };
}

async function applyStatus(
  db: Db,
  provider: string,
  providerMessageId: string,
  status: DeliveryStatus,
  errorCode: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({
      delivery_status: status,
      error_code: sql<string | null>`coalesce(${errorCode}, error_code)`,
      status_updated_at: new Date(),
    })
    .where('direction', '=', 'out')
    .where('provider', '=', provider)
    .where('provider_message_id', '=', providerMessageId)
    .where('delivery_status', 'in', statusesBelow(status))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * No more tries. An SMS answer is failed (the case shows why); a Kakao answer is kept
 * for the resident to pull, which loses nothing.
 */
export async function giveUpSending(db: Db, messageId: number, errorCode: string, errorMessage: string): Promise<void> {
  const message = await db.selectFrom('messages').select('channel').where('id', '=', messageId).executeTakeFirst();
  if (message?.channel === 'kakao') {
    await db
      .updateTable('messages')
      .set({ delivery_status: 'awaiting_pull', error_code: errorCode, status_updated_at: new Date() })
      .where('id', '=', messageId)
      .where('delivery_status', 'in', ['pending', 'sending'])
      .execute();
    return;
  }
  await markSendFailed(db, messageId, errorCode, errorMessage);
}

/** Gives up on a message for good; the case shows why. */
export async function markSendFailed(
  db: Db,
  messageId: number,
  errorCode: string,
  errorMessage: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('messages')
      .set({ delivery_status: 'failed', error_code: errorCode, error_message: errorMessage.slice(0, 500), status_updated_at: new Date() })
      .where('id', '=', messageId)
      .where('provider_message_id', 'is', null)
      .returning(['case_id'])
      .executeTakeFirst();
    if (updated) {
      await trx
        .insertInto('case_events')
        .values({ case_id: updated.case_id, type: 'delivery_failed', data: JSON.stringify({ messageId, errorCode }), staff_id: null })
        .execute();
    }
  });
}

/** What the outbound worker needs to deliver one message. */
export async function loadOutgoing(db: Db, messageId: number) {
  return db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .select([
      'messages.id',
      'messages.direction',
      'messages.channel',
      'messages.text',
      'messages.provider_message_id',
      'messages.delivery_status',
      'residents.phone',
    ])
    .where('messages.id', '=', messageId)
    .executeTakeFirst();
}
