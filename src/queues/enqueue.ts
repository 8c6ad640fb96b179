import type { FastifyBaseLogger } from 'fastify';
import type { Channel } from '../cases/case.table.js';
import { enqueueRouting, enqueueSend, type Queues } from './queues.js';

/**
 * Hands stored work to a queue after the transaction has committed. If Redis is away
 * the work is not lost: it is in Postgres, and the sweeper enqueues it when Redis is back.
 */
export async function handOff(
  queues: Queues,
  log: FastifyBaseLogger,
  work: { route?: number[]; send?: { channel: Channel; messageId: number }[] },
): Promise<void> {
  const jobs = [
    ...(work.route ?? []).map((id) => ['route', id, enqueueRouting(queues, id)] as const),
    ...(work.send ?? []).map(({ channel, messageId }) => ['send', messageId, enqueueSend(queues, channel, messageId)] as const),
  ];
  const results = await Promise.allSettled(jobs.map(([, , p]) => p));
  results.forEach((result, i) => {
    if (result.status === 'rejected') {
      const [kind, messageId] = jobs[i]!;
      log.warn({ kind, messageId, err: (result.reason as Error).message }, 'queue unavailable; the sweeper will enqueue it');
    }
  });
}
