import type { Logger } from 'pino';
import type { Config } from '../src/config/config.js';
import { CHANNELS } from '../src/domain/channel.js';
import { createDb } from '../src/db/database.js';
import { createProducerConnection, createQueues, workerConnectionOptions } from '../src/queues/queues.js';
import { createOutboundChannels, outboxNotice } from '../src/outbound/channels.js';
import { startRoutingWorker } from './routing.worker.js';
import { startOutboundWorker } from './outbound.worker.js';
import { sweepStoredWork } from './sweeper.js';
import { foldMessageCounts } from '../src/metrics/store-counts.js';
import { forgetQuietSenders } from '../src/intake/sender-flood.js';
import { IntakeBuffer } from '../src/intake/intake-buffer.js';
import { drainIntakeBuffer } from '../src/intake/drain-buffer.js';
import { startRetentionWorker } from './retention.worker.js';
import { startDeadlineWorker } from './deadlines.worker.js';
import { createDeadlineQueue } from '../src/deadlines/deadline-queue.js';
import { createWorkerMetrics, startMetricsServer, type MetricsServer } from '../src/metrics/worker-metrics.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { startAttachmentsWorker } from './attachments.worker.js';
import { createAttachmentStore } from '../src/attachments/storage.js';
import { startNoticeWorker } from './notices.worker.js';

export interface RunningWorkers {
  /** Where the worker metrics server listens; null when WORKER_METRICS_PORT=0. */
  metricsPort: number | null;
  close(): Promise<void>;
}

/** Starts every worker with its own pools; close() lets in-flight jobs finish, then releases everything. */
export async function startWorkers(config: Config, log: Logger): Promise<RunningWorkers> {
  const db = createDb(config.databaseUrl, { log });
  const connection = workerConnectionOptions(config.redisUrl);
  const producer = createProducerConnection(config.redisUrl, log);
  const queues = createQueues(
    {
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
      outbound: config.outbound,
      attachments: { attempts: config.attachments.attempts, backoffMs: config.attachments.backoffMs },
    },
    producer,
    log,
  );
  const metrics = createWorkerMetrics();

  const routing = await startRoutingWorker({
    db,
    connection,
    prefix: config.queuePrefix,
    log,
    queues,
    metrics,
    confidenceThreshold: config.routing.confidenceThreshold,
    refreshMs: config.routing.refreshMs,
    threadWindowMinutes: config.threadWindowMinutes,
    concurrency: config.routing.concurrency,
    deadlines: config.deadlines,
    stallMs: config.jobStallMs,
  });
  const channels = await createOutboundChannels(config);
  const outbox = outboxNotice(config);
  if (outbox) log.warn({ smsProvider: 'outbox' }, outbox);
  const outbound = await Promise.all(
    CHANNELS.map((channel) =>
      startOutboundWorker({
        db,
        connection,
        prefix: config.queuePrefix,
        log,
        channel,
        channels,
        queues,
        metrics,
        publicBaseUrl: config.publicBaseUrl,
        ratePerSecond: config.outbound.ratePerSecond,
        stallMs: config.jobStallMs,
      }),
    ),
  );

  const attachmentStore = createAttachmentStore(config.attachments.store);
  const attachments = await startAttachmentsWorker({
    db,
    store: attachmentStore,
    config: config.attachments,
    connection,
    prefix: config.queuePrefix,
    log,
    metrics,
  });
  const retention = await startRetentionWorker({
    db,
    connection,
    prefix: config.queuePrefix,
    log,
    years: config.retentionYears,
    store: attachmentStore,
    consentRetentionDays: config.notices.consentRetentionDays,
  });
  // Notices to subscribed residents: their own queue and limiter, never in the answers' way.
  const notices = await startNoticeWorker({ db, connection, prefix: config.queuePrefix, log, queues, config: config.notices, sms: channels.sms, metrics, stallMs: config.jobStallMs });
  const deadlineQueue = createDeadlineQueue(connection, config.queuePrefix, log);
  const deadlines = await startDeadlineWorker({
    db,
    connection,
    prefix: config.queuePrefix,
    log,
    queues,
    deadlineQueue,
    metrics,
    config: config.deadlines,
  });

  const sweep = () =>
    sweepStoredWork(db, queues, config.sweepMinAgeMs)
      .then(async (found) => {
        if (found.file + found.route + found.send + found.attachments > 0) log.info(found, 'sweeper re-enqueued stored work');
        await forgetQuietSenders(db, config.intake.senderFlood.windowMs, config.threadWindowMinutes);
        // Keeps the message counts' deltas few when nothing scrapes /metrics.
        await foldMessageCounts(db);
      })
      .catch((error: Error) => log.warn({ err: error.message }, 'sweep failed; will try again'));
  const sweeper = setInterval(sweep, config.sweepIntervalMs);
  sweeper.unref();

  // Messages webhooks kept in Redis while Postgres was away: filed within seconds of its return.
  const buffer = new IntakeBuffer(producer, IntakeBuffer.keyFor(config.queuePrefix), config.intake.bufferSecret);
  let draining: Promise<void> | null = null;
  const drain = () => {
    draining ??= buffer
      .size()
      .then(async (waiting) => {
        if (waiting === 0) return;
        const { filed, unreadable } = await drainIntakeBuffer(db, queues, buffer, config.threadWindowMinutes, undefined, log, config.notices.consentRetentionDays);
        if (filed > 0) log.info({ filed }, 'messages kept in Redis while Postgres was away are now stored');
        if (unreadable > 0) log.error({ unreadable }, 'buffered messages could not be decrypted (was INTAKE_BUFFER_SECRET changed?)');
      })
      .catch((error: Error) => log.warn({ err: error.message }, 'intake buffer not drained yet; will try again'))
      .finally(() => {
        draining = null;
      });
  };
  const drainer = setInterval(drain, Math.min(config.sweepIntervalMs, 5_000));
  drainer.unref();

  // Prometheus scrapes the workers here; the API process has its own /metrics.
  let metricsServer: MetricsServer | null = null;
  if (config.workerMetricsPort !== 0) {
    metricsServer = await startMetricsServer(metrics.registry, config.workerMetricsPort, config.host, log);
    log.info({ port: metricsServer.port }, 'worker metrics listening');
  }

  return {
    metricsPort: metricsServer?.port ?? null,
    async close() {
      clearInterval(sweeper);
      clearInterval(drainer);
      await draining;
      await metricsServer?.close();
      await Promise.allSettled([routing.close(), deadlines.close(), retention.close(), attachments.close(), notices.close(), ...outbound.map((w) => w.close())]);
      await Promise.allSettled([queues.close(), closeBullmq(deadlineQueue)]);
      producer.disconnect();
      await db.destroy();
    },
  };
}
