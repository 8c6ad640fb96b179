import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { Queue } from 'bullmq';

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function queueHealth(queue: Queue) {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  // asc = true: the job that has waited longest comes first.
  const [first] = await queue.getJobs(['wait'], 0, 0, true);
  return {
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
    oldestWaitingAgeSeconds: first ? Math.max(0, Math.round((Date.now() - first.timestamp) / 1000)) : 0,
  };
}

/** Liveness, readiness and queue health for operators and load balancers. */
const opsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      probe(() => sql`select 1`.execute(app.db)),
      probe(() => app.redis.ping()),
    ]);
    const body = { status: postgres && redis ? 'ready' : 'unavailable', postgres: postgres ? 'up' : 'down', redis: redis ? 'up' : 'down' };
    return reply.status(postgres && redis ? 200 : 503).send(body);
  });

  app.get('/ops/queues', { preHandler: app.requireRole('operator', 'admin') }, async () => {
    const queues: Queue[] = [app.queues.routing, ...Object.values(app.queues.outbound)];
    const health = await Promise.all(queues.map(queueHealth));
    return Object.fromEntries(queues.map((q, i) => [q.name, health[i]]));
  });
};

export default opsRoutes;
