import fp from 'fastify-plugin';
import { createDb, type Db } from '../db/database.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

/** Postgres through Kysely; the pool closes with the app. */
export default fp<{ databaseUrl: string }>(
  async (app, opts) => {
    const db = createDb(opts.databaseUrl, { log: app.log });
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await db.destroy();
    });
  },
  { name: 'db' },
);
