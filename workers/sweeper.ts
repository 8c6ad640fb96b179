import type { Queue } from 'bullmq';
import type { Db } from '../src/db/database.js';
import { enqueueAttachments, enqueueFiling, enqueueRouting, enqueueSend, jobIds, type Queues } from '../src/queues/queues.js';
import { findUnfiledInbound } from '../src/intake/inbox-repository.js';
import { findPendingAttachments } from '../src/attachments/attachment-repository.js';

/** A claim older than this belongs to a process that died mid-push. */
const STALE_CLAIM_MS = 5 * 60_000;

/**
 * Work is stored in Postgres first and handed to Redis second. Whatever never reached
 * a queue (Redis was down, the process died between the two) is found here and
 * enqueued again; deterministic job ids make a second add of live work a no-op.
 */
export async function sweepStoredWork(
  db: Db,
  queues: Queues,
  olderThanMs: number,
): Promise<{ file: number; route: number; send: number; attachments: number }> {
  const before = new Date(Date.now() - olderThanMs);
  // A batch claim whose process died before the provider answered: give the answers back.
  // (If the provider had accepted the push, it goes out twice: the documented, unavoidable window.)
  await db
    .updateTable('messages')
    .set({ delivery_status: 'pending', status_updated_at: new Date() })
    .where('delivery_status', '=', 'sending')
    .where('provider_message_id', 'is', null)
    .where('status_updated_at', '<', new Date(Date.now() - STALE_CLAIM_MS))
    .execute();
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
    .select(['id', 'channel'])
    .where('delivery_status', '=', 'pending')
    .where('provider_message_id', 'is', null)
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(1000)
    .execute();
  // Received by a webhook, never filed into a case: its filing job was lost with Redis.
  const unfiled = await findUnfiledInbound(db, before, 1000);
  for (const id of unfiled) await requeue(queues.routing, jobIds.file(id), () => enqueueFiling(queues, id));
  for (const { id } of unrouted) await requeue(queues.routing, jobIds.route(id), () => enqueueRouting(queues, id));
  for (const { id, channel } of unsent) {
    await enqueueSend(queues, channel, id);
    // Still pending although its job failed for good: the worker could not record the
    // outcome (Postgres away on the last attempt). Nothing was accepted, so send it again,
    // with a fresh set of attempts.
    const job = await queues.outbound[channel].getJob(jobIds.send(id));
    if (!job) continue;
    if (await job.isFailed()) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    // Its job finished while a batch held the message and the batch gave it back: run it again.
    else if (await job.isCompleted()) {
      await job.remove();
      await enqueueSend(queues, channel, id);
    }
  }
  // Photos still waiting: their job was lost, or failed for good on our side (the store was away).
  const pendingPhotos = await findPendingAttachments(db, before, 1000);
  for (const id of pendingPhotos) await requeue(queues.attachments, jobIds.attachment(id), () => enqueueAttachments(queues, [id]));
  return { file: unfiled.length, route: unrouted.length, send: unsent.length, attachments: pendingPhotos.length };
}

/**
 * Adds the work again (a no-op while its job is still there: deterministic ids), and gives a
 * job that failed for good (e.g. Postgres was away on every attempt) another run.
 */
async function requeue(queue: Queue, jobId: string, add: () => Promise<void>): Promise<void> {
  await add();
  const job = await queue.getJob(jobId);
  if (job && (await job.isFailed())) await job.retry('failed');
}
