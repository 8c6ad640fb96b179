import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config/config.js';
import { loggerOptions } from './logger.js';
import { clientErrors, frameworkErrors, registerErrorHandler, schemaErrors } from './http/errors.js';
import dbPlugin from './plugins/db.js';
import queuesPlugin from './plugins/queues.js';
import intakePlugin from './plugins/intake.js';
import inFlightPlugin from './plugins/in-flight.js';
import authenticate from './staff/authenticate.js';
import casesRoutes from './cases/cases.routes.js';
import opsRoutes from './ops/ops.routes.js';
import metricsPlugin from './metrics/api-metrics.js';
import opsBoard from './ops/board.js';
import correctionsRoutes from './routing/corrections.routes.js';
import deadLettersRoutes from './ops/dead-letters.routes.js';
import webhooks from '../webhooks/index.js';
import rateLimits from './http/rate-limits.js';
import securityHeaders from './http/security-headers.js';
import inputLimits from './http/input-limits.js';
import auditRoutes from './audit/audit.routes.js';
import reportsRoutes from './reports/reports.routes.js';
import committeeRoutes from './committee/committee.routes.js';
import mayorSessionsRoutes from './mayor-sessions/mayor-sessions.routes.js';
import reportPage from './reports/report-page.routes.js';
import { apiReference, openApiDocument } from './http/api-docs.js';
import consoleRoutes from './console/console.routes.js';
import attachmentsRoutes from './attachments/attachments.routes.js';
import { createAttachmentStore, type AttachmentStore } from './attachments/storage.js';
import noticesRoutes from './notices/notices.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** Where residents' photos are kept (docs/photos.md). */
    attachmentStore: AttachmentStore;
  }
}

/** The HTTP app: webhooks for providers, the staff API, and operations endpoints. */
export interface AppOptions {
  /** An existing pino logger (one per process); otherwise the app makes its own. */
  logger?: FastifyBaseLogger;
}

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(config.logLevel) }),
    // Providers sit behind the district's proxy; the client address is its to tell (TRUST_PROXY).
    trustProxy: config.trustProxy,
    bodyLimit: 256 * 1024,
    // Requests are logged once, below, by path only: a query string can carry a token.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: false } },
    frameworkErrors,
    clientErrorHandler: clientErrors,
    schemaErrorFormatter: schemaErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('attachmentStore', createAttachmentStore(config.attachments.store));
  // Decided once: at the usual warn level a burst of webhooks builds no log lines at all.
  const logCompleted = pino.levels.values[app.log.level]! <= pino.levels.values.info!;
  app.addHook('onResponse', (request, reply, done) => {
    if (logCompleted) {
      request.log.info(
        { method: request.method, path: request.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
    done();
  });
  registerErrorHandler(app);
  // Before any route: the OpenAPI document (/docs/json) holds the routes registered after it.
  await app.register(openApiDocument);
  await app.register(dbPlugin, { databaseUrl: config.databaseUrl });
  await app.register(queuesPlugin, {
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    outbound: config.outbound,
    attachments: { attempts: config.attachments.attempts, backoffMs: config.attachments.backoffMs },
  });
  await app.register(intakePlugin);
  // After the pools: at close, handlers whose callers have gone finish before the pools close.
  await app.register(inFlightPlugin, { drainTimeoutMs: 10_000 });
  await app.register(metricsPlugin);
  await app.register(securityHeaders);
  await app.register(rateLimits, { prefix: config.queuePrefix, limits: config.limits });
  await app.register(inputLimits);
  await app.register(authenticate);
  // The reference page needs a staff token in production; in development and tests it is open.
  const production = config.nodeEnv === 'production';
  await app.register(apiReference, { requireToken: production, tryItOut: !production });
  await app.register(opsRoutes);
  await app.register(opsBoard, { prefix: '/ops/board' });
  await app.register(webhooks);
  await app.register(casesRoutes, { prefix: '/api' });
  await app.register(attachmentsRoutes, { prefix: '/api' });
  await app.register(correctionsRoutes, { prefix: '/api' });
  await app.register(deadLettersRoutes, { prefix: '/api' });
  await app.register(auditRoutes, { prefix: '/api' });
  await app.register(reportsRoutes, { prefix: '/api' });
  await app.register(committeeRoutes, { prefix: '/api' });
  await app.register(mayorSessionsRoutes, { prefix: '/api' });
  await app.register(noticesRoutes, { prefix: '/api' });
  await app.register(reportPage, { prefix: '/reports' });
  await app.register(consoleRoutes, { prefix: '/console' });
  return app;
}
