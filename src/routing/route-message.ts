import type { Db } from '../db/database.js';
import type { Router } from './router.js';
import { addCaseEvent, findCaseForUpdate, recordRouting } from '../cases/case-repository.js';
import {
  findMessage,
  listResidentTexts,
  markCaseMessagesRouted,
  markMessageRouted,
} from '../cases/message-repository.js';

export type RoutingOutcome = 'routed' | 'joined' | 'already-routed' | 'missing';

/**
 * Classifies a case from its resident's words and assigns the owning department.
 * A message joining a case that already has a department leaves it where staff put it.
 * Running twice for one message changes nothing the second time.
 */
export async function routeMessage(db: Db, router: Router, routerName: string, messageId: number): Promise<RoutingOutcome> {
  const message = await findMessage(db, messageId);
  if (!message || message.direction !== 'in') return 'missing';
  if (message.routed_at) return 'already-routed';

  return db.transaction().execute(async (trx) => {
    const theCase = await findCaseForUpdate(trx, message.case_id);
    if (!theCase) return 'missing';
    const now = new Date();
    if (theCase.department_code !== null || theCase.status === 'closed') {
      await markMessageRouted(trx, message.id, now);
      return 'joined';
    }
    const texts = await listResidentTexts(trx, theCase.id);
    const decision = router.route(texts.join('\n'));
    await recordRouting(trx, theCase.id, { ...decision, router: routerName }, now);
    await addCaseEvent(trx, theCase.id, 'routed', {
      category: decision.category,
      department: decision.department,
      confidence: decision.confidence,
      reasons: decision.reasons,
    });
    await markCaseMessagesRouted(trx, theCase.id, now);
    return 'routed';
  });
}
