import { randomBytes } from 'node:crypto';
import { registerPagePlumbing } from '../http/page-plumbing.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Staff } from '../staff/staff.table.js';
import { findStaffByToken } from '../staff/staff-repository.js';
import { can, caseScope, canReachCase, type Permission } from '../staff/policy.js';
import { clearSessionCookie, csrfToken, csrfTokenMatches, sessionStaff, setSessionCookie, type SessionCookie } from '../staff/session.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { AppError, domainErrorStatus } from '../http/errors.js';
import { DomainError } from '../domain/errors.js';
import { handOff } from '../queues/enqueue.js';
import { CASE_CHANNELS, type CaseChannel } from '../domain/channel.js';
import { findCaseWithResident, listCases } from '../cases/case-queries.js';
import { parseCaseSearch, searchKinds } from '../cases/case-search.js';
import { assignCase, closeCase, contactChannel, replyToCase } from '../cases/case-actions.js';
import { addCaseNote, listCaseNotes } from '../cases/case-notes.js';
import { findCaseSatisfaction } from '../satisfaction/satisfaction.js';
import { listCaseMessages } from '../cases/message-repository.js';
import { listCaseEvents } from '../cases/case-repository.js';
import { revealResidentPhone } from '../cases/resident-phone.js';
import { countsByDepartment, inboxCounts, listInbox, listTriage, type InboxStatus } from '../cases/case-inbox.js';
import { extendDeadline } from '../deadlines/deadline-actions.js';
import { listCorrections } from '../routing/routing-examples.js';
import { withdrawStaffCorrection } from '../routing/corrections.js';
import { TRIAGE_DEPARTMENT } from '../routing/route-message.js';
import { reportCodes } from '../reports/report-queries.js';
import { errorLabel } from './labels.js';
import { answerRules } from './answer-rules.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { htmlPage, LoginPage, MessagePage, type ViewSession } from './views/layout.js';
import { InboxPage, type Codes, type InboxQuery } from './views/inbox.js';
import { CasePage, type FormState } from './views/case.js';
import { listCaseAttachments } from '../attachments/attachment-repository.js';
import { readCaseAttachment } from '../attachments/read-attachment.js';
import { sendAttachment } from '../attachments/attachments.routes.js';
import { ManagerPage, SearchPage, TriagePage } from './views/other-pages.js';
import { CommitteeListPage, CommitteeReferralPage, type FindingFormState } from './views/committee.js';
import { listCaseReferrals, listCommitteeReferrals, readCommitteeReferral, recordFinding, referCase, withdrawReferral } from '../committee/referrals.js';
import { ondateFooter } from '../mayor-sessions/texts.js';
import { decideOndate, listOndateMonth, seoulMonth } from '../mayor-sessions/ondate.js';
import { createVisitSession, listVisits, recordVisitOutcome, scheduleVisit } from '../mayor-sessions/visits.js';
import { seoulDaysBefore } from '../domain/seoul-time.js';
import { OndatePage, VisitsPage } from './views/mayor-sessions.js';

/** What the console says when the mayor's sessions refuse (the codes of src/mayor-sessions). */
const MAYOR_ERRORS: Record<string, string> = {
  invalid_date: '일시는 앞으로의 날짜와 시간으로 넣어 주세요.',
  nobody_chosen: '선정할 신청자를 한 명 이상 체크하세요.',
  no_volunteers: '선정을 기다리는 신청자가 없습니다.',
  unknown_volunteer: '선정 대기 중인 신청자가 아닙니다.',
  invalid_place: '장소는 1~40자로 넣어 주세요.',
  unknown_session: '없는 회차입니다.',
  session_past: '이미 시작한 회차입니다.',
  visit_done: '이미 면담 결과를 기록했습니다.',
  visit_not_scheduled: '일정을 안내한 뒤에 결과를 기록할 수 있습니다.',
  note_required: '새 민원을 열려면 면담 내용을 적어 주세요.',
  one_follow_up: '새 민원과 기존 민원 중 하나만 고르세요.',
  no_meeting: '불참한 경우에는 민원을 열거나 연결하지 않습니다.',
  unknown_case: '연결할 수 있는 민원이 아닙니다.',
  unknown_department: '없는 부서입니다.',
  not_found: '없는 신청입니다.',
};
import { NoticesPage } from './views/notices.js';
import { approveNotice, cancelNotice, draftNotice, listNotices, noticeProgress, previewNotice } from '../notices/notices.js';

export const CONSOLE_PATH = '/console';
export const CONSOLE_COOKIE = 'sotong_console';
/** The sign-in form's own token (see loginForm). */
export const LOGIN_COOKIE = 'sotong_console_login';
const SESSION: SessionCookie = { name: CONSOLE_COOKIE, path: CONSOLE_PATH };

/** This origin's stylesheet and script only; nothing inline, nothing from elsewhere, no framing. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const INBOX_PAGE_SIZE = 50;
const CODES_TTL_MS = 30_000;
const OPEN_STATUSES: readonly InboxStatus[] = ['received', 'assigned', 'answered'];
const CODE = /^[A-Za-z0-9_]{1,40}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const DONE: Record<string, string> = {
  reply: '중간 답변을 보냈습니다.',
  close: '답변을 보내고 민원을 종결했습니다.',
  assign: '부서를 배정했습니다.',
  extend: '처리기한을 연장하고 민원인에게 안내했습니다.',
  note: '메모를 남겼습니다.',
  refer: '구민고충처리위원회에 회부했습니다.',
  withdraw_referral: '위원회 회부를 철회했습니다.',
  finding: '심의 결과를 기록했습니다. 민원인에게 위원회 검토가 끝났다고 안내했습니다.',
};

/**
 * A refusal the domain (DomainError) or the edge (AppError) gave with a stable code, as a status and code for
 * the page; null for anything else (a fault: the app's error handler answers it).
 */
