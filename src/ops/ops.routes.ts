import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { allQueues, queueHealth } from './queue-health.js';
import { OneOf, staffErrors } from '../http/api-schemas.js';

const tags = ['operations'];
const UpDown = OneOf(['up', 'down']);
const Readiness = Type.Object({ status: OneOf(['ready', 'unavailable']), postgres: UpDown, redis: UpDown }, { additionalProperties: false });
const Count = Type.Integer({ minimum: 0 });
const QueueHealthSchema = Type.Object(
  { waiting: Count, active: Count, delayed: Count, failed: Count, completed: Count, oldestWaitingAgeSeconds: Count },
  { additionalProperties: false },
);

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
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness: the process answers (no token)',
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  /**
   * Ready means a resident's message can be kept: in the Postgres inbox, or, while Postgres is
   * away, in the Redis buffer (and with Redis away, the sweeper queues from the inbox). Taking
   * the API out while one of them answers would refuse exactly the messages the buffer is for.
   * The body names what is down either way, for the operator.
   */
  const readySchema = {
    tags,
    summary: "Readiness: a resident's message can be kept (Postgres or Redis answers; no token)",
    response: {
      200: { ...Readiness, description: 'ready; the body names a store that is down' },
      503: { ...Readiness, description: 'neither Postgres nor Redis answers' },
    },
  };
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      probe(() => sql`select 1`.execute(app.db)),
      probe(() => app.redis.ping()),
    ]);
    const ready = postgres || redis;
    const body = { status: ready ? 'ready' : 'unavailable', postgres: postgres ? 'up' : 'down', redis: redis ? 'up' : 'down' } as const;
    return reply.status(ready ? 200 : 503).send(body);
  });

  const queuesSchema = {
    tags,
    summary: 'Job counts of every queue, and how long its oldest waiting job has waited',
    response: { 200: Type.Record(Type.String(), QueueHealthSchema, { description: 'by queue name' }), ...staffErrors },
  };
  app.get('/ops/queues', { schema: queuesSchema, preHandler: app.requirePermission('ops:read') }, async () => {
    const queues = allQueues(app.queues);
    const health = await Promise.all(queues.map(queueHealth));
    return Object.fromEntries(queues.map((q, i) => [q.name, health[i]!]));
  });
};

export default opsRoutes;
