import type { Db } from '../db/database.js';

/**
 * Called by closing a case (src/cases/case-actions.ts, in its transaction): a finding the
 * department had is marked answered, and its referral id goes on the `closed` event.
 */
export async function markFindingAnswered(trx: Db, caseId: number, at: Date): Promise<number | null> {
  const rows = await trx
    .updateTable('committee_referrals')
    .set({ answered_at: at })
    .where('case_id', '=', caseId)
    .where('status', '=', 'reviewed')
    .where('answered_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length === 0 ? null : Math.max(...rows.map((r) => r.id));
}
