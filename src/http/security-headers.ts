import fp from 'fastify-plugin';
import helmet from 'helmet';
import { isWebhookPath } from './route-kinds.js';

/**
 * Security headers on every answer a browser or a staff tool may read (HTML pages such as
 * /ops/board above all; not the providers' webhooks): a content security policy that
 * allows only this origin's scripts, no framing, no sniffing, no referrer. CORS is
 * deliberately not enabled: no Access-Control-Allow-Origin is ever sent and preflight
 * requests find no route, so browsers on other origins cannot call the API.
 *
 * Helmet itself, built once: @fastify/helmet builds helmet's middleware again for every
 * request (parsing the policy each time), a tenth of the webhooks' CPU in a burst.
 */
export default fp(
  async (app) => {
    const applyHeaders = helmet({
      // Helmet's defaults, and no framing by anyone (not even this origin). No
      // upgrade-insecure-requests: the dashboard is also opened over plain http on a workstation.
      contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
    });
    app.addHook('onRequest', (request, reply, done) => {
      // The providers' servers read the webhooks' answers, not a browser: the headers would
      // tell them nothing, and cost the busiest routes a tenth of their CPU in a burst.
      if (isWebhookPath(request.url)) return done();
      applyHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
    });
  },
  { name: 'security-headers' },
);
