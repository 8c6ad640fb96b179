import type { FastifyBaseLogger } from 'fastify';
import type { Channel } from '../domain/channel.js';
import { enqueueFiling, enqueueRouting, enqueueSend, type Queues } from './queues.js';

/**
 * Hands stored work to a queue after the transaction has committed. If Redis is away
 * the work is not lost: it is in Postgres, and the sweeper enqueues it when Redis is back.
 */
export async function handOff(
  queues: Queues,
  log: FastifyBaseLogger,
  work: { file?: number[]; route?: number[]; send?: { channel: Channel; messageId: number }[] },
): Promise<void> {
  const jobs = [
    ...(work.file ?? []).map((id) => ['file', id, enqueueFiling(queues, id)] as const),
    ...(work.route ?? []).map((id) => ['route', id, enqueueRouting(queues, id)] as const),
    ...(work.send ?? []).map(({ channel, messageId }) => ['send', messageId, enqueueSend(queues, channel, messageId)] as const),
  ];
  const results = await Promise.allSettled(jobs.map(([, , p]) => p));
  results.forEach((result, i) => {
    if (result.status === 'rejected') {
      const [kind, id] = jobs[i]!;
      log.warn({ kind, id, err: (result.reason as Error).message }, 'queue unavailable; the sweeper will enqueue it');
    }
  });
}
