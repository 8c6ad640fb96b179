import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { IntakeBuffer } from '../intake/intake-buffer.js';
import { InboxBatcher } from '../intake/inbox-batcher.js';
import { errorLog } from '../logger.js';
import { receiveResidentMessage, type ReceivedMessage, type Receipt } from '../intake/receive-message.js';

declare module 'fastify' {
  interface FastifyInstance {
    intake: {
      /** Stores a resident's message before the webhook answers (see receiveResidentMessage). */
      receive(message: ReceivedMessage, log: FastifyBaseLogger): Promise<Receipt>;
      buffer: IntakeBuffer;
      inbox: InboxBatcher;
    };
  }
}

/** The webhooks' one way in: inbox in Postgres, or the encrypted Redis buffer while Postgres is away. */
export default fp(
  async (app) => {
    const { config } = app;
    // Its own connection: a write waits for a connection being (re)made, up to a second,
    // where the producers' connection fails at once (the sweeper covers a lost job, not a lost message).
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1000, enableReadyCheck: false });
    // Not a crash: /readyz reports Redis down, and the log says why, once a minute at most.
    redis.on('error', errorLog(app.log, 'redis intake buffer'));
    const buffer = new IntakeBuffer(redis, IntakeBuffer.keyFor(config.queuePrefix), config.intake.bufferSecret);
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
    const inbox = new InboxBatcher(app.db, app.queues, app.log, {
      flood: config.intake.senderFlood,
      threadWindowMinutes: config.threadWindowMinutes,
    });
    const deps = {
      db: app.db,
      queues: app.queues,
      buffer,
      inbox,
      storeTimeoutMs: config.intake.storeTimeoutMs,
      ondate: config.mayorSessions.ondateOffer,
      visitApplications: config.mayorSessions.visitOffer,
      consentRetentionDays: config.notices.consentRetentionDays,
    };
    app.decorate('intake', {
      buffer,
      inbox,
      receive: (message: ReceivedMessage, log: FastifyBaseLogger) => receiveResidentMessage(deps, message, log),
    });
  },
  { name: 'intake', dependencies: ['db', 'queues'] },
);
