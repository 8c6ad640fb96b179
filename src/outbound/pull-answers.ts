import type { Db } from '../db/database.js';
import type { CaseStatus } from '../cases/case.table.js';

export interface PullableAnswer {
  id: number;
  caseId: number;
  caseNumber: string;
  /** survey: the satisfaction question asked with the closing answer (src/satisfaction/). */
  kind: 'interim' | 'answer' | 'survey';
  text: string;
}

/** A resident's answers on the chat channel that have not reached them yet, oldest first. */
export async function findPullableAnswers(db: Db, residentId: number, limit = 200): Promise<PullableAnswer[]> {
  const rows = await db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .select(['messages.id', 'messages.case_id', 'cases.case_number', 'messages.kind', 'messages.text'])
    .where('cases.resident_id', '=', residentId)
    .where('messages.direction', '=', 'out')
    .where('messages.channel', '=', 'kakao')
    .where('messages.kind', 'in', ['interim', 'answer', 'survey'])
    // 'sending': a push holds it right now; it will be delivered or come back.
    .where('messages.delivery_status', 'not in', ['delivered', 'sending'])
    .orderBy('messages.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    caseNumber: r.case_number,
    kind: r.kind as PullableAnswer['kind'],
    text: r.text,
  }));
}

export interface RecentCase {
  id: number;
  caseNumber: string;
  status: CaseStatus;
}

export async function recentCases(db: Db, residentId: number, limit = 5): Promise<RecentCase[]> {
  const rows = await db
    .selectFrom('cases')
    .select(['id', 'case_number', 'status'])
    .where('resident_id', '=', residentId)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, caseNumber: r.case_number, status: r.status }));
}

export interface ClosedAnswer {
  caseNumber: string;
  text: string;
}

/**
 * The answer that closed the most recently closed of these cases, already delivered: shown
 * again on "답변 확인" so a resident can reread it. Null when none of them closed with an
 * answer (thanks or exception closings may carry none, and a purged case keeps no text).
 */
export async function lastClosedAnswer(db: Db, caseIds: number[]): Promise<ClosedAnswer | null> {
  if (caseIds.length === 0) return null;
  const row = await db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .select(['cases.case_number', 'messages.text'])
    .where('cases.id', 'in', caseIds)
    .where('cases.status', '=', 'closed')
    .where('messages.direction', '=', 'out')
    .where('messages.channel', '=', 'kakao')
    .where('messages.kind', '=', 'answer')
    .where('messages.text', '<>', '')
    .orderBy('cases.closed_at', 'desc')
    .orderBy('messages.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { caseNumber: row.case_number, text: row.text } : null;
}

/** The resident has now seen these answers in the chat: delivered, by pull. */
export async function markPulled(db: Db, answers: PullableAnswer[]): Promise<void> {
  if (answers.length === 0) return;
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('messages')
      .set({ delivery_status: 'delivered', status_updated_at: new Date() })
      .where('id', 'in', answers.map((a) => a.id))
      .where('delivery_status', 'not in', ['delivered', 'sending'])
      .returning(['id', 'case_id'])
      .execute();
    const byCase = new Map<number, number[]>();
    for (const row of updated) byCase.set(row.case_id, [...(byCase.get(row.case_id) ?? []), row.id]);
    for (const [caseId, messageIds] of byCase) {
      await trx
        .insertInto('case_events')
        .values({ case_id: caseId, type: 'answer_pulled', data: JSON.stringify({ messageIds }), staff_id: null })
        .execute();
    }
  });
}

/** What "답변 확인" finds for a resident. */
export type AnswerCheck =
  /** No case on record (or the resident is not known yet). */
  | { kind: 'no_cases' }
  /**
   * No answer waiting. `allClosed`: every listed case is closed, so nothing more will come
   * (while one is open, the resident is promised word when an answer is registered).
   * `lastClosed`: the answer that closed the latest closed case, to be shown again so it can
   * be reread (it stays delivered); null when none closed with an answer.
   */
  | { kind: 'nothing_new'; cases: RecentCase[]; allClosed: boolean; lastClosed: ClosedAnswer | null }
  /** Answers that have not reached the resident yet, oldest first. */
  | { kind: 'new_answers'; cases: RecentCase[]; answers: PullableAnswer[] };

/** What the resident asking to see their answers is to be shown: their recent cases, then what waits. */
export async function findAnswerCheck(db: Db, residentId: number | null): Promise<AnswerCheck> {
  if (residentId === null) return { kind: 'no_cases' };
  const [cases, answers] = await Promise.all([recentCases(db, residentId), findPullableAnswers(db, residentId)]);
  if (cases.length === 0) return { kind: 'no_cases' };
  if (answers.length > 0) return { kind: 'new_answers', cases, answers };
  const lastClosed = await lastClosedAnswer(db, cases.map((c) => c.id));
  return { kind: 'nothing_new', cases, allClosed: cases.every((c) => c.status === 'closed'), lastClosed };
}

/**
 * "답변 확인": a resident asks to see their answers. What they are shown is decided here; the
 * channel's adapter only lays it out in its own format (`present`) and says how many of the new
 * answers its reply holds, in order (a chat reply has room for so many). Those, and only those,
 * count as delivered: the rest wait for the next ask.
 */
export async function pullAnswers<Reply>(
  db: Db,
  residentId: number | null,
  present: (check: AnswerCheck) => { reply: Reply; answersShown: number },
): Promise<Reply> {
  const check = await findAnswerCheck(db, residentId);
  const { reply, answersShown } = present(check);
  if (check.kind === 'new_answers') await markPulled(db, check.answers.slice(0, answersShown));
  return reply;
}
