// The grievance committee (구민고충처리위원회): a manager refers a case, committee members see
// only referred cases (the resident's own messages, no contact, notes or other cases) and record
// a finding; the resident is told on their channel; the department answers with the finding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
import { jobIds } from '../src/queues/queues.js';
import { committeeNotice } from '../src/committee/committee-notice.js';
import { composeSms, eucKrByteLength, isKsX1001 } from '../src/outbound/sms-text.js';

let ctx: TestContext;
const t = { manager: '', road: '', parking: '', committee: '', committee2: '' };

beforeAll(async () => {
  ctx = await createTestContext({ STAFF_API_RATE_PER_MINUTE: '100000' });
  t.manager = await ctx.staffToken('manager', 'AUDIT');
  t.road = await ctx.staffToken('staff', 'ROAD');
  t.parking = await ctx.staffToken('staff', 'PARKING');
  t.committee = await ctx.staffToken('committee', 'AUDIT');
  t.committee2 = await ctx.staffToken('committee', 'AUDIT');
});
afterAll(async () => {
  await ctx?.close();
});

async function api(token: string, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) {
  return ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : method === 'POST' ? { payload: {} } : {}) });
}

/** A ROAD case with the resident's words, an interim answer and an internal note. */
async function caseWithHistory(words: string, phone?: string) {
  const c = await makeCase(ctx.db, { department: 'ROAD', text: words, ...(phone ? { phone } : {}) });
  expect((await api(t.road, 'POST', `/api/cases/${c.caseId}/replies`, { text: '현장을 확인하고 있습니다. 답변중마커' })).statusCode).toBe(202);
  expect((await api(t.road, 'POST', `/api/cases/${c.caseId}/notes`, { text: '메모마커 민원인과 통화함' })).statusCode).toBe(201);
  return c;
}

describe('the committee notice', () => {
  it('is one SMS of KS X 1001 characters for case numbers of up to 7 digits', () => {
    for (const number of ['2026-000001', '2026-999999', '2026-1234567']) {
      const text = committeeNotice(number);
      expect(text).toContain(number);
      expect(text).toContain('구민고충처리위원회');
      expect(isKsX1001(text)).toBe(true);
      expect(eucKrByteLength(text)).toBeLessThanOrEqual(90);
      expect(composeSms(text, '+821012345678', { unit: 'euc-kr-bytes', maxPerMessage: 90, ksx1001: 'always' })).toEqual([text]);
    }
  });
});

