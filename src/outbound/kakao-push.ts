import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { PermanentSendError, type ChatPushProvider } from './channel.js';
import { statusesBelow } from './delivery-status.js';

/** Pushed instead of an answer too long for one bubble; the answer itself is pulled. */
export const PULL_NOTICE = "[구청장 소통폰] 민원 답변이 도착했습니다. 아래 '답변 확인'을 눌러 확인해 주세요.";

export type KakaoSendOutcome = 'pushed' | 'awaiting-pull' | 'already-sent';

interface BatchMember {
  id: number;
  user_key: string;
  case_number: string;
}

/**
 * Delivers a Kakao answer. A resident who has added the channel gets it pushed with the
 * Event API; other answers wait for the resident to pull them ("답변 확인"). Answers of the
 * same text that are ready for other residents go in the same push (up to 100 residents):
 * each is claimed first, so no answer is pushed by two jobs.
 */
export async function deliverKakaoAnswer(
  db: Db,
  provider: ChatPushProvider | null,
  messageId: number,
): Promise<{ outcome: KakaoSendOutcome; taskId?: string }> {
  const message = await db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .select(['messages.id', 'messages.text', 'messages.kind', 'residents.kakao_user_key', 'residents.kakao_is_friend'])
    .where('messages.id', '=', messageId)
    .where('messages.delivery_status', '=', 'pending')
    .where('messages.provider_message_id', 'is', null)
    .executeTakeFirst();
  if (!message) return { outcome: 'already-sent' };
  if (!provider || !message.kakao_is_friend || !message.kakao_user_key) {
    await holdForPull(db, [messageId], null);
    return { outcome: 'awaiting-pull' };
  }

  const tooLong = [...message.text].length > provider.maxTextLength;
  const survey = message.kind === 'survey';
  const batch = await claimBatch(db, messageId, tooLong ? null : message.text, provider.maxTextLength, provider.maxRecipients, survey);
  // Another job's batch took this answer meanwhile; the others claimed here are still this
  // job's to push (left claimed, they would wait for the sweeper).
  const own = batch.some((m) => m.id === messageId);
  if (batch.length === 0) return { outcome: 'already-sent' };
  const ids = batch.map((m) => m.id);

  let taskId: string;
  try {
    ({ taskId } = await provider.push(
      tooLong ? PULL_NOTICE : message.text,
      batch.map((m) => ({ userKey: m.user_key, caseNumber: m.case_number })),
      survey ? 'survey' : 'answer',
    ));
  } catch (error) {
    if (error instanceof PermanentSendError) {
      // 4xx: pushing again sends the same refused request; the residents pull instead.
      await holdForPull(db, ids, error.code);
      return { outcome: own ? 'awaiting-pull' : 'already-sent' };
    }
    await releaseBatch(db, ids);
    throw error;
  }

  const now = new Date();
  for (const member of batch) {
    await db
      .updateTable('messages')
      .set({
        provider: 'kakao',
        provider_message_id: `${taskId}:${member.user_key}`,
        // A notice was pushed, not the answer: the answer still waits to be pulled.
        delivery_status: tooLong ? 'awaiting_pull' : 'sent',
        sent_at: now,
        status_updated_at: now,
      })
      .where('id', '=', member.id)
      .execute();
  }
  return { outcome: own ? 'pushed' : 'already-sent', taskId };
}

/** Claims ready answers with the same push text, one per resident, this message first. */
async function claimBatch(
  db: Db,
  messageId: number,
  text: string | null,
  maxTextLength: number,
  limit: number,
  /** A satisfaction question goes only with questions (their own event block), an answer only with answers. */
  survey: boolean,
): Promise<BatchMember[]> {
  const sameText = text === null ? sql`char_length(m.text) > ${maxTextLength}` : sql`m.text = ${text}`;
  const result = await sql<BatchMember>`
    with candidates as (
      select distinct on (r.id) m.id, r.kakao_user_key as user_key, c.case_number
      from messages m
      join cases c on c.id = m.case_id
      join residents r on r.id = c.resident_id
      where m.direction = 'out' and m.channel = 'kakao' and m.delivery_status = 'pending'
        and m.provider_message_id is null and r.kakao_is_friend and r.kakao_user_key is not null
        and (m.id = ${messageId} or (${sameText} and (m.kind = 'survey') = ${survey}))
      order by r.id, (m.id = ${messageId}) desc, m.id
    ),
    chosen as (
      select * from candidates order by (id = ${messageId}) desc, id limit ${limit}
    ),
    claimed as (
      update messages set delivery_status = 'sending', status_updated_at = now()
      where id in (select id from chosen) and delivery_status = 'pending'
      returning id
    )
    select chosen.* from chosen join claimed using (id)
  `.execute(db);
  return result.rows;
}

async function releaseBatch(db: Db, ids: number[]): Promise<void> {
  await db
    .updateTable('messages')
    .set({ delivery_status: 'pending', status_updated_at: new Date() })
    .where('id', 'in', ids)
    .where('delivery_status', '=', 'sending')
    .where('provider_message_id', 'is', null)
    .execute();
}

/** The answer waits for the resident's "답변 확인"; `errorCode` says why a push did not reach them. */
export async function holdForPull(db: Db, ids: number[], errorCode: string | null): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('messages')
    .set({ delivery_status: 'awaiting_pull', error_code: errorCode, status_updated_at: new Date() })
    .where('id', 'in', ids)
    .where('delivery_status', 'in', ['pending', 'sending', 'queued', 'sent'])
    .execute();
}

/** What a push came to: reached, held for pull (not reached), or not known either way. */
export interface PushConfirmation {
  delivered: number;
  heldForPull: number;
  /** Kakao counted failures it did not name: these stay "sent", and "답변 확인" still shows them. */
  unconfirmed: number;
}

/**
 * Reads what became of a push: residents named as failed (or all, when the counts say none
 * was reached) fall back to pull; when every failure is named, the others are delivered.
 * Failures Kakao counted without naming (a key it could not resolve) make the rest of the
 * batch uncertain: they stay "sent", neither delivered nor failed, and "답변 확인" still
 * shows them. Throws while Kakao is still working on the task, so the job tries again later.
 */
export async function confirmKakaoPush(db: Db, provider: ChatPushProvider, taskId: string): Promise<PushConfirmation> {
  const report = await provider.report(taskId);
  if (!report.finished) throw new Error(`Kakao task ${taskId} is still running`);
  const pushed = await db
    .selectFrom('messages')
    .select(['id', 'provider_message_id', 'delivery_status'])
    .where('provider', '=', 'kakao')
    .where('provider_message_id', 'like', `${taskId}:%`)
    .execute();
  const failed = new Set(report.failedUserKeys);
  const reachedNot = pushed.filter((m) => report.noneReached || failed.has(m.provider_message_id!.slice(taskId.length + 1)));
  const others = pushed.filter((m) => !reachedNot.includes(m) && m.delivery_status === 'sent');
  const reached = report.unnamedFailures ? [] : others;
  await holdForPull(
    db,
    reachedNot.map((m) => m.id),
    'kakao_push_failed',
  );
  if (reached.length > 0) {
    await db
      .updateTable('messages')
      .set({ delivery_status: 'delivered', status_updated_at: new Date() })
      .where('id', 'in', reached.map((m) => m.id))
      .where('delivery_status', 'in', statusesBelow('delivered'))
      .execute();
  }
  return { delivered: reached.length, heldForPull: reachedNot.length, unconfirmed: report.unnamedFailures ? others.length : 0 };
}
