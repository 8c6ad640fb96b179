import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUE_NAMES, type AttachmentJob } from '../src/queues/queues.js';
import { storeAttachment, type AttachmentDeps } from '../src/attachments/store-attachment.js';
import { timeJob, type WorkerMetrics } from '../src/metrics/worker-metrics.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { errorLog } from '../src/logger.js';

/** Thrown for a passing failure (a timeout, a 5xx): BullMQ tries again after its back-off. */
class TryAgain extends Error {
  override name = 'TryAgain';
}

/**
 * Residents' photos (docs/photos.md): each job names one attachment (its id only; the URL
 * stays in Postgres) and fetches, checks and keeps it. A file that cannot be kept ends as a
 * note on the attachment, on the last try at the latest: the queue never holds it forever.
 */
export async function startAttachmentsWorker(deps: AttachmentDeps & {
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  metrics: WorkerMetrics;
  concurrency?: number;
  stallMs?: number;
}) {
  const { log } = deps;
  const worker = new Worker<AttachmentJob>(
    QUEUE_NAMES.attachments,
    (job) =>
      timeJob(deps.metrics, QUEUE_NAMES.attachments, async () => {
        const attempts = job.opts.attempts ?? 1;
        const finalAttempt = job.attemptsMade + 1 >= attempts;
        const result = await storeAttachment(deps, job.data.attachmentId, finalAttempt);
        // Reasons name what went wrong, never the file's address.
        if (result.outcome === 'retry') throw new TryAgain(result.reason);
        if (result.outcome === 'refused') log.info({ attachmentId: job.data.attachmentId, reason: result.reason }, 'attachment refused');
        else log.debug({ attachmentId: job.data.attachmentId, outcome: result.outcome }, 'attachment job done');
        return result.outcome;
      }),
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 4,
      lockDuration: deps.stallMs ?? 60_000,
      stalledInterval: deps.stallMs ?? 60_000,
    },
  );
  worker.on('error', errorLog(log, `worker ${QUEUE_NAMES.attachments}`));
  worker.on('failed', (job, error) =>
    log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'attachment job failed'),
  );
  return {
    worker,
    async close() {
      await closeBullmq(worker);
    },
  };
}
