import fp from 'fastify-plugin';
import { registerPagePlumbing } from './page-plumbing.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { findStaffByToken } from '../staff/staff-repository.js';
import { sessionStaff, setSessionCookie } from '../staff/session.js';
import { isStaffPath } from './route-kinds.js';
import { escapeHtml } from '../reports/report-page.js';

export const DOCS_PATH = '/docs';
export const DOCS_COOKIE = 'sotong_docs';
const DOCS_SESSION = { name: DOCS_COOKIE, path: DOCS_PATH };

/**
 * The reference page's own policy, stricter than the app's (which allows styles from any
 * https origin): Swagger UI's bundled script and styles from this origin, its icons as data:
 * images, and calls to this origin only ("try it out", the document). No inline script.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface ApiDocsOptions {
  /** Whether the page and the document need a staff token (any role); production sets it. */
  requireToken: boolean;
  /** Whether the page may send requests ("try it out"); not against production's real cases. */
  tryItOut: boolean;
}

/**
 * A route is in the document when it is part of the staff API (/api/…) or says which part of
 * it it belongs to (tags, as the health and operations routes do). Webhooks, the queue
 * dashboard and the HTML pages are left out: their callers are providers and browsers, their
 * paths are fixed elsewhere (CONTRACT.md, docs/channels.md), and a staff developer never calls them.
 */
function isDocumented(url: string, schema: FastifySchema | undefined): boolean {
  if (url.startsWith('/api/')) return true;
  return Array.isArray((schema as { tags?: unknown } | undefined)?.tags);
}

/**
 * The OpenAPI 3.1 document of the staff API, generated from the routes' TypeBox schemas.
 * Register it before any route: the document holds the routes registered after it.
 */
export const openApiDocument = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'sotong staff API',
          // The API's version, not the program's: raised when a staff route changes incompatibly.
          version: '1.0',
          description:
            'The staff API of the mayor\'s communication line (소통): cases, answers, notes, reports, the audit log and operations. ' +
            'Every `/api` and `/ops` route needs `Authorization: Bearer TOKEN` (a token from `npm run cli -- staff add`); ' +
            'what each role may do is in docs/staff-api.md. Every error is `{ "error": { "code", "message" } }`.',
        },
        tags: [
          { name: 'cases', description: '민원: read, search, answer, reassign, extend, annotate and close cases' },
          { name: 'reports', description: '통계: the report tables, CSV and daily digests' },
          { name: 'routing', description: 'routing corrections the router learns from' },
          { name: 'committee', description: '구민고충처리위원회: referrals to the grievance committee and its findings' },
          { name: 'audit', description: 'the audit log (admins)' },
          { name: 'operations', description: 'health, readiness, metrics, queues and dead letters' },
        ],
        components: {
          securitySchemes: {
            staffToken: {
              type: 'http',
              scheme: 'bearer',
              description: 'A staff token (`npm run cli -- staff add`), as `Authorization: Bearer TOKEN`',
            },
          },
        },
      },
      // The auto-added HEAD routes are the GET routes again.
      exposeHeadRoutes: false,
      transform: ({ schema, url }) => {
        if (!isDocumented(url, schema)) return { schema: { ...schema, hide: true }, url };
        const security = isStaffPath(url) ? [{ staffToken: [] }] : [];
        return { schema: { ...schema, security } as FastifySchema, url };
      },
    });
  },
  { name: 'openapi-document' },
);

/**
 * /docs: a reference page (Swagger UI, served from this process, nothing from outside), the
 * document at /docs/json (and /docs/yaml), and a sign-in form when a token is required.
 */
export const apiReference = fp<ApiDocsOptions>(
  async (app, opts) => {
    await app.register(referencePage, opts);
  },
  { name: 'api-reference', dependencies: ['db', 'openapi-document'] },
);

async function referencePage(app: FastifyInstance, opts: ApiDocsOptions) {
  await registerPagePlumbing(app, { csp: CONTENT_SECURITY_POLICY, formBodyLimit: 4 * 1024 });

  if (opts.requireToken) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      if (path === `${DOCS_PATH}/login`) return;
      if (await signedIn(request)) return;
      reply.header('cache-control', 'no-store');
      // The page sends a person to sign in; the document and the assets answer like the API.
      if (path === DOCS_PATH || path === `${DOCS_PATH}/`) return reply.redirect(`${DOCS_PATH}/login`, 303);
      return reply.status(401).send({ error: { code: 'unauthorized', message: 'a valid staff token is required' } });
    });

    app.get(`${DOCS_PATH}/login`, { schema: { hide: true } }, async (_request, reply) => loginPage(reply, 200, null));
    app.post(
      `${DOCS_PATH}/login`,
      { schema: { hide: true, body: Type.Object({ token: Type.String({ maxLength: 512 }) }) } },
      async (request, reply) => {
        const token = (request.body as { token: string }).token.trim();
        const staff = await findStaffByToken(app.db, token);
        if (!staff) return loginPage(reply, 401, '토큰이 올바르지 않거나 만료되었습니다. (The token is unknown, revoked or expired.)');
        // The same session cookie as /reports and /console: expiring with the working day or the token.
        return setSessionCookie(reply, request, DOCS_SESSION, token, staff).redirect(`${DOCS_PATH}/`, 303);
      },
    );
  }

  /** Any staff member may read the reference (the API itself still checks every call); a proxy may send the header. */
  async function signedIn(request: FastifyRequest): Promise<boolean> {
    const session = await sessionStaff(app.db, request, DOCS_SESSION);
    return session !== null && session !== 'ended';
  }

  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    // No validator badge: it would send the document to an outside service (left unset, it is off).
    theme: { title: 'sotong staff API' },
    uiConfig: {
      // The page without Swagger's top bar (its logo, a box to load any other document's URL).
      layout: 'BaseLayout',
      deepLinking: true,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      // The token typed into "Authorize" lives only as long as the tab: never in localStorage.
      persistAuthorization: false,
      supportedSubmitMethods: opts.tryItOut ? ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] : [],
    },
  });
}

function loginPage(reply: FastifyReply, status: number, message: string | null) {
  const page = `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sotong staff API</title></head>
<body><main><h1>sotong staff API</h1>
<form method="post" action="${DOCS_PATH}/login">
  <label>직원 토큰 (staff token) <input type="password" name="token" autocomplete="off" required></label>
  <button type="submit">로그인</button>
</form>${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}</main></body></html>`;
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
}