describe('referring a case to the committee', () => {
  it('takes a reason, one open referral per case, open cases only, and is audited without its text', async () => {
    const c = await makeCase(ctx.db, { department: 'ROAD' });
    const res = await api(t.manager, 'POST', `/api/cases/${c.caseId}/committee-referrals`, { reason: '  부서 답변에 이의를 제기함 회부사유마커  ' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ caseId: c.caseId, status: 'referred', reason: '부서 답변에 이의를 제기함 회부사유마커', finding: null, opinion: null });
    const again = await api(t.manager, 'POST', `/api/cases/${c.caseId}/committee-referrals`, { reason: '다시 회부합니다' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_referred');
    expect((await api(t.manager, 'POST', `/api/cases/${c.caseId}/committee-referrals`, { reason: '    ' })).statusCode).toBe(400);

    const closed = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    const refused = await api(t.manager, 'POST', `/api/cases/${closed.caseId}/committee-referrals`, { reason: '종결 후 이의 제기' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('case_closed');
    expect((await api(t.manager, 'POST', '/api/cases/999999999/committee-referrals', { reason: '없는 민원입니다' })).statusCode).toBe(404);

    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'committee.referred').execute();
    const entry = audit.find((a) => a.case_ids.map(Number).includes(c.caseId))!;
    expect(entry.detail).toEqual({ referralId: res.json().id });
    const event = await ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', c.caseId).where('type', '=', 'committee_referred').executeTakeFirstOrThrow();
    expect(event.data).toEqual({ referralId: res.json().id });
  });
});

describe('what a committee member sees', () => {
  it('only referred cases: the reason and the resident’s own messages, never the contact, answers, notes or other cases', async () => {
    // Digits that appear in no id, date or case number of the answer.
    const referred = await caseWithHistory('집 앞 하수구 악취가 심해요 민원본문마커', '+821047385926');
    const other = await caseWithHistory('다른 민원 비공개마커');
    const referral = (await api(t.manager, 'POST', `/api/cases/${referred.caseId}/committee-referrals`, { reason: '두 차례 답변에도 해결되지 않음' })).json();

    const list = await api(t.committee, 'GET', '/api/committee/referrals');
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { id: number; caseId: number }[];
    expect(items.map((i) => i.id)).toContain(referral.id);
    expect(items.map((i) => i.caseId)).not.toContain(other.caseId);
    for (const word of ['민원본문마커', referred.phone, referred.phone.slice(-4)]) expect(list.body).not.toContain(word);

    const detail = await api(t.committee, 'GET', `/api/committee/referrals/${referral.id}`);
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json()).toMatchObject({ id: referral.id, caseId: referred.caseId, status: 'referred', reason: '두 차례 답변에도 해결되지 않음', department: 'ROAD' });
    expect(detail.json().messages.map((m: { text: string }) => m.text)).toEqual(['집 앞 하수구 악취가 심해요 민원본문마커']);
    for (const hidden of ['답변중마커', '메모마커', '비공개마커', referred.phone, referred.phone.slice(-4)]) expect(detail.body, hidden).not.toContain(hidden);

    // No way into the case itself, nor into other cases.
    expect((await api(t.committee, 'GET', `/api/cases/${referred.caseId}`)).statusCode).toBe(403);
    expect((await api(t.committee, 'GET', '/api/cases')).statusCode).toBe(403);
    expect((await api(t.committee, 'POST', `/api/cases/${referred.caseId}/resident-phone`, { reason: '위원회 확인 전화' })).statusCode).toBe(403);
    expect((await api(t.committee, 'GET', '/api/committee/referrals/999999999')).statusCode).toBe(404);

    // Reads are audited by referral id.
    const reads = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'committee.read').execute();
    expect(reads.some((r) => r.case_ids.map(Number).includes(referred.caseId) && (r.detail as { referralId?: number }).referralId === referral.id)).toBe(true);
  });

  it('loses sight of a withdrawn referral: gone from the list, 404 to read or answer', async () => {
    const c = await makeCase(ctx.db, { department: 'ROAD' });
    const referral = (await api(t.manager, 'POST', `/api/cases/${c.caseId}/committee-referrals`, { reason: '회부 후 철회할 민원' })).json();
    const withdrawn = await api(t.manager, 'POST', `/api/committee/referrals/${referral.id}/withdraw`);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', withdrawnAt: expect.any(String) });
    expect((await api(t.manager, 'POST', `/api/committee/referrals/${referral.id}/withdraw`)).json().error.code).toBe('referral_closed');

    const list = (await api(t.committee, 'GET', '/api/committee/referrals')).json().items as { id: number }[];
    expect(list.map((i) => i.id)).not.toContain(referral.id);
    expect((await api(t.committee, 'GET', `/api/committee/referrals/${referral.id}`)).statusCode).toBe(404);
    const finding = await api(t.committee, 'POST', `/api/committee/referrals/${referral.id}/finding`, { finding: 'dismissed', opinion: '이미 철회됨' });
    expect(finding.statusCode).toBe(404);
    expect(finding.json().error.code).toBe('not_found');
    // After a withdrawal the case can be referred again.
    expect((await api(t.manager, 'POST', `/api/cases/${c.caseId}/committee-referrals`, { reason: '다시 회부합니다' })).statusCode).toBe(201);
  });
});

describe('the finding', () => {
  it('is recorded once, tells the resident on their channel, shows on the case, and closing marks it answered', async () => {
    const c = await caseWithHistory('버스정류장 의자가 부서졌어요');
    const referral = (await api(t.manager, 'POST', `/api/cases/${c.caseId}/committee-referrals`, { reason: '민원인 이의 신청' })).json();
    const { case_number: caseNumber } = await ctx.db.selectFrom('cases').select('case_number').where('id', '=', c.caseId).executeTakeFirstOrThrow();

    expect((await api(t.committee, 'POST', `/api/committee/referrals/${referral.id}/finding`, { finding: 'maybe', opinion: '의견' })).statusCode).toBe(400);
    expect((await api(t.committee, 'POST', `/api/committee/referrals/${referral.id}/finding`, { finding: 'opinion', opinion: '   ' })).statusCode).toBe(400);
    const res = await api(t.committee, 'POST', `/api/committee/referrals/${referral.id}/finding`, { finding: 'correction', opinion: '부서는 2주 안에 의자를 교체하고 결과를 안내할 것 의견마커' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: referral.id, status: 'reviewed', finding: 'correction', noticeMessageId: expect.any(Number) });
    const again = await api(t.committee2, 'POST', `/api/committee/referrals/${referral.id}/finding`, { finding: 'dismissed', opinion: '다른 의견' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_reviewed');

    // The resident's notice: the office's short text on the case's channel, queued for sending.
    const notice = await ctx.db.selectFrom('messages').selectAll().where('id', '=', res.json().noticeMessageId).executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ case_id: c.caseId, direction: 'out', kind: 'interim', channel: 'sms', delivery_status: 'pending', staff_id: null });
    expect(notice.text).toBe(committeeNotice(caseNumber));
    expect(notice.text).not.toContain('의견마커');
    expect(await ctx.app.queues.outbound.sms.getJob(jobIds.send(notice.id))).toBeDefined();

    // The audit log names the referral and the finding code, never the opinion.
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'committee.finding_recorded').execute();
    const entry = audit.find((a) => a.case_ids.map(Number).includes(c.caseId))!;
    expect(entry.detail).toEqual({ referralId: referral.id, finding: 'correction' });

    // The department sees the finding on the case; another department does not see the case.
    const seen = await api(t.road, 'GET', `/api/cases/${c.caseId}/committee-referrals`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().items).toEqual([
      expect.objectContaining({ id: referral.id, status: 'reviewed', finding: 'correction', opinion: '부서는 2주 안에 의자를 교체하고 결과를 안내할 것 의견마커', answeredAt: null }),
    ]);
    expect((await api(t.parking, 'GET', `/api/cases/${c.caseId}/committee-referrals`)).statusCode).toBe(404);
    const events = (await api(t.road, 'GET', `/api/cases/${c.caseId}`)).json().events as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'committee_reviewed')?.data).toEqual({ referralId: referral.id, finding: 'correction', messageId: notice.id, notified: true });

    // The department answers with the finding: closing records it.
    const closed = await api(t.road, 'POST', `/api/cases/${c.caseId}/close`, { disposition: 'resolved', text: '위원회 권고에 따라 의자를 교체했습니다.' });
    expect(closed.statusCode, closed.body).toBe(200);
    const after = (await api(t.road, 'GET', `/api/cases/${c.caseId}/committee-referrals`)).json().items[0];
    expect(after.answeredAt).not.toBeNull();
    const closedEvent = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', c.caseId).where('type', '=', 'closed').executeTakeFirstOrThrow();
    expect(closedEvent.data).toMatchObject({ disposition: 'resolved', referralId: referral.id });

    // The committee still sees its reviewed referral, now with the case closed.
    const detail = (await api(t.committee, 'GET', `/api/committee/referrals/${referral.id}`)).json();
    expect(detail).toMatchObject({ status: 'reviewed', finding: 'correction', caseStatus: 'closed', answeredAt: expect.any(String) });
  });

  it('is recorded without a notice when the resident left no contact (a walk-in)', async () => {
    const walkIn = await api(t.road, 'POST', '/api/cases', { channel: 'visit', text: '방문 민원: 공원 가로등 고장' });
    expect(walkIn.statusCode, walkIn.body).toBe(201);
    const caseId = walkIn.json().id as number;
    const referral = (await api(t.manager, 'POST', `/api/cases/${caseId}/committee-referrals`, { reason: '방문 민원인 이의 신청' })).json();
    const res = await api(t.committee, 'POST', `/api/committee/referrals/${referral.id}/finding`, { finding: 'dismissed', opinion: '부서의 처리가 적정함' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().noticeMessageId).toBeNull();
    const event = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', caseId).where('type', '=', 'committee_reviewed').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ notified: false, messageId: null });
  });
});

