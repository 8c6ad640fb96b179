import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Router } from './router.js';
import type { RoutingRecord } from '../cases/case.table.js';

export type RoutingOutcome = 'routed' | 'joined' | 'already-routed' | 'missing';

/**
 * Classifies a case from its resident's words and assigns the owning department.
 * A message joining a case that already has a department leaves it where staff put it.
 * Running twice for one message changes nothing the second time. Four round trips in
 * all: a burst of thousands of messages is mostly round trips.
 */
export async function routeMessage(db: Db, router: Router, routerName: string, messageId: number): Promise<RoutingOutcome> {
  return db.transaction().execute(async (trx) => {
    // The case is locked: staff acting on it, or another of its messages, wait their turn.
    const found = await sql<{
      case_id: number;
      department_code: string | null;
      status: string;
      message_routed_at: Date | null;
      direction: string;
      texts: string[];
    }>`
      select c.id as case_id, c.department_code, c.status, m.routed_at as message_routed_at, m.direction,
             array(select t.text from messages t where t.case_id = c.id and t.direction = 'in' order by t.id) as texts
      from messages m join cases c on c.id = m.case_id
      where m.id = ${messageId}
      for update of c
    `.execute(trx);
    const row = found.rows[0];
    if (!row || row.direction !== 'in') return 'missing';
    if (row.message_routed_at) return 'already-routed';

    const now = new Date();
    if (row.department_code !== null || row.status === 'closed') {
      await trx.updateTable('messages').set({ routed_at: now }).where('id', '=', messageId).execute();
      return 'joined';
    }
    const decision = router.route(row.texts.join('\n'));
    const routing: RoutingRecord = { ...decision, router: routerName };
    await sql`
      with routed as (
        update cases
        set category_code = ${decision.category}, department_code = ${decision.department},
            routing = ${JSON.stringify(routing)}::jsonb, routed_at = ${now}::timestamptz,
            status = case when status = 'received' then 'assigned' else status end
        where id = ${row.case_id}::bigint
        returning id
      ),
      event as (
        insert into case_events (case_id, type, data)
        select id, 'routed', ${JSON.stringify({
          category: decision.category,
          department: decision.department,
          confidence: decision.confidence,
          reasons: decision.reasons,
        })}::jsonb from routed
      )
      update messages set routed_at = ${now}::timestamptz
      where case_id = ${row.case_id}::bigint and direction = 'in' and routed_at is null
    `.execute(trx);
    return 'routed';
  });
}