export function refusal(error: unknown): { status: number; code: string } | null {
  if (error instanceof AppError) return { status: error.statusCode, code: error.code };
  const status = error instanceof DomainError ? domainErrorStatus(error) : null;
  return status === null ? null : { status, code: (error as DomainError).code };
}

interface Signed {
  staff: Staff;
  view: ViewSession;
  codes: Codes;
}

type Form = Record<string, string | undefined>;

function text(form: Form, key: string): string {
  const v = form[key];
  return typeof v === 'string' ? v : '';
}

/**
 * The staff console (register with prefix /console): Korean pages drawn on the server for the
 * same work the staff API does. Every read and action calls the same domain functions, policy
 * and audit as the API (src/cases, src/staff/policy.ts, src/audit); this file only turns forms
 * into their arguments and their results (or coded errors) into pages.
 */
const consoleRoutes: FastifyPluginAsync = async (app) => {
  // Forms: an answer of 3,200 characters, percent-encoded, with room for characters of four UTF-8 bytes.
  await registerPagePlumbing(app, {
    csp: CONSOLE_CSP,
    formBodyLimit: 64 * 1024,
    noStore: (url) => !url.startsWith(`${CONSOLE_PATH}/assets/`),
  });

  const html = (reply: FastifyReply, status: number, node: preact.VNode) => reply.status(status).type('text/html; charset=utf-8').send(htmlPage(node));
  const actor = (request: FastifyRequest, staff: Staff): Actor => ({ staffId: staff.id, ip: request.ip });

  /**
   * Names of departments, categories and dispositions, read again at most every CODES_TTL_MS:
   * they change only when the departments file is loaded again (a deactivated department
   * offered a moment longer is refused by assignCase with a clear error).
   */
  let cachedCodes: { at: number; codes: Promise<Codes> } | null = null;
  function codes(): Promise<Codes> {
    if (cachedCodes && Date.now() - cachedCodes.at < CODES_TTL_MS) return cachedCodes.codes;
    const loading = Promise.all([
      reportCodes(app.db),
      app.db.selectFrom('departments').select(['code', 'name']).where('active', '=', true).orderBy('code').execute(),
    ]).then(([{ categories, dispositions }, departments]) => ({ categories, dispositions, departments }));
    cachedCodes = { at: Date.now(), codes: loading };
    loading.catch(() => {
      cachedCodes = null;
    });
    return loading;
  }

  function canTriage(staff: Staff): boolean {
    const scope = caseScope(staff, 'cases:act');
    return scope.kind === 'all' || (scope.kind === 'department' && scope.department === TRIAGE_DEPARTMENT);
  }

  /** The signed-in staff member, or null after answering (to sign in, or a refusal). Posts must carry the session's form token. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply, permission: Permission = 'cases:read'): Promise<Signed | null> {
    const session = await sessionStaff(app.db, request, SESSION);
    if (session === null || session === 'ended') {
      if (session === 'ended') clearSessionCookie(reply, SESSION);
      await reply.redirect(`${CONSOLE_PATH}/login`, 303);
      return null;
    }
    const { staff, token } = session;
    const all = await codes();
    const view: ViewSession = {
      name: staff.name,
      role: staff.role,
      departmentName: all.departments.find((d) => d.code === staff.department_code)?.name ?? staff.department_code,
      csrf: csrfToken(token),
      isManager: staff.role === 'manager',
      canTriage: canTriage(staff),
      isCommittee: can(staff.role, 'committee:review'),
      canNotices: can(staff.role, 'notices:read'),
      readsCases: can(staff.role, 'cases:read'),
    };
    if (request.method === 'POST' && !csrfTokenMatches(token, (request.body as Form | undefined)?._csrf)) {
      await html(reply, 403, <MessagePage title="요청 거부" message="양식이 만료되었거나 다른 사이트에서 보낸 요청입니다. 페이지를 새로 열고 다시 시도하세요." session={view} status={403} />);
      return null;
    }
    if (!can(staff.role, permission)) {
      // A committee member's front page is the committee's list; an admin's (no cases) the notices to approve.
      const front = view.isCommittee ? 'committee' : view.canNotices && !view.readsCases ? 'notices' : null;
      if (front && request.method === 'GET' && /^\/console\/?(\?|$)/.test(request.url)) {
        await reply.redirect(`${CONSOLE_PATH}/${front}`, 303);
        return null;
      }
      const mayUseConsole = view.readsCases || view.isCommittee || view.canNotices;
      await html(reply, 403, <MessagePage title="권한 없음" message="이 계정의 역할로는 할 수 없는 일입니다. 민원 콘솔은 담당자와 관리자, 구민고충처리위원, 구청 알림을 승인하는 시스템 관리자 계정용입니다." session={mayUseConsole ? view : null} status={403} />);
      return null;
    }
    return { staff, view, codes: all };
  }

  app.get('/assets/console.css', async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CONSOLE_CSS));
  app.get('/assets/console.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(CONSOLE_JS));

  /**
   * The sign-in form has no session yet: its token is a random value also set in a SameSite=Strict
   * cookie of its own, which another site's page cannot send (no signing a browser in as someone else).
   */
  const loginForm = (request: FastifyRequest, reply: FastifyReply, status: number, message: string | null) => {
    const formToken = randomBytes(16).toString('base64url');
    reply.setCookie(LOGIN_COOKIE, formToken, { path: `${CONSOLE_PATH}/login`, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge: 3600 });
    return html(reply, status, <LoginPage message={message} formToken={formToken} />);
  };

  app.get('/login', async (request, reply) => loginForm(request, reply, 200, null));

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Form;
    const expected = request.cookies[LOGIN_COOKIE];
    if (!expected || text(body, '_csrf') !== expected) {
      return loginForm(request, reply, 403, '로그인 양식이 만료되었거나 다른 사이트에서 보낸 요청입니다. 다시 입력하세요.');
    }
    const token = text(body, 'token').trim();
    const staff = token === '' || token.length > 512 ? undefined : await findStaffByToken(app.db, token);
    if (!staff) return loginForm(request, reply, 401, '토큰이 올바르지 않거나 만료·폐기되었습니다.');
    // Admins sign in for the notices they approve (managers draft, an admin approves: docs/notices.md).
    if (!can(staff.role, 'cases:read') && !can(staff.role, 'committee:review') && !can(staff.role, 'notices:approve')) {
      return loginForm(request, reply, 403, '민원 콘솔은 담당자와 관리자, 구민고충처리위원, 시스템 관리자 계정만 쓸 수 있습니다.');
    }
    reply.clearCookie(LOGIN_COOKIE, { path: `${CONSOLE_PATH}/login` });
    return setSessionCookie(reply, request, SESSION, token, staff).redirect(CONSOLE_PATH, 303);
  });

  app.post('/logout', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    return clearSessionCookie(reply, SESSION).redirect(`${CONSOLE_PATH}/login`, 303);
  });

  /** The inbox's filters from the address; anything else than the known values is a clear error, not a 500. */
  function inboxQuery(raw: Form): { query: InboxQuery; error: string | null } {
    const query: InboxQuery = { page: 1 };
    let error: string | null = null;
    const status = text(raw, 'status');
    if (status && (OPEN_STATUSES as readonly string[]).includes(status)) query.status = status;
    const channel = text(raw, 'channel');
    if (channel && (CASE_CHANNELS as readonly string[]).includes(channel)) query.channel = channel;
    for (const key of ['category', 'department'] as const) if (CODE.test(text(raw, key))) query[key] = text(raw, key);
    for (const key of ['from', 'to'] as const) {
      const v = text(raw, key);
      if (v === '') continue;
      if (DAY.test(v)) query[key] = v;
      else error = errorLabel('invalid_date');
    }
    const page = Number(text(raw, 'page') || '1');
    query.page = Number.isSafeInteger(page) && page >= 1 && page <= 100_000 ? page : 1;
    return { query, error };
  }

  app.get('/', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const { staff, view } = signed;
    const scope = caseScope(staff, 'cases:read');
    if (scope.kind === 'none') {
      return html(reply, 403, <MessagePage title="부서 없음" message="이 계정에는 부서가 없어 볼 수 있는 민원이 없습니다." session={view} status={403} />);
    }
    const scopeCode = scope.kind === 'all' ? 'all' : scope.department;
    let { query, error } = inboxQuery(request.query as Form);
    const department = scope.kind === 'all' ? query.department : undefined;
    const counting = inboxCounts(app.db, department ?? scopeCode);
    // Awaited below; this only keeps a failure while the list fails too from going unhandled.
    counting.catch(() => undefined);
    let page;
    try {
      page = await listInbox(app.db, {
        scope: scopeCode,
        department,
        status: query.status as InboxStatus | undefined,
        channel: query.channel as CaseChannel | undefined,
        category: query.category,
        from: query.from,
        to: query.to,
        page: query.page,
        pageSize: INBOX_PAGE_SIZE,
      });
    } catch (e) {
      const refused = refusal(e);
      if (refused?.status !== 400) throw e;
      error = errorLabel(refused.code);
      query = { page: 1 };
      page = await listInbox(app.db, { scope: scopeCode, page: 1, pageSize: INBOX_PAGE_SIZE });
    }
    const counts = await counting;
    // A list is a read of every case on it, as for GET /api/cases.
    if (page.items.length > 0) {
      await recordAudit(app.db, actor(request, staff), 'cases.listed', page.items.map((c) => c.id), { query: { ...query, view: 'console.inbox' } });
    }
    const scopeName =
      department !== undefined
        ? (signed.codes.departments.find((d) => d.code === department)?.name ?? department)
        : scope.kind === 'all'
          ? '전체 부서'
          : (view.departmentName ?? scope.department);
    return html(reply, 200, <InboxPage session={view} scopeName={scopeName} counts={counts} items={page.items} total={page.total} pageSize={INBOX_PAGE_SIZE} query={query} codes={signed.codes} error={error} />);
  });

  // Polled by the inbox's script: counts and the newest case's id only, no case content.
  app.get('/inbox/latest', async (request, reply) => {
    const session = await sessionStaff(app.db, request, SESSION);
    if (session === null || session === 'ended') return reply.status(401).send({ error: { code: 'unauthorized', message: 'sign in again' } });
    const scope = caseScope(session.staff, 'cases:read');
    if (scope.kind === 'none') return reply.status(403).send({ error: { code: 'forbidden', message: 'no cases in scope' } });
    const { query } = inboxQuery(request.query as Form);
    const scopeCode = scope.kind === 'all' ? (query.department ?? 'all') : scope.department;
    return inboxCounts(app.db, scopeCode);
  });

  app.get('/triage', async (request, reply) => {
    const signed = await signedIn(request, reply, 'cases:act');
    if (!signed) return reply;
    return triagePage(request, reply, signed, 200, null);
  });

  async function triagePage(request: FastifyRequest, reply: FastifyReply, signed: Signed, status: number, error: { caseId: number; message: string } | null) {
    if (!signed.view.canTriage) {
      return html(reply, 403, <MessagePage title="권한 없음" message="분류 대기 목록은 감사담당관 민원순찰팀과 관리자가 봅니다." session={signed.view} status={403} />);
    }
    const scope = caseScope(signed.staff, 'cases:act');
    const items = await listTriage(app.db, scope.kind === 'all' ? 'all' : scope.kind === 'department' ? scope.department : '');
    if (items.length > 0) {
      await recordAudit(app.db, actor(request, signed.staff), 'cases.listed', items.map((c) => c.id), { query: { view: 'console.triage' } });
    }
    const done = DONE[text(request.query as Form, 'done')] ?? null;
    return html(reply, status, <TriagePage session={signed.view} items={items} codes={signed.codes} done={error ? null : done} error={error} />);
  }

  app.get('/search', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const raw = request.query as Form;
    const q = text(raw, 'q').slice(0, 100);
    const cursor = text(raw, 'cursor').slice(0, 200) || undefined;
    if (q.trim() === '') return html(reply, 200, <SearchPage session={signed.view} q="" items={null} next={null} wordsSince={null} codes={signed.codes} error={null} />);
    const scope = caseScope(signed.staff, 'cases:read');
    try {
      const search = parseCaseSearch(q);
      const page =
        scope.kind === 'none'
          ? { items: [], nextCursor: null, wordsSince: null }
          : await listCases(app.db, { search, cursor, scope: scope.kind === 'all' ? 'all' : scope.department, limit: INBOX_PAGE_SIZE });
      // The same audit as GET /api/cases?q=: what kind of search, never the words.
      if (page.items.length > 0) {
        await recordAudit(app.db, actor(request, signed.staff), 'cases.listed', page.items.map((c) => c.id), { query: { view: 'console.search' }, search: searchKinds(search) });
      }
      return html(reply, 200, <SearchPage session={signed.view} q={q} items={page.items} next={page.nextCursor} wordsSince={page.wordsSince} codes={signed.codes} error={null} />);
    } catch (e) {
      const refused = refusal(e);
      if (refused?.status !== 400) throw e;
      return html(reply, 400, <SearchPage session={signed.view} q={q} items={null} next={null} wordsSince={null} codes={signed.codes} error={errorLabel(refused.code, '검색할 수 없는 입력입니다.')} />);
    }
  });

  app.get('/manager', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    if (!signed.view.isManager) {
      return html(reply, 403, <MessagePage title="권한 없음" message="관리자 현황은 관리자(manager) 계정만 봅니다." session={signed.view} status={403} />);
    }
    const [departments, corrections] = await Promise.all([
      countsByDepartment(app.db),
      can(signed.staff.role, 'corrections:manage') ? listCorrections(app.db, 50) : Promise.resolve([]),
    ]);
    const done = text(request.query as Form, 'done') === 'withdraw' ? '정정을 철회했습니다. 자동 분류가 다음 학습 때 이 정정을 빼고 배웁니다.' : null;
    return html(reply, 200, <ManagerPage session={signed.view} departments={departments} corrections={corrections} codes={signed.codes} done={done} />);
  });

  // 구청 알림 (docs/notices.md): the same domain functions as /api/notices.
  const NOTICE_DONE: Record<string, string> = {
    draft: '초안을 저장했습니다. 시스템 관리자가 승인하면 발송됩니다.',
    approve: '승인했습니다. 설정된 속도로 발송합니다.',
    cancel: '취소했습니다. 아직 보내지 않은 주민에게는 가지 않습니다.',
  };
  async function noticesPage(request: FastifyRequest, reply: FastifyReply, signed: Signed, status: number, error: string | null) {
    const notices = await listNotices(app.db, 30);
    const rows = await Promise.all(
      notices.map(async (notice) => ({ notice, preview: await previewNotice(app.db, app.config.notices, notice), progress: await noticeProgress(app.db, notice.id) })),
    );
    const done = NOTICE_DONE[text(request.query as Form, 'done')] ?? null;
    return html(
      reply,
      status,
      <NoticesPage
        session={signed.view}
        rows={rows}
        staffId={signed.staff.id}
        canDraft={can(signed.staff.role, 'notices:draft')}
        canApprove={can(signed.staff.role, 'notices:approve')}
        done={status === 200 ? done : null}
        error={error}
      />,
    );
  }

  app.get('/notices', async (request, reply) => {
    const signed = await signedIn(request, reply, 'notices:read');
    if (!signed) return reply;
    return noticesPage(request, reply, signed, 200, null);
  });

  async function noticeAction(request: FastifyRequest, reply: FastifyReply, permission: Permission, done: string, work: (signed: Signed, id: number) => Promise<unknown>) {
    const signed = await signedIn(request, reply, permission);
    if (!signed) return reply;
    const id = request.url.endsWith('/notices') ? 0 : caseId(request);
    if (id === null) return notFoundPage(reply, signed.view);
    try {
      await work(signed, id);
    } catch (e) {
      const refused = refusal(e);
      if (refused === null) throw e;
      return noticesPage(request, reply, signed, refused.status, errorLabel(refused.code, '처리할 수 없습니다.'));
    }
    return reply.redirect(`${CONSOLE_PATH}/notices?done=${done}`, 303);
  }

  app.post('/notices', async (request, reply) =>
    noticeAction(request, reply, 'notices:draft', 'draft', async (signed) => {
      const form = request.body as Form;
      const dongs = text(form, 'dongs').split(',').map((d) => d.trim()).filter((d) => d !== '');
      const url = text(form, 'buttonUrl').trim();
      await draftNotice(
        app.db,
        signed.staff.id,
        { title: text(form, 'title'), body: text(form, 'body'), buttonLabel: null, buttonUrl: url === '' ? null : url, audience: dongs.length > 0 ? { kind: 'dong', dongs } : { kind: 'all' } },
        actor(request, signed.staff),
      );
    }),
  );
  app.post('/notices/:id/approve', async (request, reply) =>
    noticeAction(request, reply, 'notices:approve', 'approve', (signed, id) =>
      approveNotice(app.db, app.queues, app.config.notices, signed.staff.id, id, { urgent: text(request.body as Form, 'urgent') === '1' }, actor(request, signed.staff)),
    ),
  );
  app.post('/notices/:id/cancel', async (request, reply) =>
    noticeAction(request, reply, 'notices:cancel', 'cancel', (signed, id) => cancelNotice(app.db, signed.staff.id, id, actor(request, signed.staff))),
  );

  // The staff API's withdrawal, from a button on the manager page (same domain function and audit).
  app.post('/corrections/:id/withdraw', async (request, reply) => {
    const signed = await signedIn(request, reply, 'corrections:manage');
    if (!signed) return reply;
    const id = caseId(request);
    if (id === null) return notFoundPage(reply, signed.view);
    try {
      await withdrawStaffCorrection(app.db, actor(request, signed.staff), id);
    } catch (e) {
      if (refusal(e)?.status !== 404) throw e;
      return html(reply, 404, <MessagePage title="정정을 찾을 수 없음" message="이미 철회했거나 없는 정정입니다." session={signed.view} status={404} />);
    }
    return reply.redirect(`${CONSOLE_PATH}/manager?done=withdraw`, 303);
  });

  // The mayor's sessions (docs/mayor-sessions.md): the same domain functions and audit as the staff API.
  const seoulLocal = (value: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? new Date(`${value}:00+09:00`).toISOString() : 'invalid');
  const MAYOR_DONE: Record<string, string> = {
    ondate: '선정을 확정하고 안내를 보냈습니다.',
    session: '회차를 만들었습니다.',
    schedule: '일정을 안내했습니다.',
    outcome: '면담 결과를 기록했습니다.',
  };
  const doneOf = (request: FastifyRequest) => MAYOR_DONE[text(request.query as Form, 'done')] ?? null;

  async function ondatePage(reply: FastifyReply, request: FastifyRequest, signed: Signed, month: string, status: number, error: string | null) {
    const data = await listOndateMonth(app.db, month);
    const caseIds = data.categories.flatMap((c) => c.volunteers.map((v) => v.caseId));
    if (caseIds.length > 0) await recordAudit(app.db, actor(request, signed.staff), 'ondate.listed', caseIds, { month });
    return html(reply, status, <OndatePage session={signed.view} month={month} data={data} done={status === 200 ? doneOf(request) : null} error={error} />);
  }

  app.get('/ondate', async (request, reply) => {
    const signed = await signedIn(request, reply, 'mayor-sessions:manage');
    if (!signed) return reply;
    const asked = text(request.query as Form, 'month');
    const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(asked) ? asked : seoulMonth(new Date());
    return ondatePage(reply, request, signed, month, 200, null);
  });

  app.post('/ondate', async (request, reply) => {
    const signed = await signedIn(request, reply, 'mayor-sessions:manage');
    if (!signed) return reply;
    const body = request.body as Record<string, string | string[] | undefined>;
    const month = typeof body.month === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(body.month) ? body.month : seoulMonth(new Date());
    const chosen = ([] as string[]).concat(body.chosen ?? []).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
    const mode = body.mode === 'phone' ? 'phone' : 'video';
    try {
      const decided = await decideOndate(app.db, signed.staff, { month, chosen, sessionAt: seoulLocal(text(body as Form, 'sessionAt')), mode }, actor(request, signed.staff));
      await handOff(app.queues, request.log, { send: decided.send });
    } catch (e) {
      const refused = refusal(e);
      if (refused === null) throw e;
      return ondatePage(reply, request, signed, month, refused.status, MAYOR_ERRORS[refused.code] ?? errorLabel(refused.code, '선정하지 못했습니다.'));
    }
    return reply.redirect(`${CONSOLE_PATH}/ondate?month=${month}&done=ondate`, 303);
  });

  async function visitsPage(reply: FastifyReply, request: FastifyRequest, signed: Signed, status: number, error: string | null) {
    const visits = await listVisits(app.db, seoulDaysBefore(new Date(), 7));
    const caseIds = [...visits.waiting, ...visits.sessions.flatMap((s) => s.requests)].map((r) => r.caseId);
    if (caseIds.length > 0) await recordAudit(app.db, actor(request, signed.staff), 'visits.listed', caseIds);
    return html(reply, status, <VisitsPage session={signed.view} visits={visits} codes={signed.codes} done={status === 200 ? doneOf(request) : null} error={error} />);
  }

  app.get('/visits', async (request, reply) => {
    const signed = await signedIn(request, reply, 'mayor-sessions:manage');
    if (!signed) return reply;
    return visitsPage(reply, request, signed, 200, null);
  });

  /** A form of the visits page: the domain function, then back to the page (or the page with the refusal). */
  function visitAction(done: string, act: (signed: Signed, body: Form, request: FastifyRequest) => Promise<{ send?: { channel: 'sms' | 'kakao'; messageId: number }[] }>) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const signed = await signedIn(request, reply, 'mayor-sessions:manage');
      if (!signed) return reply;
      try {
        const result = await act(signed, request.body as Form, request);
        if (result.send) await handOff(app.queues, request.log, { send: result.send });
      } catch (e) {
        const refused = refusal(e);
        if (refused === null) throw e;
        return visitsPage(reply, request, signed, refused.status, MAYOR_ERRORS[refused.code] ?? errorLabel(refused.code, '처리하지 못했습니다.'));
      }
      return reply.redirect(`${CONSOLE_PATH}/visits?done=${done}`, 303);
    };
  }
  const visitId = (request: FastifyRequest) => {
    const id = Number((request.params as { id?: string }).id);
    return Number.isSafeInteger(id) && id > 0 ? id : 0;
  };

  app.post(
    '/visits/sessions',
    visitAction('session', async (signed, body, request) => {
      await createVisitSession(app.db, signed.staff, { startsAt: seoulLocal(text(body, 'startsAt')), place: text(body, 'place') }, actor(request, signed.staff));
      return {};
    }),
  );
  app.post(
    '/visits/requests/:id/schedule',
    visitAction('schedule', (signed, body, request) =>
      scheduleVisit(app.db, signed.staff, visitId(request), Number(text(body, 'sessionId')) || 0, actor(request, signed.staff)),
    ),
  );
  /**
   * The case a meeting joins, as staff know it: its 접수번호 (2026-000123) or its id. Empty: none.
   * Anything else, or a number no case has, is refused by recordVisitOutcome as unknown_case.
   */
  async function caseToJoin(typed: string): Promise<number | null> {
    if (typed === '') return null;
    if (/^\d+$/.test(typed)) return Number(typed);
    if (!/^\d{4}-\d{1,12}$/.test(typed)) return 0;
    const found = await app.db.selectFrom('cases').select('id').where('case_number', '=', typed).executeTakeFirst();
    return found?.id ?? 0;
  }
  app.post(
    '/visits/requests/:id/outcome',
    visitAction('outcome', async (signed, body, request) => {
      const department = text(body, 'department');
      const joinCaseId = await caseToJoin(text(body, 'joinCaseId').trim());
      await recordVisitOutcome(
        app.db,
        signed.staff,
        app.config.deadlines,
        visitId(request),
        {
          outcome: text(body, 'outcome') === 'no_show' ? 'no_show' : 'met',
          note: text(body, 'note').slice(0, 2000),
          ...(CODE.test(department) ? { openCase: { department } } : {}),
          ...(joinCaseId !== null ? { joinCaseId } : {}),
        },
        actor(request, signed.staff),
      );
      return {};
    }),
  );

  function caseId(request: FastifyRequest): number | null {
    const id = Number((request.params as { id: string }).id);
    return Number.isSafeInteger(id) && id >= 1 && /^\d+$/.test((request.params as { id: string }).id) ? id : null;
  }

  const notFoundPage = (reply: FastifyReply, view: ViewSession) =>
    html(reply, 404, <MessagePage title="민원을 찾을 수 없음" message="없는 민원이거나 이 계정의 부서가 볼 수 없는 민원입니다." session={view} status={404} />);

  async function casePage(request: FastifyRequest, reply: FastifyReply, signed: Signed, id: number, options: { status?: number; state?: FormState | null; revealedPhone?: string | null } = {}) {
    const { staff } = signed;
    const row = await findCaseWithResident(app.db, id);
    if (!row || !canReachCase(staff, 'cases:read', row)) return notFoundPage(reply, signed.view);
    const [messages, events, notes, channel, referrals, satisfaction, attachments] = await Promise.all([
      listCaseMessages(app.db, row.id),
      listCaseEvents(app.db, row.id),
      listCaseNotes(app.db, row.id),
      contactChannel(app.db, row),
      listCaseReferrals(app.db, row.id),
      findCaseSatisfaction(app.db, row.id),
      listCaseAttachments(app.db, row.id),
    ]);
    const staffIds = [...new Set([...messages.map((m) => m.staff_id), ...events.map((e) => e.staff_id)].filter((x): x is number => x !== null))];
    const names = staffIds.length === 0 ? [] : await app.db.selectFrom('staff').select(['id', 'name']).where('id', 'in', staffIds).execute();
    await recordAudit(app.db, actor(request, staff), 'case.read', [row.id]);
    const done = options.state ? null : (DONE[text(request.query as Form, 'done')] ?? null);
    return html(
      reply,
      options.status ?? 200,
      <CasePage
        session={signed.view}
        row={row}
        messages={messages}
        attachments={attachments}
        events={events}
        notes={notes}
        satisfaction={satisfaction}
        staffNames={new Map(names.map((n) => [n.id, n.name]))}
        codes={signed.codes}
        answer={channel ? answerRules(channel) : null}
        can={{
          act: canReachCase(staff, 'cases:act', row),
          note: canReachCase(staff, 'cases:note', row),
          phone: canReachCase(staff, 'cases:resident-phone', row),
          refer: canReachCase(staff, 'committee:refer', row),
        }}
        referrals={referrals}
        revealedPhone={options.revealedPhone ?? null}
        state={options.state ?? null}
        done={done}
      />,
    );
  }

  app.get('/cases/:id', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const id = caseId(request);
    if (id === null) return notFoundPage(reply, signed.view);
    return casePage(request, reply, signed, id);
  });

  // A resident's photo (docs/photos.md): the staff API's domain function, with the session's
  // staff member: the same case scope and the same audit entry.
  app.get('/cases/:id/attachments/:attachmentId', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const id = caseId(request);
    const raw = (request.params as { attachmentId: string }).attachmentId;
    const attachmentId = /^\d{1,15}$/.test(raw) ? Number(raw) : null;
    if (id === null || attachmentId === null || attachmentId < 1) return notFoundPage(reply, signed.view);
    const size = text(request.query as Form, 'size') === 'thumbnail' ? 'thumbnail' : 'original';
    try {
      const file = await readCaseAttachment(app.db, app.attachmentStore, signed.staff, actor(request, signed.staff), id, attachmentId, size);
      return sendAttachment(reply, file);
    } catch (e) {
      const refused = refusal(e);
      if (refused?.status === 404) return notFoundPage(reply, signed.view);
      throw e;
    }
  });

  /**
   * A case action from a form: the domain function does the work (and its checks); success goes
   * back to the case with a notice, a coded error draws the form again with what was typed.
   */
  function caseAction(form: FormState['form'], permission: Permission, act: (signed: Signed, id: number, body: Form, request: FastifyRequest) => Promise<string | null | { revealedPhone: string }>) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const signed = await signedIn(request, reply, permission);
      if (!signed) return reply;
      const id = caseId(request);
      if (id === null) return notFoundPage(reply, signed.view);
      const body = (request.body ?? {}) as Form;
      try {
        const next = await act(signed, id, body, request);
        if (next !== null && typeof next === 'object') return casePage(request, reply, signed, id, { revealedPhone: next.revealedPhone });
        return reply.redirect(next ?? `${CONSOLE_PATH}/cases/${id}?done=${form}`, 303);
      } catch (e) {
        const refused = refusal(e);
        if (!refused) throw e;
        if (refused.status === 404 && refused.code === 'not_found') return notFoundPage(reply, signed.view);
        const values: Record<string, string> = {};
        for (const [k, v] of Object.entries(body)) if (k !== '_csrf' && typeof v === 'string') values[k] = v;
        if (body.from === 'triage') {
          return triagePage(request, reply, signed, refused.status, { caseId: id, message: errorLabel(refused.code) });
        }
        return casePage(request, reply, signed, id, { status: refused.status, state: { form, values, error: errorLabel(refused.code) } });
      }
    };
  }

  const send = async (request: FastifyRequest, result: { messageId: number | null; channel: 'sms' | 'kakao' | null; question?: { channel: 'sms' | 'kakao'; messageId: number } }) => {
    if (result.messageId !== null && result.channel !== null) {
      await handOff(app.queues, request.log, { send: [{ channel: result.channel, messageId: result.messageId }, ...(result.question ? [result.question] : [])] });
    }
  };

  app.post(
    '/cases/:id/reply',
    caseAction('reply', 'cases:act', async ({ staff }, id, body, request) => {
      await send(request, await replyToCase(app.db, staff, id, text(body, 'text').slice(0, 4000), request.ip));
      return null;
    }),
  );

  app.post(
    '/cases/:id/close',
    caseAction('close', 'cases:act', async ({ staff }, id, body, request) => {
      const disposition = text(body, 'disposition');
      if (!CODE.test(disposition)) throw new AppError(400, 'unknown_disposition', 'choose a disposition');
      await send(request, await closeCase(app.db, staff, id, { disposition, text: text(body, 'text').slice(0, 4000) }, request.ip, app.config.satisfaction, ondateFooter(app.config)));
      return body.from === 'triage' ? `${CONSOLE_PATH}/triage?done=close` : null;
    }),
  );

  app.post(
    '/cases/:id/assign',
    caseAction('assign', 'cases:act', async ({ staff }, id, body, request) => {
      const department = text(body, 'department') || text(body, 'other');
      if (!CODE.test(department)) throw new AppError(400, 'unknown_department', 'choose a department');
      // The console asks every reassignment for a reason (the API takes one when given).
      const reason = text(body, 'reason').trim().slice(0, 500);
      if (reason === '') throw new AppError(400, 'reason_required', 'a reason is required');
      await assignCase(app.db, staff, id, department, request.ip, app.config.deadlines, reason);
      // The case may now be out of the staff member's reach: back to the list they came from.
      const stillReachable = canReachCase(staff, 'cases:read', { department_code: department });
      if (body.from === 'triage') return `${CONSOLE_PATH}/triage?done=assign`;
      return stillReachable ? null : `${CONSOLE_PATH}?done=assign`;
    }),
  );

  app.post(
    '/cases/:id/extend',
    caseAction('extend', 'cases:act', async ({ staff }, id, body, request) => {
      const days = Number(text(body, 'days'));
      if (!Number.isInteger(days) || days < 1 || days > 90) throw new AppError(400, 'extension_too_long', 'days must be 1 to 90');
      const { send: notice } = await extendDeadline(app.db, staff, app.config.deadlines, id, { days, reason: text(body, 'reason').slice(0, 300) });
      if (notice) await handOff(app.queues, request.log, { send: [notice] });
      return null;
    }),
  );

  app.post(
    '/cases/:id/notes',
    caseAction('note', 'cases:note', async ({ staff }, id, body, request) => {
      await addCaseNote(app.db, staff, id, text(body, 'text').slice(0, 2000), request.ip);
      return null;
    }),
  );

  app.post(
    '/cases/:id/resident-phone',
    caseAction('phone', 'cases:resident-phone', async ({ staff }, id, body, request) => {
      const reason = text(body, 'reason').trim();
      if (reason.length < 5 || reason.length > 500) throw new AppError(400, 'reason_required', 'a reason of 5 characters or more');
      const { phone } = await revealResidentPhone(app.db, staff, id, reason, actor(request, staff));
      return { revealedPhone: phone };
    }),
  );

  // The grievance committee (src/committee): managers refer from the case page and withdraw there.
  app.post(
    '/cases/:id/committee-referrals',
    caseAction('refer', 'committee:refer', async ({ staff }, id, body, request) => {
      const reason = text(body, 'reason').trim().slice(0, 1000);
      if (reason.length < 5) throw new AppError(400, 'reason_required', 'a reason of 5 characters or more');
      await referCase(app.db, staff, id, reason, actor(request, staff));
      return null;
    }),
  );

  app.post('/committee/referrals/:id/withdraw', async (request, reply) => {
    const signed = await signedIn(request, reply, 'committee:refer');
    if (!signed) return reply;
    const id = caseId(request);
    if (id === null) return notFoundPage(reply, signed.view);
    try {
      const referral = await withdrawReferral(app.db, signed.staff, id, actor(request, signed.staff));
      return reply.redirect(`${CONSOLE_PATH}/cases/${referral.case_id}?done=withdraw_referral`, 303);
    } catch (e) {
      const refused = refusal(e);
      if (!refused || refused.status >= 500) throw e;
      return html(reply, refused.status, <MessagePage title="회부를 철회할 수 없음" message={errorLabel(refused.code, '없는 회부이거나 철회할 수 없는 회부입니다.')} session={signed.view} status={refused.status} />);
    }
  });

  // The committee's own pages: the referred cases only, through their referrals.
  const referralNotFound = (reply: FastifyReply, view: ViewSession) =>
    html(reply, 404, <MessagePage title="회부 민원을 찾을 수 없음" message="없는 회부이거나 철회된 회부입니다." session={view} status={404} />);

  app.get('/committee', async (request, reply) => {
    const signed = await signedIn(request, reply, 'committee:review');
    if (!signed) return reply;
    const items = await listCommitteeReferrals(app.db, signed.staff, {}, actor(request, signed.staff));
    return html(reply, 200, <CommitteeListPage session={signed.view} items={items} codes={signed.codes} done={null} />);
  });

  async function referralPage(request: FastifyRequest, reply: FastifyReply, signed: Signed, id: number, status = 200, state: FindingFormState | null = null) {
    let referral;
    try {
      referral = await readCommitteeReferral(app.db, signed.staff, id, actor(request, signed.staff));
    } catch (e) {
      if (refusal(e)?.status === 404) return referralNotFound(reply, signed.view);
      throw e;
    }
    const done = state ? null : (DONE[text(request.query as Form, 'done')] ?? null);
    return html(reply, status, <CommitteeReferralPage session={signed.view} referral={referral} codes={signed.codes} state={state} done={done} />);
  }

  app.get('/committee/referrals/:id', async (request, reply) => {
    const signed = await signedIn(request, reply, 'committee:review');
    if (!signed) return reply;
    const id = caseId(request);
    if (id === null) return referralNotFound(reply, signed.view);
    return referralPage(request, reply, signed, id);
  });

  app.post('/committee/referrals/:id/finding', async (request, reply) => {
    const signed = await signedIn(request, reply, 'committee:review');
    if (!signed) return reply;
    const id = caseId(request);
    if (id === null) return referralNotFound(reply, signed.view);
    const body = (request.body ?? {}) as Form;
    const values = { finding: text(body, 'finding'), opinion: text(body, 'opinion').slice(0, 4000) };
    try {
      const { send: notice } = await recordFinding(app.db, signed.staff, id, values, actor(request, signed.staff));
      if (notice) await handOff(app.queues, request.log, { send: [notice] });
      return reply.redirect(`${CONSOLE_PATH}/committee/referrals/${id}?done=finding`, 303);
    } catch (e) {
      const refused = refusal(e);
      if (!refused) throw e;
      if (refused.status === 404) return referralNotFound(reply, signed.view);
      return referralPage(request, reply, signed, id, refused.status, { values, error: errorLabel(refused.code) });
    }
  });
};

export default consoleRoutes;
