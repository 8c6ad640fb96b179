import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import type { Channel } from '../src/domain/channel.js';
import { QUEUE_NAMES, enqueueConfirmPush, type OutboundJob, type Queues } from '../src/queues/queues.js';
import { sendStoredMessage, type OutboundChannels } from '../src/outbound/send-message.js';
import { PermanentSendError, RateLimitedError } from '../src/outbound/channel.js';
import { giveUpSending } from '../src/outbound/outbound-repository.js';
import { confirmKakaoPush } from '../src/outbound/kakao-push.js';
import { timeJob, type WorkerMetrics } from '../src/metrics/worker-metrics.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { errorLog } from '../src/logger.js';

/** The provider's error code when the error carries one (PermanentSendError, RateLimitedError, ...). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : 'unknown';
}

/** One worker per channel's queue, each with its provider's rate. */
export async function startOutboundWorker(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  channel: Channel;
  channels: OutboundChannels;
  queues: Queues;
  metrics: WorkerMetrics;
  publicBaseUrl: string;
  ratePerSecond: number;
  concurrency?: number;
  /** How long the job of a worker that died stays active before another worker takes it over. */
  stallMs?: number;
}) {
  const { channel, db, log } = deps;
  /** This channel's queue: a provider's 429 pauses it for every worker, and only it. */
  const queue: Queue<OutboundJob> = deps.queues.outbound[channel];

  async function send(job: Job<OutboundJob>, messageId: number) {
    try {
      const outcome = await sendStoredMessage(db, deps.channels, messageId, {
        publicBaseUrl: deps.publicBaseUrl,
        confirmPush: (taskId) => enqueueConfirmPush(deps.queues, channel, taskId),
      });
      log.info({ jobId: job.id, messageId, outcome }, 'outbound job done');
      return outcome;
    } catch (error) {
      deps.metrics.providerErrors.inc({ channel, code: errorCode(error) });
      if (error instanceof PermanentSendError) {
        await giveUpSending(db, messageId, error.code, error.message);
        log.warn({ messageId, code: error.code }, 'outbound message refused for good');
        throw new UnrecoverableError(`permanent provider error ${error.code}`);
      }
      if (error instanceof RateLimitedError) {
        // Slows the whole queue and puts this job back without spending an attempt.
        await queue.rateLimit(error.retryAfterMs);
        throw Worker.RateLimitError();
      }
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await giveUpSending(db, messageId, 'retries_exhausted', (error as Error).message);
      }
      throw error;
    }
  }

  async function confirm(job: Job<OutboundJob>, taskId: string) {
    const provider = deps.channels.kakao;
    if (!provider) throw new UnrecoverableError('no push provider configured to confirm with');
    const result = await confirmKakaoPush(db, provider, taskId);
    log.info({ jobId: job.id, ...result }, 'push confirmed');
    return result;
  }

  const worker = new Worker<OutboundJob>(
    QUEUE_NAMES.outbound(channel),
    (job) =>
      timeJob<unknown>(deps.metrics, queue.name, () => ('taskId' in job.data ? confirm(job, job.data.taskId) : send(job, job.data.messageId))),
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 4,
      lockDuration: deps.stallMs ?? 30_000,
      stalledInterval: deps.stallMs ?? 30_000,
      limiter: { max: deps.ratePerSecond, duration: 1000 },
    },
  );
  worker.on('error', errorLog(log, `worker ${QUEUE_NAMES.outbound(channel)}`));
  worker.on('failed', (job, error) =>
    log.warn({ channel, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'outbound job failed'),
  );
  return { worker, close: () => closeBullmq(worker) };
}
