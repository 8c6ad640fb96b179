import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';

/**
 * Lets requests that are still being handled finish before the pools close. The server's
 * close waits for connections only: a handler whose caller went away (a provider's timeout,
 * a load test ending) keeps running, and would find Redis closed under it (its message
 * stored but not queued until the sweeper comes) or Postgres gone mid-way. Registered after
 * the db and queues plugins, so its onClose runs before theirs (fastify runs them last
 * registered first).
 */
export default fp<{ drainTimeoutMs: number }>(
  async (app, opts) => {
    const handling = new Set<FastifyRequest>();
    const started = new WeakSet<FastifyRequest>();
    let drained: (() => void) | null = null;
    const finish = (request: FastifyRequest) => {
      if (handling.delete(request) && handling.size === 0) drained?.();
    };

    // Callback hooks, not async ones: they run on every webhook call, and a promise each costs.
    app.addHook('onRequest', (request, _reply, done) => {
      handling.add(request);
      done();
    });
    app.addHook('preHandler', (request, _reply, done) => {
      started.add(request);
      done();
    });
    // The handler's result (or error) is being sent, to a caller still there or not.
    app.addHook('onSend', (request, _reply, payload, done) => {
      finish(request);
      done(null, payload);
    });
    app.addHook('onResponse', (request, _reply, done) => {
      finish(request);
      done();
    });
    // Gone before any handler ran: nothing left to wait for.
    app.addHook('onRequestAbort', async (request) => {
      if (!started.has(request)) finish(request);
    });

    app.addHook('onClose', async () => {
      if (handling.size === 0) return;
      const count = handling.size;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        new Promise<true>((resolve) => (drained = () => resolve(true))),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), opts.drainTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (done) app.log.info({ requests: count }, 'requests whose callers had gone finished before the pools closed');
      else app.log.warn({ requests: handling.size }, 'requests still running at shutdown; closing the pools under them');
    });
  },
  { name: 'in-flight', dependencies: ['db', 'queues'] },
);
