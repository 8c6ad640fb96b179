import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { NoticeConfig } from '../config/config.js';
import type { SmsProvider } from '../outbound/channel.js';
import { contentOf } from './notices.js';
import { inQuietHours, renderNotice, templateVariables, untilQuietHoursEnd } from './notice-text.js';
import { NotTakenError, sendAlimtalkMany, type AlimtalkGateway } from './solapi-alimtalk.js';

export type BatchOutcome =
  | { kind: 'done'; sent: number; failed: number; skipped: number; unknown: number }
  | { kind: 'stopped'; reason: 'missing' | 'cancelled' | 'finished' | 'draft' }
  /** Quiet hours (21:00–08:00 Seoul) and not urgent: run again this much later. */
  | { kind: 'later'; delayMs: number };

/**
 * One batch of one notice, resumable at any point without sending anyone twice:
 * 1. rows left `sending` by a worker that died mid-request become `unknown` (the gateway may
 *    have them: they are never sent again);
 * 2. one statement marks `sending` exactly the queued rows whose consent is still active
 *    (consent is read at send time: a resident who withdrew after approval gets nothing),
 *    and marks the rest `skipped`;
 * 3. the gateway is called; 4. each row is marked with the provider's id (`sent`) or its
 *    refusal (`failed`). If the gateway certainly did not take the request, the rows go back to
 *    `queued` and the error is thrown for the queue's retry.
 */
export async function sendNoticeBatch(
  db: Db,
  gateway: AlimtalkGateway,
  config: Pick<NoticeConfig, 'optOutNumber'>,
  noticeId: number,
  batchNo: number,
  now = new Date(),
): Promise<BatchOutcome> {
  const notice = await db.selectFrom('notices').selectAll().where('id', '=', noticeId).executeTakeFirst();
  if (!notice) return { kind: 'stopped', reason: 'missing' };
  if (notice.status === 'cancelled' || notice.status === 'sent' || notice.status === 'draft') {
    await db.updateTable('notice_recipients').set({ status: 'skipped' }).where('notice_id', '=', noticeId).where('batch_no', '=', batchNo).where('status', '=', 'queued').execute();
    return { kind: 'stopped', reason: notice.status === 'draft' ? 'draft' : notice.status === 'sent' ? 'finished' : 'cancelled' };
  }
  if (!notice.urgent && inQuietHours(now)) return { kind: 'later', delayMs: untilQuietHoursEnd(now) };

  const inBatch = (qb: ReturnType<typeof base>) => qb.where('notice_id', '=', noticeId).where('batch_no', '=', batchNo);
  const base = () => db.updateTable('notice_recipients');
  const orphaned = await inBatch(base()).set({ status: 'unknown' }).where('status', '=', 'sending').executeTakeFirst();

  const { rows: claimed } = await sql<{ id: number; phone: string }>`
    update notice_recipients r set status = 'sending', attempt_at = now()
    from notice_consents c
    where r.consent_id = c.id and c.status = 'active'
      and r.notice_id = ${noticeId} and r.batch_no = ${batchNo} and r.status = 'queued'
    returning r.id, c.phone`.execute(db);
  const skipped = await inBatch(base()).set({ status: 'skipped' }).where('status', '=', 'queued').executeTakeFirst();
  const unknown = Number(orphaned.numUpdatedRows);

  let sent = 0;
  let failed = 0;
  if (claimed.length > 0) {
    const content = contentOf(notice);
    const text = renderNotice(content, config.optOutNumber);
    const variables = templateVariables(content, config.optOutNumber);
    let result;
    try {
      result = await sendAlimtalkMany(gateway, claimed.map((r) => ({ to: r.phone, text, variables })));
    } catch (error) {
      if (error instanceof NotTakenError) {
        await db.updateTable('notice_recipients').set({ status: 'queued', attempt_at: null }).where('id', 'in', claimed.map((r) => r.id)).where('status', '=', 'sending').execute();
        throw error.reason;
      }
      throw error;
    }
    const ids: number[] = [];
    const statuses: string[] = [];
    const messageIds: (string | null)[] = [];
    const codes: (string | null)[] = [];
    for (const r of claimed) {
      const outcome = result.results.get(r.phone);
      ids.push(r.id);
      if (outcome?.ok) {
        statuses.push('sent');
        messageIds.push(outcome.messageId);
        codes.push(null);
        sent += 1;
      } else {
        statuses.push('failed');
        messageIds.push(null);
        codes.push(outcome ? outcome.code : 'not_in_answer');
        failed += 1;
      }
    }
    await sql`
      update notice_recipients r
      set status = u.status, provider_message_id = u.message_id, error_code = u.code,
          provider_group_id = ${result.groupId}, message_type = 'ATA', sent_at = now()
      from unnest(${ids}::bigint[], ${statuses}::text[], ${messageIds}::text[], ${codes}::text[]) as u(id, status, message_id, code)
      where r.id = u.id and r.status = 'sending'`.execute(db);
  }
  await finishIfDone(db, noticeId);
  return { kind: 'done', sent, failed, skipped: Number(skipped.numUpdatedRows), unknown };
}

/** The notice is `sent` once no recipient is queued or being sent. */
export async function finishIfDone(db: Db, noticeId: number): Promise<void> {
  await sql`
    update notices set status = 'sent', finished_at = now()
    where id = ${noticeId} and status = 'sending'
      and not exists (select 1 from notice_recipients where notice_id = ${noticeId} and status in ('queued', 'sending'))`.execute(db);
}

/** The SMS reply to a consent message a gateway delivered (its webhook answer could not carry it). */
export async function sendConsentReply(db: Db, sms: SmsProvider, eventId: number): Promise<'sent' | 'nothing'> {
  const event = await db.selectFrom('notice_consent_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  if (!event || event.reply_status !== 'pending' || event.reply === null) return 'nothing';
  if (event.phone === null) {
    await db.updateTable('notice_consent_events').set({ reply_status: 'failed' }).where('id', '=', eventId).execute();
    return 'nothing';
  }
  await sms.send({ to: event.phone, text: event.reply });
  await db.updateTable('notice_consent_events').set({ reply_status: 'sent' }).where('id', '=', eventId).where('reply_status', '=', 'pending').execute();
  return 'sent';
}
