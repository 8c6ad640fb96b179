import type { Db } from '../db/database.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { NotFound } from '../domain/errors.js';
import { withdrawCorrection } from './routing-examples.js';

/**
 * A manager or admin withdraws a staff correction that was a mistake: the router unlearns it
 * at its next refresh, and the audit log names who withdrew it. The staff API and the console
 * both call this, so the two cannot differ.
 */
export async function withdrawStaffCorrection(db: Db, actor: Actor, correctionId: number): Promise<void> {
  const withdrawn = await db.transaction().execute(async (trx) => {
    if (!(await withdrawCorrection(trx, correctionId, actor.staffId))) return false;
    const row = await trx.selectFrom('routing_examples').select('case_id').where('id', '=', correctionId).executeTakeFirst();
    await recordAudit(trx, actor, 'correction.withdrawn', row?.case_id ? [row.case_id] : [], { correctionId });
    return true;
  });
  if (!withdrawn) throw new NotFound(`no active correction ${correctionId}`);
}
