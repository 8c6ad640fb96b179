import fastifyCookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';

/**
 * What every page for people (/reports, /console, /docs) registers in its own scope: the
 * session cookie, its sign-in form's body, and the browser headers with the page's own CSP.
 * Webhooks and the JSON API never get these.
 */
export async function registerPagePlumbing(
  app: FastifyInstance,
  opts: { csp: string; formBodyLimit: number; noStore?: (url: string) => boolean },
): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(formbody, { bodyLimit: opts.formBodyLimit });
  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', opts.csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (opts.noStore?.(request.url)) reply.header('cache-control', 'no-store');
  });
}
