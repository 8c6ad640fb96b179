import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import { QUEUE_NAMES, enqueueAttachments, enqueueSend, type Queues, type RoutingJob } from '../src/queues/queues.js';
import { pendingAttachmentsOfInbound } from '../src/attachments/attachment-repository.js';
import { fileAndRouteInbound, routeMessage, type RoutingPolicy } from '../src/routing/route-message.js';
import { LEARNED_ROUTER_NAME, loadRouter, type TrainedRouter } from '../src/routing/load-router.js';
import { trainingFingerprint } from '../src/routing/routing-examples.js';
import { timeJob, type WorkerMetrics } from '../src/metrics/worker-metrics.js';
import type { DeadlinePolicy } from '../src/deadlines/deadlines.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { errorLog } from '../src/logger.js';

export async function startRoutingWorker(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  queues: Queues;
  metrics: WorkerMetrics;
  confidenceThreshold: number;
  /** How often to look for new corrections or rules (and then retrain, in the background). */
  refreshMs: number;
  /** A resident's follow-up within this many minutes joins their open case. */
  threadWindowMinutes: number;
  /** Each routed case gets its legal deadline. */
  deadlines?: DeadlinePolicy;
  /** Jobs at once per worker process: a burst drains faster while Postgres has cores to spare. */
  concurrency: number;
  /** How long the job of a worker that died stays active before another worker takes it over. */
  stallMs?: number;
}) {
  const { db, log } = deps;
  const started = performance.now();
  let current: TrainedRouter = await loadRouter(db);
  log.info(
    { examples: current.examples, ms: Math.round(performance.now() - started), sinceProcessStartMs: Math.round(process.uptime() * 1000) },
    'router trained',
  );
  const policy: RoutingPolicy = {
    routerName: LEARNED_ROUTER_NAME,
    confidenceThreshold: deps.confidenceThreshold,
    ...(deps.deadlines ? { deadlines: deps.deadlines } : {}),
  };

  // Every worker process trains its own copy from Postgres, so any number of them agree.
  let retraining = false;
  const refresh = setInterval(() => {
    if (retraining) return;
    retraining = true;
    trainingFingerprint(db)
      .then(async (fingerprint) => {
        if (fingerprint === current.fingerprint) return;
        const t = performance.now();
        current = await loadRouter(db);
        log.info({ examples: current.examples, ms: Math.round(performance.now() - t) }, 'router retrained');
      })
      .catch((error: Error) => log.warn({ err: error.message }, 'could not retrain the router; keeping the current one'))
      .finally(() => {
        retraining = false;
      });
  }, deps.refreshMs);
  refresh.unref();

  // One queue, two kinds of job: 'file' files a webhook's inbox message into its case and
  // routes it; 'route' routes a message already in its case (the sweeper's re-runs).
  const worker = new Worker<RoutingJob>(
    QUEUE_NAMES.routing,
    (job) =>
      timeJob(deps.metrics, QUEUE_NAMES.routing, async () => {
        const result =
          'inboundId' in job.data
            ? await fileAndRouteInbound(db, current.router, policy, job.data.inboundId, deps.threadWindowMinutes)
            : await routeMessage(db, current.router, policy, job.data.messageId);
        deps.metrics.routingOutcomes.inc({ outcome: result.outcome });
        // The automatic thanks answer is in Postgres; if this add fails, the sweeper sends it.
        if (result.acknowledgement) await enqueueSend(deps.queues, result.acknowledgement.channel, result.acknowledgement.messageId);
        if (result.send) await enqueueSend(deps.queues, result.send.channel, result.send.messageId);
        // The photos filed with the message (docs/photos.md); a lost add is found by the sweeper.
        if ('inboundId' in job.data) await enqueueAttachments(deps.queues, await pendingAttachmentsOfInbound(db, job.data.inboundId));
        log.debug({ jobId: job.id, outcome: result.outcome }, 'routing job done');
        return result.outcome;
      }),
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency,
      lockDuration: deps.stallMs ?? 30_000,
      stalledInterval: deps.stallMs ?? 30_000,
    },
  );
  // Its Redis connection's errors too: one line a minute while Redis is away, not one per retry.
  worker.on('error', errorLog(log, `worker ${QUEUE_NAMES.routing}`));
  worker.on('failed', (job, error) =>
    log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'routing job failed'),
  );
  return {
    worker,
    async close() {
      clearInterval(refresh);
      await closeBullmq(worker);
    },
  };
}
