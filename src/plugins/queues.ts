import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createProducerConnection, createQueues, type Queues, type QueueSettings } from '../queues/queues.js';

declare module 'fastify' {
  interface FastifyInstance {
    queues: Queues;
    /** The producers' Redis connection, also used by /readyz. */
    redis: Redis;
  }
}

/** BullMQ producers; the API only adds jobs, workers run elsewhere or beside it. */
export default fp<QueueSettings>(
  async (app, opts) => {
    const redis = createProducerConnection(opts.redisUrl, app.log);
    const queues = createQueues(opts, redis, app.log);
    app.decorate('redis', redis);
    app.decorate('queues', queues);
    app.addHook('onClose', async () => {
      await queues.close();
      redis.disconnect();
    });
  },
  { name: 'queues' },
);
