import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { combinedStatus, deliveryRank, statusesBelow, type DeliveryStatus } from './delivery-status.js';

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
  const matched =
    (await applyStatus(db, report.provider, report.providerMessageId, report.status, report.errorCode)) ||
    (await applyPartStatus(db, report.provider, report.providerMessageId, report.status, report.errorCode));
  return { matched };
}

/** The provider id an answer sent in parts is known by: its parts carry the provider's own ids. */
export function partsProviderId(messageId: number): string {
  return `parts-${messageId}`;
}

/** The parts of an answer the provider has already accepted (a retried job skips them). */
export async function listAcceptedParts(db: Db, messageId: number) {
  return db
    .selectFrom('message_parts')
    .select(['part_no', 'part_count', 'provider', 'provider_message_id', 'delivery_status'])
    .where('message_id', '=', messageId)
    .orderBy('part_no')
    .execute();
}

/** One part accepted: recorded before the next is sent, with any report that beat the API response. */
export async function recordPartAccepted(
  db: Db,
  part: { messageId: number; partNo: number; partCount: number; text: string; provider: string; providerMessageId: string; status: DeliveryStatus },
): Promise<void> {
  await db
    .insertInto('message_parts')
    .values({
      message_id: part.messageId,
      part_no: part.partNo,
      part_count: part.partCount,
      text: part.text,
      provider: part.provider,
      provider_message_id: part.providerMessageId,
      delivery_status: part.status,
    })
    .onConflict((oc) => oc.columns(['message_id', 'part_no']).doNothing())
    .execute();
  const early = await db
    .selectFrom('delivery_reports')
    .select(['status', 'error_code'])
    .where('provider', '=', part.provider)
    .where('provider_message_id', '=', part.providerMessageId)
    .execute();
  for (const report of early.sort((a, b) => deliveryRank(a.status) - deliveryRank(b.status))) {
    await movePart(db, part.provider, part.providerMessageId, report.status, report.error_code);
  }
}

/** Every part accepted: the answer now counts as sent, with the status its parts add up to. */
export async function recordAllPartsAccepted(db: Db, messageId: number, provider: string): Promise<void> {
  const parts = await listAcceptedParts(db, messageId);
  await recordAccepted(db, messageId, provider, partsProviderId(messageId), combinedStatus(parts.map((p) => p.delivery_status)));
}

/** Moves one part forward (never backwards); true when it did. */
async function movePart(db: Db, provider: string, providerMessageId: string, status: DeliveryStatus, errorCode: string | null) {
  const moved = await db
    .updateTable('message_parts')
    .set({ delivery_status: status, error_code: sql<string | null>`coalesce(${errorCode}, error_code)`, status_updated_at: new Date() })
    .where('provider', '=', provider)
    .where('provider_message_id', '=', providerMessageId)
    .where('delivery_status', 'in', statusesBelow(status))
    .returning('message_id')
    .executeTakeFirst();
  return moved?.message_id ?? null;
}

/** A report on one part: moves the part, then the answer to what its parts add up to. */
async function applyPartStatus(
  db: Db,
  provider: string,
  providerMessageId: string,
  status: DeliveryStatus,
  errorCode: string | null,
): Promise<boolean> {
  const messageId = await movePart(db, provider, providerMessageId, status, errorCode);
  if (messageId === null) return false;
  const parts = await listAcceptedParts(db, messageId);
  await applyStatus(db, provider, partsProviderId(messageId), combinedStatus(parts.map((p) => p.delivery_status)), errorCode);
  return true;
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
      'messages.kind',
      'messages.case_id',
      'messages.channel',
      'messages.text',
      'messages.provider_message_id',
      'messages.delivery_status',
      'residents.phone',
    ])
    .where('messages.id', '=', messageId)
    .executeTakeFirst();
}
