// The staff console (/console) over HTTP: sign-in and its cookie, the form token, scope, and
// that its actions are the staff API's own (same events, same audit). The browser test
// (test/console-browser.test.ts) drives the pages in Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase, staffIdOf } from './support/cases.js';
import { revokeStaff } from '../src/staff/staff-repository.js';
import { csrfToken } from '../src/staff/session.js';
import { listRoutes } from './support/routes.js';

let ctx: TestContext;
const tokens = { road: '', tax: '', audit: '', manager: '', operator: '' };

beforeAll(async () => {
  ctx = await createTestContext();
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.tax = await ctx.staffToken('staff', 'TAX');
  tokens.audit = await ctx.staffToken('staff', 'AUDIT');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.operator = await ctx.staffToken('operator', 'AUDIT');
});
afterAll(async () => {
  await ctx?.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Posts the sign-in form as a browser does: the form's token from the page, and its cookie. */
async function login(token: string, headers: Record<string, string> = {}) {
  const form = await ctx.app.inject({ method: 'GET', url: '/console/login' });
  const formToken = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const cookie = form.cookies.find((c) => c.name === 'sotong_console_login')!;
  return ctx.app.inject({
    method: 'POST', url: '/console/login', headers: { ...FORM, ...headers }, cookies: { sotong_console_login: cookie.value },
    payload: `_csrf=${encodeURIComponent(formToken)}&token=${encodeURIComponent(token)}`, remoteAddress: '127.0.0.1',
  });
}

async function signIn(token: string): Promise<string> {
  const res = await login(token);
  expect(res.statusCode).toBe(303);
  return token;
}

function get(token: string, url: string) {
  return ctx.app.inject({ method: 'GET', url, cookies: { sotong_console: token } });
}

function post(token: string, url: string, fields: Record<string, string>, csrf: string | null = csrfToken(token)) {
  const body = new URLSearchParams({ ...fields, ...(csrf === null ? {} : { _csrf: csrf }) }).toString();
  return ctx.app.inject({ method: 'POST', url, headers: FORM, cookies: { sotong_console: token }, payload: body });
}

/** The hidden form token a page carries. */
function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  expect(m).not.toBeNull();
  return m![1]!;
}

async function auditOf(caseId: number) {
  const rows = await ctx.db.selectFrom('audit_log').select(['action', 'detail', 'staff_id']).where(sql<boolean>`case_ids @> array[${caseId}]::bigint[]`).orderBy('id').execute();
  return rows;
}

describe('signing in to the console', () => {
  it('sends a browser without a session to sign in, with a strict content security policy', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/console' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/login');
    const login = await ctx.app.inject({ method: 'GET', url: '/console/login' });
    expect(login.statusCode).toBe(200);
    const csp = String(login.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(login.headers['cache-control']).toBe('no-store');
    expect(login.body).toContain('<html lang="ko">');
    expect(login.body).toContain('직원 토큰');
    // Nothing inline: the only script and stylesheet are this app's own files.
    expect(login.body).not.toMatch(/<script(?![^>]*src="\/console\/assets\/console\.js")/);
    expect(login.body).not.toContain('style=');
    const js = await ctx.app.inject({ method: 'GET', url: '/console/assets/console.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    const css = await ctx.app.inject({ method: 'GET', url: '/console/assets/console.css' });
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('keeps the token in an HttpOnly, SameSite=Strict cookie scoped to /console that expires', async () => {
    const wrong = await login('sotong_nothing');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.cookies.find((c) => c.name === 'sotong_console')).toBeUndefined();
    const operator = await login(tokens.operator);
    expect(operator.statusCode).toBe(403);
    // Without the sign-in form's own token (as another site's page would post it): refused.
    const forged = await ctx.app.inject({ method: 'POST', url: '/console/login', headers: FORM, payload: `token=${tokens.road}` });
    expect(forged.statusCode).toBe(403);
    expect(forged.cookies.find((c) => c.name === 'sotong_console')).toBeUndefined();
    const ok = await login(tokens.road);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/console');
    const cookie = String([ok.headers['set-cookie']].flat().find((c) => String(c).startsWith('sotong_console=')));
    expect(cookie).toMatch(/^sotong_console=/);
    expect(cookie).toContain('Path=/console');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toMatch(/Max-Age=\d+/);
    expect(cookie).not.toContain('Secure');
    // Behind the district's https proxy the cookie is Secure.
    const https = await login(tokens.road, { 'x-forwarded-proto': 'https' });
    expect(String([https.headers['set-cookie']].flat().find((c) => String(c).startsWith('sotong_console=')))).toContain('Secure');
  });

  it('ends the session at once when the token is revoked, and on sign-out', async () => {
    const token = await signIn(await ctx.staffToken('staff', 'ROAD'));
    expect((await get(token, '/console')).statusCode).toBe(200);
    const out = await post(token, '/console/logout', {});
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('sotong_console=;');
    await revokeStaff(ctx.db, await staffIdOf(ctx.db, token));
    const after = await get(token, '/console');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/console/login');
    expect(String(after.headers['set-cookie'])).toContain('sotong_console=;');
    expect((await get(token, '/console/inbox/latest')).statusCode).toBe(401);
  });
});

describe('the inbox', () => {
  it('lists the department’s open cases earliest due first, marks overdue and near-due, counts, filters and pages', async () => {
    const token = await signIn(await ctx.staffToken('staff', 'WELFARE'));
    const now = Date.now();
    const made = [];
    for (const [hours, text] of [[48, '공원 벤치 파손'], [-5, '공원 가로등 고장'], [10, '공원 화장실 청소'], [100, '놀이터 모래']] as const) {
      const c = await makeCase(ctx.db, { department: 'WELFARE', text });
      await ctx.db.updateTable('cases').set({ due_at: new Date(now + hours * 3600_000), deadline_days: 7 }).where('id', '=', c.caseId).execute();
      made.push(c.caseId);
    }
    const closed = await makeCase(ctx.db, { department: 'WELFARE', status: 'closed' });
    const other = await makeCase(ctx.db, { department: 'ROAD' });
    const res = await get(token, '/console');
    expect(res.statusCode).toBe(200);
    const ids = [...res.body.matchAll(/data-case-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([made[1], made[2], made[0], made[3]]);
    expect(ids).not.toContain(closed.caseId);
    expect(ids).not.toContain(other.caseId);
    expect(res.body).toMatch(new RegExp(`class="overdue" data-case-id="${made[1]}"`));
    expect(res.body).toMatch(new RegExp(`class="near_due" data-case-id="${made[2]}"`));
    expect(res.body).toContain(`href="/console/cases/${made[0]}"`);
    const counts = Object.fromEntries([...res.body.matchAll(/<dt>([^<]+)<\/dt><dd>(\d+)<\/dd>/g)].map((m) => [m[1], Number(m[2])]));
    expect(counts).toMatchObject({ 미처리: 4, '기한 초과': 1, '기한 임박(24시간 이내)': 1 });
    // A date filter (Seoul days) and a status filter.
    const none = await get(token, '/console?from=2001-01-01&to=2001-01-02');
    expect(none.body).toContain('조건에 맞는 미처리 민원이 없습니다');
    const answered = await get(token, '/console?status=answered');
    expect(answered.body).not.toContain('data-case-id=');
    const bad = await get(token, '/console?from=2026-02-30');
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain('날짜 형식이 올바르지 않습니다');
    // The poll endpoint tells the newest case without any case content.
    const latest = await get(token, '/console/inbox/latest');
    expect(latest.json()).toEqual({ open: 4, received: 0, overdue: 1, nearDue: 1, latestId: Math.max(...made) });
    // Reading the list is audited as the API's list is.
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'case_ids']).where('staff_id', '=', await staffIdOf(ctx.db, token)).execute();
    expect(audit.find((a) => a.action === 'cases.listed')?.case_ids.map(Number).sort()).toEqual([...made].sort());
  });

  it('pages by 50', async () => {
    const token = await signIn(await ctx.staffToken('staff', 'CULTURE'));
    for (let i = 0; i < 53; i++) await makeCase(ctx.db, { department: 'CULTURE', text: `행사 소음 ${i}` });
    const first = await get(token, '/console');
    expect([...first.body.matchAll(/data-case-id=/g)]).toHaveLength(50);
    expect(first.body).toContain('href="/console?page=2"');
    const second = await get(token, '/console?page=2');
    expect([...second.body.matchAll(/data-case-id=/g)]).toHaveLength(3);
  });
});

describe('forms', () => {
  it('refuse a post without the session’s form token, and change nothing', async () => {
    const token = await signIn(tokens.road);
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    for (const csrf of [null, 'forged', csrfToken(tokens.tax)]) {
      const res = await post(token, `/console/cases/${caseId}/notes`, { text: '메모' }, csrf);
      expect(res.statusCode).toBe(403);
    }
    expect(await ctx.db.selectFrom('case_notes').select('id').where('case_id', '=', caseId).execute()).toEqual([]);
    const page = await get(token, `/console/cases/${caseId}`);
    const ok = await post(token, `/console/cases/${caseId}/notes`, { text: '현장 확인 예정' }, csrfOf(page.body));
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/console/cases/${caseId}?done=note`);
    expect((await ctx.db.selectFrom('case_notes').select('text').where('case_id', '=', caseId).execute()).map((n) => n.text)).toEqual(['현장 확인 예정']);
  });

  it('escape what residents and staff wrote', async () => {
    const token = await signIn(tokens.road);
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD', text: '<script>alert(1)</script> 보도블록 "깨짐" & <b>위험</b>' });
    await post(token, `/console/cases/${caseId}/notes`, { text: '<img src=x onerror=alert(2)>' });
    const page = await get(token, `/console/cases/${caseId}`);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(page.body).toContain('&lt;img src=x onerror=alert(2)>');
  });
});

describe('scope', () => {
  it('an outside department sees nothing of the case and cannot act on it', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD', text: '맨홀 뚜껑이 흔들려요' });
    const tax = await signIn(tokens.tax);
    const page = await get(tax, `/console/cases/${caseId}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain('맨홀');
    const inbox = await get(tax, '/console');
    expect(inbox.body).not.toContain(`data-case-id="${caseId}"`);
    const search = await get(tax, `/console/search?q=${encodeURIComponent('맨홀 뚜껑')}`);
    expect(search.body).not.toContain(`/console/cases/${caseId}"`);
    for (const [action, fields] of [
      ['close', { disposition: 'resolved', text: '처리했습니다' }],
      ['reply', { text: '확인 중입니다' }],
      ['assign', { department: 'TAX', reason: '제 부서로' }],
      ['notes', { text: '메모' }],
      ['resident-phone', { reason: '전화로 확인하려고' }],
    ] as const) {
      const res = await post(tax, `/console/cases/${caseId}/${action}`, fields);
      expect(res.statusCode, action).toBe(404);
    }
    const row = await ctx.db.selectFrom('cases').select(['status', 'department_code']).where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'assigned', department_code: 'ROAD' });
    // The triage list is for AUDIT and managers.
    expect((await get(tax, '/console/triage')).statusCode).toBe(403);
    expect((await get(tax, '/console/manager')).statusCode).toBe(403);
  });
});

describe('actions are the staff API’s own', () => {
  it('closing in the console writes the same events and audit as closing through the API', async () => {
    const token = await signIn(tokens.road);
    const byConsole = await makeCase(ctx.db, { department: 'ROAD' });
    const byApi = await makeCase(ctx.db, { department: 'ROAD' });
    const res = await post(token, `/console/cases/${byConsole.caseId}/close`, { disposition: 'resolved', text: '보수를 마쳤습니다.' });
    expect(res.statusCode).toBe(303);
    const api = await ctx.app.inject({
      method: 'POST', url: `/api/cases/${byApi.caseId}/close`, headers: { authorization: `Bearer ${tokens.road}` }, payload: { disposition: 'resolved', text: '보수를 마쳤습니다.' },
    });
    expect(api.statusCode).toBe(200);
    const shape = async (caseId: number) => {
      const events = await ctx.db.selectFrom('case_events').select(['type', 'data']).where('case_id', '=', caseId).orderBy('id').execute();
      const messages = await ctx.db.selectFrom('messages').select(['kind', 'text', 'delivery_status']).where('case_id', '=', caseId).where('direction', '=', 'out').execute();
      const audit = (await auditOf(caseId)).filter((a) => a.action === 'case.closed');
      const row = await ctx.db.selectFrom('cases').select(['status', 'disposition_code']).where('id', '=', caseId).executeTakeFirstOrThrow();
      return { events: events.map((e) => ({ type: e.type, keys: Object.keys(e.data).sort() })), messages, audit: audit.map((a) => ({ action: a.action, keys: Object.keys(a.detail).sort() })), row };
    };
    const a = await shape(byConsole.caseId);
    expect(a.row).toEqual({ status: 'closed', disposition_code: 'resolved' });
    expect(a.messages).toEqual([{ kind: 'answer', text: '보수를 마쳤습니다.', delivery_status: 'pending' }]);
    expect(a).toEqual(await shape(byApi.caseId));
  });

  it('a bad close draws the form again with the answer kept and a Korean error', async () => {
    const token = await signIn(tokens.road);
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    const missing = await post(token, `/console/cases/${caseId}/close`, { disposition: 'resolved', text: '' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('민원인에게 보낼 답변을 입력하세요');
    const long = '가'.repeat(3300);
    const tooLong = await post(token, `/console/cases/${caseId}/close`, { disposition: 'resolved', text: long });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('길이 제한');
    expect(tooLong.body).toContain(long);
    // The counter the page draws: characters, EUC-KR bytes and LMS parts.
    expect(tooLong.body).toContain('3300자 / 최대 3200자 · 6600바이트 · 장문(LMS) 4건으로 나뉨');
    expect((await ctx.db.selectFrom('cases').select('status').where('id', '=', caseId).executeTakeFirstOrThrow()).status).toBe('assigned');
    // The longest SMS answer (3,200 characters, ~29 KB as a form) goes through.
    const longest = await post(token, `/console/cases/${caseId}/close`, { disposition: 'explained', text: '나'.repeat(3200) });
    expect(longest.statusCode).toBe(303);
    expect((await ctx.db.selectFrom('cases').select('disposition_code').where('id', '=', caseId).executeTakeFirstOrThrow()).disposition_code).toBe('explained');
  });

  it('reply, reassign with a reason, extend with a reason, and the full number with a reason, each audited', async () => {
    const token = await signIn(tokens.road);
    const { caseId, phone } = await makeCase(ctx.db, { department: 'ROAD' });
    await ctx.db.updateTable('cases').set({ due_at: new Date(Date.now() + 7 * 86400_000), deadline_days: 7 }).where('id', '=', caseId).execute();
    expect((await post(token, `/console/cases/${caseId}/reply`, { text: '현장을 확인하겠습니다.' })).statusCode).toBe(303);
    expect((await post(token, `/console/cases/${caseId}/extend`, { days: '3', reason: '자재 수급' })).statusCode).toBe(303);
    const again = await post(token, `/console/cases/${caseId}/extend`, { days: '3', reason: '또' });
    expect(again.statusCode).toBe(409);
    const shown = await post(token, `/console/cases/${caseId}/resident-phone`, { reason: '현장 위치 확인 통화' });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(phone);
    const masked = await get(token, `/console/cases/${caseId}`);
    expect(masked.body).not.toContain(phone);
    const noReason = await post(token, `/console/cases/${caseId}/assign`, { department: 'TRAFFIC', reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    const moved = await post(token, `/console/cases/${caseId}/assign`, { department: 'TRAFFIC', reason: '신호등 문제' });
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe('/console?done=assign');
    const events = await ctx.db.selectFrom('case_events').select(['type', 'data']).where('case_id', '=', caseId).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['replied', 'deadline_extended', 'assigned']));
    expect(events.find((e) => e.type === 'assigned')!.data).toMatchObject({ from: 'ROAD', to: 'TRAFFIC', reason: '신호등 문제' });
    const actions = (await auditOf(caseId)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['case.replied', 'case.resident_phone_read', 'case.assigned', 'case.read']));
    expect((await auditOf(caseId)).find((a) => a.action === 'case.resident_phone_read')!.detail).toEqual({ reason: '현장 위치 확인 통화' });
    // Now TRAFFIC's: ROAD no longer reaches it.
    expect((await get(token, `/console/cases/${caseId}`)).statusCode).toBe(404);
  });
});

describe('triage, search and the manager views', () => {
  it('lists triage cases with their candidates for AUDIT, and assigns in one click with a reason', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'AUDIT', text: '이거 어디에 말해야 하나요' });
    await ctx.db
      .updateTable('cases')
      .set({
        routing: JSON.stringify({
          router: 'test', confidence: 0.31, reasons: ['낱말 부족'], category: 'other', department: 'AUDIT', triage: 'low_confidence',
          candidates: [{ department: 'ROAD', category: 'roads', score: 0.31 }, { department: 'WELFARE', category: 'culture_design', score: 0.22 }],
        }),
      })
      .where('id', '=', caseId)
      .execute();
    const audit = await signIn(tokens.audit);
    const page = await get(audit, '/console/triage');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-case-id="${caseId}"`);
    expect(page.body).toContain('name="department" value="ROAD"');
    expect(page.body).toContain('분류 신뢰도 낮음');
    const res = await post(audit, `/console/cases/${caseId}/assign`, { from: 'triage', reason: '도로 파손 민원', department: 'ROAD' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/triage?done=assign');
    expect((await ctx.db.selectFrom('cases').select('department_code').where('id', '=', caseId).executeTakeFirstOrThrow()).department_code).toBe('ROAD');
    expect((await get(audit, '/console/triage')).body).not.toContain(`data-case-id="${caseId}"`);
    // The correction the router learns from, as with the API.
    const correction = await ctx.db.selectFrom('routing_examples').select(['department_code', 'reason']).where('case_id', '=', caseId).executeTakeFirstOrThrow();
    expect(correction).toEqual({ department_code: 'ROAD', reason: '도로 파손 민원' });
  });

  it('closes a case the router took for spam with its suggested disposition, from the triage list', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'AUDIT', text: '(광고) 최저금리 대출 당일승인' });
    await ctx.db
      .updateTable('cases')
      .set({ routing: JSON.stringify({ router: 'test', confidence: 0.9, reasons: ['광고 표현'], category: 'other', department: 'AUDIT', triage: 'spam', suggestedDisposition: 'exception' }) })
      .where('id', '=', caseId)
      .execute();
    const audit = await signIn(tokens.audit);
    const page = await get(audit, '/console/triage');
    expect(page.body).toContain('스팸·욕설 의심');
    expect(page.body).toContain('답변 없이 종결 (처리예외)');
    const res = await post(audit, `/console/cases/${caseId}/close`, { from: 'triage', disposition: 'exception' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/triage?done=close');
    const row = await ctx.db.selectFrom('cases').select(['status', 'disposition_code']).where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'closed', disposition_code: 'exception' });
    expect(await ctx.db.selectFrom('messages').select('id').where('case_id', '=', caseId).where('kind', '=', 'answer').execute()).toEqual([]);
  });

  it('searches by case number, phone tail and words with the API’s search', async () => {
    const token = await signIn(tokens.road);
    const c = await makeCase(ctx.db, { department: 'ROAD', text: '육교 계단 난간이 흔들립니다', phone: '+821055559876' });
    const number = (await ctx.db.selectFrom('cases').select('case_number').where('id', '=', c.caseId).executeTakeFirstOrThrow()).case_number;
    for (const q of [number, '9876', '난간이 흔들립니다']) {
      const res = await get(token, `/console/search?q=${encodeURIComponent(q)}`);
      expect(res.statusCode, q).toBe(200);
      expect(res.body, q).toContain(`href="/console/cases/${c.caseId}"`);
      expect(res.body, q).not.toContain('+821055559876');
    }
    const short = await get(token, '/console/search?q=a');
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('두 글자 이상');
  });

  it('shows managers every department, overdue by department, the corrections and a link to /reports', async () => {
    const manager = await signIn(tokens.manager);
    const res = await get(manager, '/console/manager');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/reports"');
    expect(res.body).toContain('data-department="ROAD"');
    expect(res.body).toContain('분류 정정 목록');
    const all = await get(manager, '/console');
    expect(all.body).toContain('전체 부서');
    expect((await get(await signIn(tokens.road), '/console/manager')).statusCode).toBe(403);
  });

  it('lets a manager withdraw a mistaken correction from the manager page, audited as through the API', async () => {
    const manager = await signIn(tokens.manager);
    const road = await signIn(tokens.road);
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    // A ROAD officer moves the case to TAX by mistake: that is a correction the router would learn.
    const moved = await post(road, `/console/cases/${caseId}/assign`, { department: 'TAX', reason: '세금 문의로 보임' });
    expect(moved.statusCode).toBe(303);
    const correction = await ctx.db.selectFrom('routing_examples').select(['id', 'withdrawn_at']).where('case_id', '=', caseId).where('source', '=', 'correction').executeTakeFirstOrThrow();
    expect(correction.withdrawn_at).toBeNull();
    const page = await get(manager, '/console/manager');
    expect(page.body).toContain(`action="/console/corrections/${correction.id}/withdraw"`);

    // Staff cannot withdraw; a forged form (no token) is refused; neither changes anything.
    expect((await post(road, `/console/corrections/${correction.id}/withdraw`, {})).statusCode).toBe(403);
    expect((await post(manager, `/console/corrections/${correction.id}/withdraw`, {}, null)).statusCode).toBe(403);
    const done = await post(manager, `/console/corrections/${correction.id}/withdraw`, {});
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/manager?done=withdraw');
    const after = await ctx.db.selectFrom('routing_examples').select(['withdrawn_at', 'withdrawn_by']).where('id', '=', correction.id).executeTakeFirstOrThrow();
    expect(after.withdrawn_at).not.toBeNull();
    expect((await auditOf(caseId)).map((a) => a.action)).toContain('correction.withdrawn');
    const shown = await get(manager, '/console/manager?done=withdraw');
    expect(shown.body).toContain('정정을 철회했습니다');
    expect(shown.body).not.toContain(`action="/console/corrections/${correction.id}/withdraw"`);
    // A second withdrawal finds nothing active.
    expect((await post(manager, `/console/corrections/${correction.id}/withdraw`, {})).statusCode).toBe(404);
  });
});

describe('every console route', () => {
  it('sends a visitor without a session to sign in, and refuses roles without case access', async () => {
    const routes = listRoutes(ctx.app).filter((r) => r.path.startsWith('/console/') || r.path === '/console');
    const open = new Set(['GET /console/login', 'POST /console/login', 'GET /console/assets/console.css', 'GET /console/assets/console.js']);
    const guarded = routes.filter((r) => !open.has(`${r.method} ${r.path}`));
    expect(guarded.length).toBeGreaterThan(10);
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    const operator = tokens.operator;
    for (const route of guarded) {
      const url = route.path.replace(':id', String(caseId));
      const name = `${route.method} ${route.path}`;
      const anonymous = await ctx.app.inject({ method: route.method as 'GET', url, ...(route.method === 'POST' ? { headers: FORM, payload: 'text=x' } : {}) });
      if (route.path === '/console/inbox/latest') expect(anonymous.statusCode, name).toBe(401);
      else {
        expect(anonymous.statusCode, name).toBe(303);
        expect(anonymous.headers.location, name).toBe('/console/login');
      }
      // An operator's token (no case access), even with a valid form token, reaches nothing.
      const res =
        route.method === 'POST'
          ? await post(operator, url, { text: '메모', reason: '사유 다섯 글자', department: 'TAX', disposition: 'resolved', days: '1' })
          : await get(operator, url);
      expect(res.statusCode, name).toBe(403);
    }
    expect((await ctx.db.selectFrom('case_events').select('type').where('case_id', '=', caseId).execute()).map((e) => e.type)).not.toContain('closed');
  });
});

describe('the answer box of a KakaoTalk case', () => {
  it('shows the Kakao length limit instead of SMS bytes', async () => {
    const token = await signIn(tokens.road);
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    await ctx.db.updateTable('cases').set({ channel: 'kakao' }).where('id', '=', caseId).execute();
    const page = await get(token, `/console/cases/${caseId}`);
    expect(page.body).toContain('data-answer-channel="kakao"');
    expect(page.body).toContain('0자 / 최대 1900자 (카카오톡)');
    expect(page.body).not.toContain('바이트');
  });
});
