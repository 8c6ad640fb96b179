import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import { IntakeBuffer } from '../intake/intake-buffer.js';
import { receiveResidentMessage, type ReceivedMessage, type Receipt } from '../intake/receive-message.js';

declare module 'fastify' {
  interface FastifyInstance {
    intake: {
      /** Stores a resident's message before the webhook answers (see receiveResidentMessage). */
      receive(message: ReceivedMessage, log: FastifyBaseLogger): Promise<Receipt>;
      buffer: IntakeBuffer;
    };
  }
}

/** The webhooks' one way in: inbox in Postgres, or the encrypted Redis buffer while Postgres is away. */
export default fp(
  async (app) => {
    const { config } = app;
    const buffer = new IntakeBuffer(app.redis, IntakeBuffer.keyFor(config.queuePrefix), config.intake.bufferSecret);
    app.decorate('intake', {
      buffer,
      receive: (message: ReceivedMessage, log: FastifyBaseLogger) =>
        receiveResidentMessage({ db: app.db, queues: app.queues, buffer, log, storeTimeoutMs: config.intake.storeTimeoutMs }, message),
    });
  },
  { name: 'intake', dependencies: ['db', 'queues'] },
);
