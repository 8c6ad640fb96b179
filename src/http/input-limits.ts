import fp from 'fastify-plugin';

/** The staff API takes small JSON bodies: an answer of 4,000 characters is under 16 KB in UTF-8. */
export const STAFF_API_BODY_LIMIT = 32 * 1024;

/**
 * Limits every /api route's body to STAFF_API_BODY_LIMIT unless the route sets its own
 * (the app-wide limit, for webhooks, is larger). A larger body answers 413 without being read.
 */
export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/api/') && route.bodyLimit === undefined) route.bodyLimit = STAFF_API_BODY_LIMIT;
    });
  },
  { name: 'input-limits' },
);
