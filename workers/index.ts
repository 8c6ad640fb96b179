import type { Logger } from 'pino';
import type { Config } from '../src/config/config.js';
import { CHANNELS } from '../src/cases/case.table.js';
import { createDb } from '../src/db/database.js';
import { createProducerConnection, createQueues, workerConnectionOptions } from '../src/queues/queues.js';
import { createOutboundChannels } from '../src/outbound/channels.js';
import { startRoutingWorker } from './routing.worker.js';
import { startOutboundWorker } from './outbound.worker.js';
import { sweepStoredWork } from './sweeper.js';
import { createWorkerMetrics, startMetricsServer, type MetricsServer } from '../src/metrics/worker-metrics.js';

export interface RunningWorkers {
  /** Where the worker metrics server listens; null when WORKER_METRICS_PORT=0. */
  metricsPort: number | null;
  close(): Promise<void>;
}

/** Starts every worker with its own pools; close() lets in-flight jobs finish, then releases everything. */
export async function startWorkers(config: Config, log: Logger): Promise<RunningWorkers> {
  const db = createDb(config.databaseUrl);
  const connection = workerConnectionOptions(config.redisUrl);
  const producer = createProducerConnection(config.redisUrl);
  const queues = createQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, outbound: config.outbound }, producer);
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
    stallMs: config.jobStallMs,
  });
  const channels = await createOutboundChannels(config);
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

  const sweep = () =>
    sweepStoredWork(db, queues, config.sweepMinAgeMs)
      .then((found) => {
        if (found.route + found.send > 0) log.info(found, 'sweeper re-enqueued stored work');
      })
      .catch((error: Error) => log.warn({ err: error.message }, 'sweep failed; will try again'));
  const sweeper = setInterval(sweep, config.sweepIntervalMs);
  sweeper.unref();

  // Prometheus scrapes the workers here; the API process has its own /metrics.
  let metricsServer: MetricsServer | null = null;
  if (config.workerMetricsPort !== 0) {
    metricsServer = await startMetricsServer(metrics.registry, config.workerMetricsPort, config.host);
    log.info({ port: metricsServer.port }, 'worker metrics listening');
  }

  return {
    metricsPort: metricsServer?.port ?? null,
    async close() {
      clearInterval(sweeper);
      await metricsServer?.close();
      await Promise.allSettled([routing.close(), ...outbound.map((w) => w.close())]);
      await queues.close();
      producer.disconnect();
      await db.destroy();
    },
  };
}
