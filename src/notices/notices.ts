import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Queues } from '../queues/queues.js';
import type { NoticeConfig } from '../config/config.js';
import { InvalidInput, NotAllowed, NotFound, StateConflict } from '../domain/errors.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import type { Notice, NoticeAudience, RecipientStatus } from './notice.table.js';
import { estimateCost, MAX_BODY_CHARS, MAX_TITLE_CHARS, renderNotice, untilQuietHoursEnd, type CostEstimate, type NoticeContent } from './notice-text.js';
import { enqueueNoticeBatches } from './notice-queue.js';

export interface NoticeDraft extends NoticeContent {
  audience: NoticeAudience;
}

function checkDraft(draft: NoticeDraft): void {
  if (draft.title.trim() === '' || [...draft.title].length > MAX_TITLE_CHARS) throw new InvalidInput('invalid_title', `a title has 1 to ${MAX_TITLE_CHARS} characters`);
  if (draft.body.trim() === '' || [...draft.body].length > MAX_BODY_CHARS) throw new InvalidInput('invalid_body', `a notice has 1 to ${MAX_BODY_CHARS} characters`);
  if (draft.buttonUrl !== null && !/^https:\/\/[^\s]+$/.test(draft.buttonUrl)) throw new InvalidInput('invalid_link', 'a link starts with https://');
  if (draft.audience.kind === 'dong' && draft.audience.dongs.length === 0) throw new InvalidInput('invalid_audience', 'name at least one 동');
}

/** A manager's draft; nothing is sent until an admin (another person) approves it. */
export async function draftNotice(db: Db, staffId: number, draft: NoticeDraft, actor: Actor): Promise<Notice> {
  checkDraft(draft);
  const notice = await db
    .insertInto('notices')
    .values({
      title: draft.title.trim(),
      body: draft.body.trim(),
      button_label: draft.buttonLabel,
      button_url: draft.buttonUrl,
      audience: JSON.stringify(draft.audience),
      drafted_by: staffId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, actor, 'notice.drafted', [], { noticeId: notice.id });
  return notice;
}

export async function findNotice(db: Db, id: number): Promise<Notice> {
  const notice = await db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!notice) throw new NotFound(`notice ${id} not found`);
  return notice;
}

