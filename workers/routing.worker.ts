import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import { QUEUE_NAMES, type RouteMessageJob } from '../src/queues/queues.js';
import { routeMessage } from '../src/routing/route-message.js';
import { KEYWORD_ROUTER_NAME, loadRouter } from '../src/routing/load-router.js';
import type { Router } from '../src/routing/router.js';

/** How often department rules are re-read, so an admin's `departments load` takes effect without a restart. */
const ROUTER_REFRESH_MS = 60_000;

export async function startRoutingWorker(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  concurrency?: number;
}) {
  let router: Router = await loadRouter(deps.db);
  const refresh = setInterval(() => {
    loadRouter(deps.db)
      .then((fresh) => {
        router = fresh;
      })
      .catch((error: Error) => deps.log.warn({ err: error.message }, 'could not refresh routing rules'));
  }, ROUTER_REFRESH_MS);
  refresh.unref();

  const worker = new Worker<RouteMessageJob>(
    QUEUE_NAMES.routing,
    async (job) => {
      const outcome = await routeMessage(deps.db, router, KEYWORD_ROUTER_NAME, job.data.messageId);
      deps.log.debug({ jobId: job.id, outcome }, 'routing job done');
      return outcome;
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 8 },
  );
  worker.on('error', (error) => deps.log.warn({ err: error.message }, 'routing worker error'));
  worker.on('failed', (job, error) =>
    deps.log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'routing job failed'),
  );
  return {
    worker,
    async close() {
      clearInterval(refresh);
      await worker.close();
    },
  };
}
