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

export async function recentCases(db: Db, residentId: number, limit = 5): Promise<{ caseNumber: string; status: CaseStatus }[]> {
  const rows = await db
    .selectFrom('cases')
    .select(['case_number', 'status'])
    .where('resident_id', '=', residentId)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ caseNumber: r.case_number, status: r.status }));
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
