import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { AppError } from './errors.js';
import { isStaffPath, isWebhookPath } from './route-kinds.js';


/** A token's bucket is named by a hash of it: Redis holds no tokens. */
function tokenBucket(request: FastifyRequest): string | null {
  const match = /^Bearer\s+(\S{1,512})$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return null;
  return `token:${createHash('sha256').update(`rate-limit:${match[1]}`).digest('hex').slice(0, 32)}`;
}

export interface RateLimitOptions {
  /** Keys live under `${prefix}:rate-limit:`, beside the queues, so each deployment (and test) has its own. */
  prefix: string;
  limits: Config['limits'];
}

/**
 * Per-address and per-token limits, counted in Redis across every API process.
 *
 * - Staff API and /ops: `staffApiPerMinute` requests per token (per address without one).
 * - Verification failures — a webhook with a bad or missing signature or secret (403), any
 *   request with a bad staff token (401) — are counted per address; past
 *   `failuresPerAddress` in the window the failure is answered 429 instead.
 *   A validly signed webhook is never counted or refused: providers send bursts of
 *   thousands from a few addresses after a district notice.
 *
 * If Redis does not answer, nothing is limited (skipOnError): a resident's message must
 * never be lost because the limiter's store is away.
 */
export default fp<RateLimitOptions>(
  async (app, opts) => {
    // Only staff routes get the limiter's hook at all: the webhooks, the busiest routes, and
    // the health and metrics routes carry none. (Added before the limiter, so it runs first.)
    app.addHook('onRoute', (route) => {
      if (!isStaffPath(route.url)) route.config = { ...route.config, rateLimit: false };
    });
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      redis: app.redis,
      nameSpace: `${opts.prefix}:rate-limit:`,
      skipOnError: true,
      max: opts.limits.staffApiPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => tokenBucket(request) ?? `address:${request.ip}`,
      errorResponseBuilder: (_request, context) => new AppError(429, 'rate_limited', `too many requests; try again in ${context.after}`),
    });

    const countFailure = app.createRateLimit({
      max: opts.limits.failuresPerAddress,
      timeWindow: opts.limits.failureWindowMs,
      keyGenerator: (request) => `failures:${request.ip}`,
      allowList: [],
      skipOnError: true,
    });

    const refuseRepeatedFailure = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const limit = await countFailure(request);
      if (limit.isAllowed || !limit.isExceeded) return payload;
      request.log.warn({ path: request.url.split('?')[0], address: request.ip }, 'refusing an address that keeps failing verification');
      reply.code(429).header('retry-after', String(limit.ttlInSeconds)).type('application/json; charset=utf-8');
      return JSON.stringify({ error: { code: 'too_many_failures', message: `too many failed verifications; try again in ${limit.ttlInSeconds} s` } });
    };
    // A callback hook: every answer passes here, and only a failed verification needs the count.
    app.addHook('onSend', (request, reply, payload, done) => {
      const status = reply.statusCode;
      const unverified = status === 401 || (status === 403 && isWebhookPath(request.url));
      if (!unverified) return done(null, payload);
      refuseRepeatedFailure(request, reply, payload).then(
        (answer) => done(null, answer),
        (error: Error) => done(error),
      );
    });
  },
  { name: 'rate-limits', dependencies: ['queues'] },
);
