import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';
import { enqueueRouting, enqueueSend, jobIds, type Queues } from '../src/queues/queues.js';

/**
 * Work is stored in Postgres first and handed to Redis second. Whatever never reached
 * a queue (Redis was down, the process died between the two) is found here and
 * enqueued again; deterministic job ids make a second add of live work a no-op.
 */
export async function sweepStoredWork(db: Db, queues: Queues, olderThanMs: number): Promise<{ route: number; send: number }> {
  const before = new Date(Date.now() - olderThanMs);
  const unrouted = await db
    .selectFrom('messages')
    .select('id')
    .where('direction', '=', 'in')
    .where('routed_at', 'is', null)
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(1000)
    .execute();
  const unsent = await db
    .selectFrom('messages')
    .select('id')
    .where('delivery_status', '=', 'pending')
    .where('provider_message_id', 'is', null)
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(1000)
    .execute();
  for (const { id } of unrouted) {
    await enqueueRouting(queues, id);
    // A routing job that failed for good (e.g. Postgres was away each time) is tried again.
    const job = await queues.routing.getJob(jobIds.route(id));
    if (job && (await job.isFailed())) await job.retry('failed');
  }
  for (const { id } of unsent) {
    await enqueueSend(queues, id);
    // Still pending although its job failed for good: the worker could not record the
    // outcome (Postgres away on the last attempt). Nothing was accepted, so send it again,
    // with a fresh set of attempts.
    const job = await queues.outbound.getJob(jobIds.send(id));
    if (job && (await job.isFailed())) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }
  return { route: unrouted.length, send: unsent.length };
}

/** Count of work that is stored but not yet done, for tests and operators. */
export async function countPendingWork(db: Db): Promise<number> {
  const { count } = await db
    .selectFrom('messages')
    .select(sql<number>`count(*)::int`.as('count'))
    .where((eb) =>
      eb.or([
        eb.and([eb('direction', '=', 'in'), eb('routed_at', 'is', null)]),
        eb('delivery_status', '=', 'pending'),
      ]),
    )
    .executeTakeFirstOrThrow();
  return count;
}
