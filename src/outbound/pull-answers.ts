import type { Db } from '../db/database.js';
import type { CaseStatus } from '../cases/case.table.js';

export interface PullableAnswer {
  id: number;
  caseId: number;
  caseNumber: string;
  kind: 'interim' | 'answer';
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
    .where('messages.kind', 'in', ['interim', 'answer'])
    // 'sending': a push holds it right now; it will be delivered or come back.
    .where('messages.delivery_status', 'not in', ['delivered', 'sending'])
    .orderBy('messages.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    caseNumber: r.case_number,
    kind: r.kind as 'interim' | 'answer',
    text: r.text,
  }));
}

export async function recentCases(db: Db, residentId: number, limit = 5): Promise<{ id: number; caseNumber: string; status: CaseStatus }[]> {
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
