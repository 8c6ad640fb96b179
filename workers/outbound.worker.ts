import { UnrecoverableError, Worker, type ConnectionOptions, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import { QUEUE_NAMES, type SendMessageJob } from '../src/queues/queues.js';
import { sendStoredMessage, type OutboundChannels } from '../src/outbound/send-message.js';
import { PermanentSendError, RateLimitedError } from '../src/outbound/channel.js';
import { markSendFailed } from '../src/outbound/outbound-repository.js';

export async function startOutboundWorker(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  channels: OutboundChannels;
  /** The outbound queue itself: a provider's 429 pauses it for every worker. */
  queue: Queue<SendMessageJob>;
  publicBaseUrl: string;
  ratePerSecond: number;
  concurrency?: number;
}) {
  const worker = new Worker<SendMessageJob>(
    QUEUE_NAMES.outbound,
    async (job) => {
      const { messageId } = job.data;
      try {
        const outcome = await sendStoredMessage(deps.db, deps.channels, messageId, { publicBaseUrl: deps.publicBaseUrl });
        deps.log.info({ jobId: job.id, messageId, outcome }, 'outbound job done');
        return outcome;
      } catch (error) {
        if (error instanceof PermanentSendError) {
          await markSendFailed(deps.db, messageId, error.code, error.message);
          deps.log.warn({ messageId, code: error.code }, 'outbound message refused for good');
          throw new UnrecoverableError(`permanent provider error ${error.code}`);
        }
        if (error instanceof RateLimitedError) {
          // Slows the whole queue and puts this job back without spending an attempt.
          await deps.queue.rateLimit(error.retryAfterMs);
          throw Worker.RateLimitError();
        }
        const attempts = job.opts.attempts ?? 1;
        if (job.attemptsMade + 1 >= attempts) {
          await markSendFailed(deps.db, messageId, 'retries_exhausted', (error as Error).message);
        }
        throw error;
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 4,
      limiter: { max: deps.ratePerSecond, duration: 1000 },
    },
  );
  worker.on('error', (error) => deps.log.warn({ err: error.message }, 'outbound worker error'));
  worker.on('failed', (job, error) =>
    deps.log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'outbound job failed'),
  );
  return { worker, close: () => worker.close() };
}