export async function listNotices(db: Db, limit = 50): Promise<Notice[]> {
  return db.selectFrom('notices').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** Active consents in the audience (the same filter counts the preview and makes the recipients). */
function audienceFilter(audience: NoticeAudience) {
  if (audience.kind === 'dong') return sql`c.status = 'active' and c.dong in (${sql.join(audience.dongs)})`;
  if (audience.kind === 'segment') return sql`c.status = 'active' and ${audience.segment} = any (c.segments)`;
  return sql`c.status = 'active'`;
}

export interface NoticePreview {
  text: string;
  recipients: number;
  cost: CostEstimate;
}

/** What residents will read, to how many, at what cost: shown before approval. */
export async function previewNotice(db: Db, config: NoticeConfig, notice: Notice): Promise<NoticePreview> {
  const text = renderNotice(contentOf(notice), config.optOutNumber);
  const recipients =
    notice.recipient_count ??
    Number((await sql<{ n: number }>`select count(*) as n from notice_consents c where ${audienceFilter(notice.audience)}`.execute(db)).rows[0]!.n);
  return { text, recipients, cost: estimateCost(recipients, text, config.prices) };
}

export const contentOf = (notice: Notice): NoticeContent => ({
  title: notice.title,
  body: notice.body,
  buttonLabel: notice.button_label,
  buttonUrl: notice.button_url,
});

/**
 * An admin approves a notice someone else drafted (four eyes). In one transaction its
 * recipients are fixed (one row each, numbered into batches) and it becomes `sending`; then
 * its batches are queued, held until 08:00 Seoul time in quiet hours unless marked urgent.
 */
export async function approveNotice(
  db: Db,
  queues: Queues,
  config: NoticeConfig,
  approverId: number,
  id: number,
  options: { urgent: boolean },
  actor: Actor,
  now = new Date(),
): Promise<Notice> {
  const approved = await db.transaction().execute(async (trx) => {
    const notice = await trx.selectFrom('notices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!notice) throw new NotFound(`notice ${id} not found`);
    if (notice.status !== 'draft') throw new StateConflict('notice_not_draft', `the notice is ${notice.status}`);
    if (notice.drafted_by === approverId) throw new NotAllowed('a notice is approved by someone other than who drafted it', 'approver_is_drafter');
    // Approving what cannot leave would leave its recipients waiting: say so now.
    if (config.gateway === null) {
      throw new StateConflict('notices_not_configured', 'notices cannot be sent: set NOTICE_KAKAO_PF_ID, NOTICE_KAKAO_TEMPLATE_ID and SOLAPI_API_KEY, SOLAPI_API_SECRET, SOLAPI_FROM');
    }
    const inserted = await sql<{ n: number }>`
      with added as (
        insert into notice_recipients (notice_id, consent_id, batch_no)
        select ${id}, c.id, ((row_number() over (order by c.id)) - 1) / ${config.batchSize}
        from notice_consents c where ${audienceFilter(notice.audience)}
        on conflict do nothing
        returning 1
      ) select count(*) as n from added`.execute(trx);
    const recipients = Number(inserted.rows[0]!.n);
    const cost = estimateCost(recipients, renderNotice(contentOf(notice), config.optOutNumber), config.prices);
    return trx
      .updateTable('notices')
      .set({
        status: 'sending',
        urgent: options.urgent,
        approved_by: approverId,
        approved_at: now,
        started_at: now,
        recipient_count: recipients,
        cost_estimate: cost.ata,
        ...(recipients === 0 ? { status: 'sent' as const, finished_at: now } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  await recordAudit(db, actor, 'notice.approved', [], { noticeId: id, recipients: approved.recipient_count, urgent: options.urgent });
  await queueNotice(db, queues, approved, now);
  return approved;
}

/** Queues every batch with recipients still queued (after approval, or again at a worker's start). */
export async function queueNotice(db: Db, queues: Queues, notice: Notice, now = new Date()): Promise<number> {
  const batches = await db
    .selectFrom('notice_recipients')
    .select('batch_no')
    .distinct()
    .where('notice_id', '=', notice.id)
    .where('status', 'in', ['queued', 'sending'])
    .orderBy('batch_no')
    .execute();
  await enqueueNoticeBatches(queues, notice.id, batches.map((b) => b.batch_no), notice.urgent ? 0 : untilQuietHoursEnd(now));
  return batches.length;
}

/** Notices being sent whose batches may have lost their jobs (Redis emptied): queued again; ids make it once. */
export async function resumeNotices(db: Db, queues: Queues): Promise<number> {
  const sending = await db.selectFrom('notices').selectAll().where('status', '=', 'sending').execute();
  for (const notice of sending) await queueNotice(db, queues, notice);
  return sending.length;
}

/** Stops a notice: no recipient still queued will get it (a batch already at the gateway completes). */
export async function cancelNotice(db: Db, staffId: number, id: number, actor: Actor): Promise<Notice> {
  const cancelled = await db.transaction().execute(async (trx) => {
    const notice = await trx.selectFrom('notices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!notice) throw new NotFound(`notice ${id} not found`);
    if (notice.status === 'sent' || notice.status === 'cancelled') throw new StateConflict('notice_finished', `the notice is already ${notice.status}`);
    await trx.updateTable('notice_recipients').set({ status: 'skipped' }).where('notice_id', '=', id).where('status', '=', 'queued').execute();
    return trx
      .updateTable('notices')
      .set({ status: 'cancelled', cancelled_by: staffId, cancelled_at: new Date(), finished_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  await recordAudit(db, actor, 'notice.cancelled', [], { noticeId: id });
  return cancelled;
}

export type NoticeProgress = Record<RecipientStatus, number> & { total: number };

const EMPTY_PROGRESS = (): NoticeProgress => ({
  total: 0,
  queued: 0,
  sending: 0,
  sent: 0,
  delivered: 0,
  fallback: 0,
  failed: 0,
  skipped: 0,
  unknown: 0,
});

/** How far a notice got: recipients by status. */
export async function noticeProgress(db: Db, id: number): Promise<NoticeProgress> {
  const rows = await db
    .selectFrom('notice_recipients')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('notice_id', '=', id)
    .groupBy('status')
    .execute();
  const progress = EMPTY_PROGRESS();
  for (const r of rows) {
    progress[r.status] = Number(r.n);
    progress.total += Number(r.n);
  }
  return progress;
}

/** Recipients by status over every notice (for /metrics). */
export async function recipientTotals(db: Db): Promise<NoticeProgress> {
  const rows = await db
    .selectFrom('notice_recipients')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const progress = EMPTY_PROGRESS();
  for (const r of rows) {
    progress[r.status] = Number(r.n);
    progress.total += Number(r.n);
  }
  return progress;
}
