import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { allQueues, queueHealth } from './queue-health.js';

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

/** Liveness, readiness and queue health for operators and load balancers. */
const opsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /**
   * Ready means a resident's message can be kept: in the Postgres inbox, or, while Postgres is
   * away, in the Redis buffer (and with Redis away, the sweeper queues from the inbox). Taking
   * the API out while one of them answers would refuse exactly the messages the buffer is for.
   * The body names what is down either way, for the operator.
   */
  app.get('/readyz', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      probe(() => sql`select 1`.execute(app.db)),
      probe(() => app.redis.ping()),
    ]);
    const ready = postgres || redis;
    const body = { status: ready ? 'ready' : 'unavailable', postgres: postgres ? 'up' : 'down', redis: redis ? 'up' : 'down' };
    return reply.status(ready ? 200 : 503).send(body);
  });

  app.get('/ops/queues', { preHandler: app.requirePermission('ops:read') }, async () => {
    const queues = allQueues(app.queues);
    const health = await Promise.all(queues.map(queueHealth));
    return Object.fromEntries(queues.map((q, i) => [q.name, health[i]]));
  });
};

export default opsRoutes;
