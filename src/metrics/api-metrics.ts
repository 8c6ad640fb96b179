import fp from 'fastify-plugin';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IntakeBuffer } from '../intake/intake-buffer.js';
import type { Db } from '../db/database.js';
import { readStoreCounts } from './store-counts.js';
import { allQueues, queueHealth } from '../ops/queue-health.js';
import type { Queues } from '../queues/queues.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (one per app, never the global default). */
    metrics: Registry;
  }
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Gauges read from Redis and Postgres when Prometheus scrapes. Postgres is asked only for kept
 * counts and partial indexes (store-counts.ts): a scrape costs the same at a million messages.
 */
function scrapeGauges(registry: Registry, db: Db, queues: Queues, buffer: IntakeBuffer, warn: (what: string, error: Error) => void) {
  const queueJobs = new Gauge({
    name: 'sotong_queue_jobs',
    help: 'Jobs in each BullMQ queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  const oldestWaiting = new Gauge({
    name: 'sotong_queue_oldest_waiting_seconds',
    help: 'Age in seconds of the job that has waited longest in each queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const messages = new Gauge({
    name: 'sotong_messages',
    help: 'Messages stored, by direction, channel and delivery status (inbound messages have delivery_status "none")',
    labelNames: ['direction', 'channel', 'delivery_status'] as const,
    registers: [registry],
  });
  const undelivered = new Gauge({
    name: 'sotong_undelivered_answers',
    help: "Outbound interim replies and answers whose delivery status is not 'delivered'",
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const openCases = new Gauge({
    name: 'sotong_open_cases',
    help: 'Cases not closed yet',
    registers: [registry],
  });
  const unfiled = new Gauge({
    name: 'sotong_inbox_unfiled',
    help: 'Messages webhooks received that the routing worker has not filed into a case yet',
    registers: [registry],
  });
  const buffered = new Gauge({
    name: 'sotong_intake_buffered',
    help: 'Messages kept (encrypted) in Redis because Postgres was unreachable, waiting to be stored',
    registers: [registry],
  });

  const attachmentBytes = new Gauge({
    name: 'sotong_attachment_stored_bytes',
    help: "Bytes of residents' photos kept in the attachment store (stripped copies and thumbnails)",
    registers: [registry],
  });
  const attachmentsPending = new Gauge({
    name: 'sotong_attachments_pending',
    help: "Residents' photos not fetched yet (or waiting for a retry)",
    registers: [registry],
  });

  async function refreshQueues() {
    const list = allQueues(queues);
    const health = await Promise.all(list.map(queueHealth));
    queueJobs.reset();
    oldestWaiting.reset();
    list.forEach((queue, i) => {
      const h = health[i]!;
      for (const state of QUEUE_STATES) queueJobs.set({ queue: queue.name, state }, h[state]);
      oldestWaiting.set({ queue: queue.name }, h.oldestWaitingAgeSeconds);
    });
    buffered.set(await buffer.size());
  }

  async function refreshDatabase() {
    const counts = await readStoreCounts(db);
    messages.reset();
    for (const row of counts.messages) {
      messages.set({ direction: row.direction, channel: row.channel, delivery_status: row.deliveryStatus }, row.n);
    }
    undelivered.reset();
    for (const row of counts.undeliveredAnswers) undelivered.set({ channel: row.channel }, row.n);
    openCases.set(counts.openCases);
    unfiled.set(counts.unfiledInbox);
    attachmentBytes.set(counts.attachments.storedBytes);
    attachmentsPending.set(counts.attachments.pending);
  }

  /** One round of queries per scrape; a source that fails leaves its gauges out rather than failing the scrape. */
  return async function refresh() {
    const [q, d] = await Promise.allSettled([refreshQueues(), refreshDatabase()]);
    if (q.status === 'rejected') {
      queueJobs.reset();
      oldestWaiting.reset();
      buffered.reset();
      warn('queues', q.reason as Error);
    }
    if (d.status === 'rejected') {
      messages.reset();
      undelivered.reset();
      openCases.reset();
      unfiled.reset();
      attachmentBytes.reset();
      attachmentsPending.reset();
      warn('database', d.reason as Error);
    }
  };
}

/** `GET /metrics` for Prometheus: Node defaults, HTTP request durations and queue/message gauges. Open like /healthz. */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    app.decorate('metrics', registry);

    const httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern only: a raw URL could carry ids or query values.
      const route = request.routeOptions.url ?? 'unmatched';
      httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });

    // Read from this process when scraped: nothing is counted per request.
    const inbox = app.intake.inbox;
    new Gauge({
      name: 'sotong_intake_storing',
      help: "Webhook messages this API process has taken and is storing in Postgres now (waiting for a statement or in one); it rises when Postgres is slow",
      registers: [registry],
      collect() {
        this.set(inbox.pending);
      },
    });

    const refresh = scrapeGauges(registry, app.db, app.queues, app.intake.buffer, (source, error) =>
      app.log.warn({ source, err: error.message }, 'metrics scrape could not read a source'),
    );
    const metricsSchema = {
      tags: ['operations'],
      summary: 'Prometheus metrics of the API: requests, queues, stored messages, open cases (no token; keep it off the internet)',
      response: { 200: { description: 'the Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    } as const;
    app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
      await refresh();
      return reply.header('content-type', registry.contentType).send(await registry.metrics());
    });
  },
  { name: 'metrics', dependencies: ['db', 'queues', 'intake'] },
);