describe('npm run cli -- staff add --role committee', () => {
  it('creates a committee member without a department, whose token reaches the committee’s routes only', async () => {
    const { RUN } = await import('../src/cli/commands.js');
    const token = await RUN['staff add']!(['--name', '김위원', '--role', 'committee'], { config: ctx.config, db: ctx.db });
    const member = await ctx.db.selectFrom('staff').selectAll().where('name', '=', '김위원').executeTakeFirstOrThrow();
    expect(member).toMatchObject({ role: 'committee', department_code: null, revoked_at: null });
    expect((await api(token, 'GET', '/api/committee/referrals')).statusCode).toBe(200);
    expect((await api(token, 'GET', '/api/cases')).statusCode).toBe(403);
  });
});

describe('the console', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const page = (token: string, url: string) => ctx.app.inject({ method: 'GET', url, cookies: { sotong_console: token } });
  const form = async (token: string, url: string, fields: Record<string, string>) => {
    const { csrfToken } = await import('../src/staff/session.js');
    const payload = new URLSearchParams({ ...fields, _csrf: csrfToken(token) }).toString();
    return ctx.app.inject({ method: 'POST', url, headers: FORM, cookies: { sotong_console: token }, payload });
  };

  it('a manager refers from the case page, the committee records a finding, the department sees it on the case', async () => {
    const c = await caseWithHistory('콘솔 회부 민원 본문콘솔마커', '+821047380011');
    const casePage = await page(t.manager, `/console/cases/${c.caseId}`);
    expect(casePage.statusCode).toBe(200);
    expect(casePage.body).toContain('id="refer-form"');
    expect((await page(t.road, `/console/cases/${c.caseId}`)).body).not.toContain('id="refer-form"');

    const refused = await form(t.manager, `/console/cases/${c.caseId}/committee-referrals`, { reason: '짧음' });
    expect(refused.statusCode).toBe(400);
    const referred = await form(t.manager, `/console/cases/${c.caseId}/committee-referrals`, { reason: '콘솔에서 회부합니다' });
    expect(referred.statusCode).toBe(303);
    expect(referred.headers.location).toBe(`/console/cases/${c.caseId}?done=refer`);
    const referral = await ctx.db.selectFrom('committee_referrals').selectAll().where('case_id', '=', c.caseId).executeTakeFirstOrThrow();

    // The committee member lands on their list, sees the referral, and no case page.
    expect((await page(t.committee, '/console')).headers.location).toBe('/console/committee');
    const list = await page(t.committee, '/console/committee');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`/console/committee/referrals/${referral.id}`);
    expect((await page(t.committee, `/console/cases/${c.caseId}`)).statusCode).toBe(403);
    const detail = await page(t.committee, `/console/committee/referrals/${referral.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('본문콘솔마커');
    expect(detail.body).toContain('콘솔에서 회부합니다');
    for (const hidden of ['답변중마커', '메모마커', '0011']) expect(detail.body, hidden).not.toContain(hidden);

    const missing = await form(t.committee, `/console/committee/referrals/${referral.id}/finding`, { finding: '', opinion: '의견' });
    expect(missing.statusCode).toBe(400);
    const done = await form(t.committee, `/console/committee/referrals/${referral.id}/finding`, { finding: 'improvement', opinion: '제도 개선을 권고함 콘솔의견마커' });
    expect(done.statusCode).toBe(303);
    expect((await page(t.committee, done.headers.location as string)).body).toContain('콘솔의견마커');

    const seen = await page(t.road, `/console/cases/${c.caseId}`);
    expect(seen.body).toContain('제도개선 권고');
    expect(seen.body).toContain('콘솔의견마커');
    // Managers and staff have no committee list.
    expect((await page(t.road, '/console/committee')).statusCode).toBe(403);
  });
});

describe('reports', () => {
  it('count the referrals and findings of the period in the summary (withdrawn ones left out)', async () => {
    const rows = await ctx.db.selectFrom('committee_referrals').select(['status', 'reviewed_at']).execute();
    const res = await api(t.manager, 'GET', '/api/reports/summary');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().committee).toEqual({
      referred: rows.filter((r) => r.status !== 'withdrawn').length,
      reviewed: rows.filter((r) => r.reviewed_at !== null).length,
    });
    expect(res.json().committee.reviewed).toBeGreaterThan(0);
  });
});
