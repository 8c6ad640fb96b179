import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

/**
 * Security headers on every response (HTML pages such as /ops/board above all): a content
 * security policy that allows only this origin's scripts, no framing, no sniffing, no
 * referrer. CORS is deliberately not enabled: no Access-Control-Allow-Origin is ever sent
 * and preflight requests find no route, so browsers on other origins cannot call the API.
 */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      // Helmet's defaults, and no framing by anyone (not even this origin). No
      // upgrade-insecure-requests: the dashboard is also opened over plain http on a workstation.
      contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
    });
  },
  { name: 'security-headers' },
);
