import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorLog, type WarnLogger } from '../logger.js';

/** What the workers count; one object per worker process, handed to each worker. */
export interface WorkerMetrics {
  registry: Registry;
  jobDuration: Histogram<'queue' | 'outcome'>;
  routingOutcomes: Counter<'outcome'>;
  providerErrors: Counter<'channel' | 'code'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    jobDuration: new Histogram({
      name: 'sotong_job_duration_seconds',
      help: 'Time a worker spent on one job, by queue and outcome (completed or failed)',
      labelNames: ['queue', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    routingOutcomes: new Counter({
      name: 'sotong_routing_outcomes_total',
      help: 'Routing jobs by result (routed, triaged, closed-as-thanks, joined, already-routed, missing)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    providerErrors: new Counter({
      name: 'sotong_provider_errors_total',
      help: 'Errors from outbound providers, by channel and error code',
      labelNames: ['channel', 'code'] as const,
      registers: [registry],
    }),
  };
}

/** Runs `work` and records how long it took and whether it threw. */
export async function timeJob<T>(metrics: WorkerMetrics, queue: string, work: () => Promise<T>): Promise<T> {
  const end = metrics.jobDuration.startTimer({ queue });
  try {
    const result = await work();
    end({ outcome: 'completed' });
    return result;
  } catch (error) {
    end({ outcome: 'failed' });
    throw error;
  }
}

export interface MetricsServer {
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

/** A bare node:http server answering `GET /metrics` from the registry; anything else is 404. */
export async function startMetricsServer(registry: Registry, port: number, host: string, log: WarnLogger): Promise<MetricsServer> {
  const metricsError = errorLog(log, 'worker metrics');
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry
      .metrics()
      .then((body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body))
      .catch((error: unknown) => {
        metricsError(error);
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
