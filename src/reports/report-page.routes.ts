import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registerPagePlumbing } from '../http/page-plumbing.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Staff } from '../staff/staff.table.js';
import { findStaffByToken } from '../staff/staff-repository.js';
import { clearSessionCookie, sessionStaff, setSessionCookie, type SessionCookie } from '../staff/session.js';
import { can } from '../staff/policy.js';
import { seoulDateTime } from '../domain/seoul-time.js';
import { reportCaseRows, reportCodes, reportSummary, reportTrend } from './report-queries.js';
import { Day, monthsBack, reportPeriod } from './reports.routes.js';
import { sendCasesCsv } from './csv.js';
import { REPORT_CSS, errorPage, loginPage, reportPage } from './report-page.js';

export const REPORTS_PATH = '/reports';
export const REPORTS_COOKIE = 'sotong_reports';
const SESSION: SessionCookie = { name: REPORTS_COOKIE, path: REPORTS_PATH };

const Period = Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day) }, { additionalProperties: false });

/** Scripts, frames and outside resources are all refused: the page is HTML, one stylesheet and inline SVG. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The managers' report page (register with prefix /reports). A manager signs in once with
 * their token: it is checked and kept in an HttpOnly, SameSite=Strict cookie scoped to
 * /reports; a proxy sending `Authorization: Bearer` works as well.
 */
const reportPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await registerPagePlumbing(app, { csp: CONTENT_SECURITY_POLICY, formBodyLimit: 4 * 1024, noStore: () => true });

  const html = (reply: FastifyReply, status: number, page: string) => reply.status(status).type('text/html; charset=utf-8').send(page);

  /** The signed-in manager, or null after answering (a redirect to sign in, or a refusal). */
  async function manager(request: FastifyRequest, reply: FastifyReply): Promise<Staff | null> {
    const session = await sessionStaff(app.db, request, SESSION);
    if (session === null) {
      await reply.redirect(`${REPORTS_PATH}/login`, 303);
      return null;
    }
    if (session === 'ended') {
      await clearSessionCookie(reply, SESSION).redirect(`${REPORTS_PATH}/login`, 303);
      return null;
    }
    const { staff } = session;
    if (!can(staff.role, 'reports:page')) {
      await html(reply, 403, errorPage('권한 없음', '보고서는 관리자(manager) 계정만 볼 수 있습니다.'));
      return null;
    }
    return staff;
  }

  app.get('/report.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(REPORT_CSS));

  app.get('/login', async (_request, reply) => html(reply, 200, loginPage(null)));

  app.post(
    '/login',
    { schema: { body: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (request, reply) => {
      const staff = await findStaffByToken(app.db, request.body.token.trim());
      if (!staff) return html(reply, 401, loginPage('토큰이 올바르지 않거나 만료되었습니다.'));
      if (!can(staff.role, 'reports:page')) return html(reply, 403, loginPage('보고서는 관리자(manager) 계정만 볼 수 있습니다.'));
      return setSessionCookie(reply, request, SESSION, request.body.token.trim(), staff).redirect(REPORTS_PATH, 303);
    },
  );

  app.post('/logout', async (_request, reply) =>
    clearSessionCookie(reply, SESSION).redirect(`${REPORTS_PATH}/login`, 303),
  );

  app.get('/', { schema: { querystring: Period } }, async (request, reply) => {
    if (!(await manager(request, reply))) return reply;
    const p = reportPeriod(request.query);
    const now = new Date();
    const [summary, trend, codes, departments] = await Promise.all([
      reportSummary(app.db, p, 'all', now),
      reportTrend(app.db, { from: monthsBack(p.to, 11), to: p.to }, 'month', 'all', now),
      reportCodes(app.db),
      app.db.selectFrom('departments').select(['code', 'name']).execute(),
    ]);
    const names = Object.fromEntries(departments.map((d) => [d.code, d.name]));
    return html(reply, 200, reportPage({ summary, trend, ...codes, departments: names, generatedAt: seoulDateTime(now) }));
  });

  app.get('/cases.csv', { schema: { querystring: Period } }, async (request, reply) => {
    if (!(await manager(request, reply))) return reply;
    const p = reportPeriod(request.query);
    return sendCasesCsv(reply, await reportCaseRows(app.db, p, 'all'), p, 'all');
  });
};

export default reportPageRoutes;
