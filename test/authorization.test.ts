// The authorisation policy (src/staff/policy.ts) as a matrix of roles × routes, over HTTP.
// The expected statuses are written out here by hand, not derived from the policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
import { recordCorrection } from '../src/routing/routing-examples.js';
import { listRoutes } from './support/routes.js';
import { referCase } from '../src/committee/referrals.js';
import { addStoredPhoto } from './support/photos.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Role = 'anonymous' | 'staffOwn' | 'staffOther' | 'manager' | 'operator' | 'admin' | 'committee';
const ROLES: Role[] = ['anonymous', 'staffOwn', 'staffOther', 'manager', 'operator', 'admin', 'committee'];

let ctx: TestContext;
let photoDir: string;
const tokens: Record<Role, string | null> = { anonymous: null, staffOwn: '', staffOther: '', manager: '', operator: '', admin: '', committee: '' };

beforeAll(async () => {
  // Limits high enough that the matrix measures the policy, not the rate limits.
  photoDir = await mkdtemp(path.join(tmpdir(), 'sotong-authz-photos-'));
  ctx = await createTestContext({ STAFF_API_RATE_PER_MINUTE: '100000', FAILED_AUTH_PER_ADDRESS: '100000', ATTACHMENTS_DIR: photoDir });
  tokens.staffOwn = await ctx.staffToken('staff', 'ROAD');
  tokens.staffOther = await ctx.staffToken('staff', 'PARKING');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.operator = await ctx.staffToken('operator', 'AUDIT');
  tokens.admin = await ctx.staffToken('admin', 'AUDIT');
  tokens.committee = await ctx.staffToken('committee', 'AUDIT');
});
afterAll(async () => {
  await ctx?.close();
  await rm(photoDir, { recursive: true, force: true });
});

/** A fresh target for each cell, so that one cell's change does not decide the next. */
interface Target {
  caseId: number;
  caseNumber: string;
  correctionId: number;
  deadLetterId: number;
  /** An open referral to the grievance committee, of another case of the same department. */
  referralId: number;
  /** A photo kept with the case's message. */
  attachmentId: number;
  /** A draft notice, drafted by the manager. */
  noticeId: number;
}

async function freshTarget(department: string | null = 'ROAD'): Promise<Target> {
  const { caseId, messageId } = await makeCase(ctx.db, { department });
  const { attachmentId } = await addStoredPhoto(ctx.db, ctx.app.attachmentStore, caseId, messageId);
  const { case_number: caseNumber } = await ctx.db.selectFrom('cases').select('case_number').where('id', '=', caseId).executeTakeFirstOrThrow();
  const staff = await ctx.db.selectFrom('staff').select('id').where('role', '=', 'manager').executeTakeFirstOrThrow();
  await recordCorrection(ctx.db, { caseId, staffId: staff.id, department: department ?? 'ROAD' });
  const correction = await ctx.db
    .selectFrom('routing_examples')
    .select('id')
    .where('case_id', '=', caseId)
    .where('source', '=', 'correction')
    .executeTakeFirstOrThrow();
  const dead = await ctx.db
    .insertInto('messages')
    .values({
      case_id: caseId,
      direction: 'out',
      kind: 'answer',
      channel: 'sms',
      text: '답변',
      provider: 'twilio',
      delivery_status: 'failed',
      error_code: '21610',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const referred = await makeCase(ctx.db, { department: department ?? 'ROAD' });
  const manager = await ctx.db.selectFrom('staff').selectAll().where('role', '=', 'manager').executeTakeFirstOrThrow();
  const referral = await referCase(ctx.db, manager, referred.caseId, '민원인이 부서 답변에 이의를 제기함', { staffId: manager.id, ip: null });
  const notice = await ctx.db
    .insertInto('notices')
    .values({ title: '구청 소식', body: '이번 주 토요일 대청소가 있습니다.', button_label: null, button_url: null, audience: JSON.stringify({ kind: 'all' }), drafted_by: staff.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { caseId, caseNumber, correctionId: correction.id, deadLetterId: dead.id, referralId: referral.id, attachmentId, noticeId: notice.id };
}

interface RouteCase {
  name: string;
  method: 'GET' | 'POST';
  url: (t: Target) => string;
  payload?: Record<string, unknown>;
  /** The case is unclassified (no department) instead of ROAD's. */
  unclassified?: boolean;
  expected: Record<Role, number>;
}

// A committee member (grievance committee) has no case scope: 403 on every route but the committee's own.
const row = (anonymous: number, staffOwn: number, staffOther: number, manager: number, operator: number, admin: number, committee = 403) => ({
  anonymous,
  staffOwn,
  staffOther,
  manager,
  operator,
  admin,
  committee,
});

// The case in each cell belongs to ROAD: staffOwn's department, not staffOther's.
const MATRIX: RouteCase[] = [
  { name: 'list cases', method: 'GET', url: () => '/api/cases', expected: row(401, 200, 200, 200, 403, 403) },
  { name: 'read a case', method: 'GET', url: (t) => `/api/cases/${t.caseId}`, expected: row(401, 200, 404, 200, 403, 403) },
  {
    name: 'read an unclassified case',
    method: 'GET',
    url: (t) => `/api/cases/${t.caseId}`,
    unclassified: true,
    expected: row(401, 404, 404, 200, 403, 403),
  },
  {
    name: 'reply',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/replies`,
    payload: { text: '확인 중입니다.' },
    expected: row(401, 202, 404, 202, 403, 403),
  },
  {
    name: 'close',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/close`,
    payload: { disposition: 'resolved', text: '보수했습니다.' },
    expected: row(401, 200, 404, 200, 403, 403),
  },
  {
    name: 'reassign',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/assign`,
    payload: { department: 'TRAFFIC' },
    expected: row(401, 200, 404, 200, 403, 403),
  },
  {
    name: 'reassign with a reason',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/assign`,
    payload: { department: 'TRAFFIC', reason: '교통행정과 소관' },
    expected: row(401, 200, 404, 200, 403, 403),
  },
  {
    name: 'search cases (a staff member finds only its own department’s)',
    method: 'GET',
    url: (t) => `/api/cases?q=${t.caseNumber}`,
    expected: row(401, 200, 200, 200, 403, 403),
  },
  {
    name: 'add an internal note',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/notes`,
    payload: { text: '민원인과 통화함' },
    expected: row(401, 201, 404, 201, 403, 403),
  },
  {
    name: 'add an internal note to an unclassified case',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/notes`,
    payload: { text: '분류 전 메모' },
    unclassified: true,
    expected: row(401, 404, 404, 201, 403, 403),
  },
  {
    name: "the resident's full phone number",
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/resident-phone`,
    payload: { reason: '현장 위치 확인 전화' },
    expected: row(401, 200, 404, 403, 403, 403),
  },
  {
    name: 'open a photo the resident sent (same scope as the case)',
    method: 'GET',
    url: (t) => `/api/cases/${t.caseId}/attachments/${t.attachmentId}`,
    expected: row(401, 200, 404, 200, 403, 403),
  },
  {
    name: "open a photo's thumbnail of an unclassified case",
    method: 'GET',
    url: (t) => `/api/cases/${t.caseId}/attachments/${t.attachmentId}?size=thumbnail`,
    unclassified: true,
    expected: row(401, 404, 404, 200, 403, 403),
  },
  { name: 'list corrections', method: 'GET', url: () => '/api/routing/corrections', expected: row(401, 403, 403, 200, 403, 200) },
  {
    name: 'withdraw a correction',
    method: 'POST',
    url: (t) => `/api/routing/corrections/${t.correctionId}/withdraw`,
    expected: row(401, 403, 403, 200, 403, 200),
  },
  { name: 'queue health', method: 'GET', url: () => '/ops/queues', expected: row(401, 403, 403, 403, 200, 200) },
  { name: 'queue dashboard', method: 'GET', url: () => '/ops/board', expected: row(401, 403, 403, 403, 200, 200) },
  { name: 'dead letters', method: 'GET', url: () => '/api/ops/dead-letters', expected: row(401, 403, 403, 403, 200, 200) },
  {
    name: 'retry a dead letter',
    method: 'POST',
    url: (t) => `/api/ops/dead-letters/${t.deadLetterId}/retry`,
    expected: row(401, 403, 403, 403, 202, 202),
  },
  { name: 'audit log', method: 'GET', url: () => '/api/audit', expected: row(401, 403, 403, 403, 403, 200) },
  {
    name: 'register a walk-in case (for one\'s own department; a manager for any)',
    method: 'POST',
    url: () => '/api/cases',
    payload: { channel: 'visit', text: '집 앞 보도블록이 깨져 있어요' },
    expected: row(401, 201, 201, 201, 403, 403),
  },
  {
    name: 'extend the deadline (the case has none yet: 409 once allowed)',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/extend`,
    payload: { days: 3, reason: '현장 측량이 필요합니다' },
    expected: row(401, 409, 404, 409, 403, 403),
  },
  {
    name: "put the case's sender on the block list",
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/block-sender`,
    payload: { reason: '같은 욕설을 반복해서 보냄' },
    expected: row(401, 403, 403, 200, 403, 403),
  },
  {
    name: "take the case's sender off the block list",
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/unblock-sender`,
    expected: row(401, 403, 403, 200, 403, 403),
  },
  // Reports: staff see their own department's figures, managers the district's.
  { name: 'report summary', method: 'GET', url: () => '/api/reports/summary?from=2026-11-01&to=2026-11-30', expected: row(401, 200, 200, 200, 403, 403) },
  { name: 'report trend', method: 'GET', url: () => '/api/reports/trend?by=month', expected: row(401, 200, 200, 200, 403, 403) },
  { name: 'daily digests', method: 'GET', url: () => '/api/reports/digests', expected: row(401, 200, 200, 200, 403, 403) },
  // The grievance committee: managers refer and withdraw; committee members see referred cases only.
  {
    name: 'refer a case to the grievance committee',
    method: 'POST',
    url: (t) => `/api/cases/${t.caseId}/committee-referrals`,
    payload: { reason: '부서 답변에 대한 이의 제기' },
    expected: row(401, 403, 403, 201, 403, 403, 403),
  },
  {
    name: "a case's committee referrals and findings",
    method: 'GET',
    url: (t) => `/api/cases/${t.caseId}/committee-referrals`,
    expected: row(401, 200, 404, 200, 403, 403, 403),
  },
  {
    name: 'withdraw a committee referral',
    method: 'POST',
    url: (t) => `/api/committee/referrals/${t.referralId}/withdraw`,
    expected: row(401, 403, 403, 200, 403, 403, 403),
  },
  { name: "the committee's referrals", method: 'GET', url: () => '/api/committee/referrals', expected: row(401, 403, 403, 403, 403, 403, 200) },
  {
    name: 'read a referred case (committee)',
    method: 'GET',
    url: (t) => `/api/committee/referrals/${t.referralId}`,
    expected: row(401, 403, 403, 403, 403, 403, 200),
  },
  {
    name: "record the committee's finding",
    method: 'POST',
    url: (t) => `/api/committee/referrals/${t.referralId}/finding`,
    payload: { finding: 'opinion', opinion: '부서는 현장을 다시 확인하고 결과를 안내할 것' },
    expected: row(401, 403, 403, 403, 403, 403, 200),
  },
  // The mayor's sessions: managers only.
  { name: '온데이트 volunteers', method: 'GET', url: () => '/api/ondate/volunteers?month=2026-11', expected: row(401, 403, 403, 200, 403, 403, 403) },
  {
    name: '온데이트 choice (no volunteers that month: 409 once allowed)',
    method: 'POST',
    url: () => '/api/ondate/selections',
    payload: { month: '2020-01', chosen: [1], sessionAt: '2099-01-15T05:00:00Z', mode: 'phone' },
    expected: row(401, 403, 403, 409, 403, 403, 403),
  },
  { name: '찾아가는 구청장실 list', method: 'GET', url: () => '/api/visits', expected: row(401, 403, 403, 200, 403, 403, 403) },
  {
    name: '찾아가는 구청장실 session',
    method: 'POST',
    url: () => '/api/visits/sessions',
    payload: { startsAt: '2099-01-15T05:00:00Z', place: '구청 소회의실' },
    expected: row(401, 403, 403, 201, 403, 403, 403),
  },
  {
    name: '찾아가는 구청장실 schedule (no such request: 404 once allowed)',
    method: 'POST',
    url: (t) => `/api/visits/requests/${t.caseId}/schedule`,
    payload: { sessionId: 1 },
    expected: row(401, 403, 403, 404, 403, 403, 403),
  },
  {
    name: '찾아가는 구청장실 outcome (no such request: 404 once allowed)',
    method: 'POST',
    url: (t) => `/api/visits/requests/${t.caseId}/outcome`,
    payload: { outcome: 'met' },
    expected: row(401, 403, 403, 404, 403, 403, 403),
  },
  // Notices: managers draft, an admin (another person) approves; both read, cancel and see the ledger.
  { name: 'list notices', method: 'GET', url: () => '/api/notices', expected: row(401, 403, 403, 200, 403, 200, 403) },
  {
    name: 'draft a notice',
    method: 'POST',
    url: () => '/api/notices',
    payload: { title: '구청 소식', body: '이번 주 토요일 대청소가 있습니다.' },
    expected: row(401, 403, 403, 201, 403, 403, 403),
  },
  { name: 'read a notice', method: 'GET', url: (t) => `/api/notices/${t.noticeId}`, expected: row(401, 403, 403, 200, 403, 200, 403) },
  {
    name: 'approve a notice (drafted by the manager; no gateway is configured here: 409 once allowed)',
    method: 'POST',
    url: (t) => `/api/notices/${t.noticeId}/approve`,
    expected: row(401, 403, 403, 403, 403, 409, 403),
  },
  { name: 'cancel a notice', method: 'POST', url: (t) => `/api/notices/${t.noticeId}/cancel`, expected: row(401, 403, 403, 200, 403, 200, 403) },
  { name: 'the consent ledger', method: 'GET', url: () => '/api/notice-consents', expected: row(401, 403, 403, 200, 403, 200, 403) },
  {
    name: "import the district's list of subscribers",
    method: 'POST',
    url: () => '/api/notice-consents/import',
    payload: { csv: '휴대전화,동의일\n', mapping: { phone: '휴대전화', consentedAt: '동의일' }, consentText: '구청 소식 알림 수신에 동의합니다', source: 'empty.csv' },
    expected: row(401, 403, 403, 200, 403, 200, 403),
  },
];

describe('authorisation matrix', () => {
  for (const route of MATRIX) {
    it(`${route.method} ${route.name}`, async () => {
      const got: Record<string, number> = {};
      for (const role of ROLES) {
        const target = await freshTarget(route.unclassified ? null : 'ROAD');
        const token = tokens[role];
        const res = await ctx.app.inject({
          method: route.method,
          url: route.url(target),
          headers: token === null ? {} : { authorization: `Bearer ${token}` },
          ...(route.payload ? { payload: route.payload } : route.method === 'POST' ? { payload: {} } : {}),
        });
        got[role] = res.statusCode;
        if (res.statusCode >= 400) {
          expect(res.json(), `${role}: ${res.body}`).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }
        // Out of scope looks exactly like missing.
        if (res.statusCode === 404) expect(res.json().error.code).toBe('not_found');
      }
      expect(got).toEqual(route.expected);
    });
  }

  it('finds by search only the cases in scope, and shows notes to those who can read the case', async () => {
    const road = await freshTarget('ROAD');
    const found = async (token: string | null) => {
      const res = await ctx.app.inject({ method: 'GET', url: `/api/cases?q=${road.caseNumber}`, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      return (res.json().items as { id: number }[]).map((c) => c.id);
    };
    expect(await found(tokens.staffOwn)).toEqual([road.caseId]);
    expect(await found(tokens.staffOther)).toEqual([]);
    expect(await found(tokens.manager)).toEqual([road.caseId]);
    const added = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${road.caseId}/notes`,
      headers: { authorization: `Bearer ${tokens.manager}` },
      payload: { text: '부서 간 협의 필요' },
    });
    expect(added.statusCode).toBe(201);
    for (const role of ['staffOwn', 'manager'] as const) {
      const res = await ctx.app.inject({ method: 'GET', url: `/api/cases/${road.caseId}`, headers: { authorization: `Bearer ${tokens[role]}` } });
      expect(res.json().notes.map((n: { text: string }) => n.text), role).toEqual(['부서 간 협의 필요']);
    }
  });

  it('lists only the cases in scope: own department for staff, all for managers', async () => {
    const road = await makeCase(ctx.db, { department: 'ROAD' });
    const parking = await makeCase(ctx.db, { department: 'PARKING' });
    const unclassified = await makeCase(ctx.db, { department: null });
    const seen = async (token: string | null) => {
      const res = await ctx.app.inject({ method: 'GET', url: '/api/cases?limit=200', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      return new Set((res.json().items as { id: number }[]).map((c) => c.id));
    };
    const own = await seen(tokens.staffOwn);
    expect(own.has(road.caseId)).toBe(true);
    expect(own.has(parking.caseId) || own.has(unclassified.caseId)).toBe(false);
    const other = await seen(tokens.staffOther);
    expect(other.has(parking.caseId)).toBe(true);
    expect(other.has(road.caseId) || other.has(unclassified.caseId)).toBe(false);
    const all = await seen(tokens.manager);
    expect([road.caseId, parking.caseId, unclassified.caseId].every((id) => all.has(id))).toBe(true);
  });

  it('covers every staff route the app has', () => {
    // A new /api or /ops route must be added to the matrix (and so to the policy).
    const staffRoutes = listRoutes(ctx.app)
      .filter((r) => /^\/(api|ops)\//.test(r.path) && !r.path.startsWith('/ops/board/'))
      .map((r) => `${r.method} ${r.path.replace(/:\w+/g, ':id')}`);
    const covered = new Set(
      MATRIX.map((m) => `${m.method} ${m.url({ caseId: 0, caseNumber: '', correctionId: 0, deadLetterId: 0, referralId: 0, attachmentId: 0, noticeId: 0 }).split('?')[0]}`.replace(/\/0(\/|$)/g, '/:id$1')),
    );
    expect(staffRoutes.length).toBeGreaterThan(10);
    for (const route of staffRoutes) expect(covered, `${route} is not in the matrix`).toContain(route);
  });

  it('guards every route of the queue dashboard the same way', async () => {
    // (Its catch-all page route is left out: it matches nothing a client can name.)
    const board = listRoutes(ctx.app).filter((r) => r.path.startsWith('/ops/board/') && !r.path.includes('*'));
    expect(board.length).toBeGreaterThan(20);
    for (const route of board) {
      const url = route.path.replace(/:\w+/g, 'routing');
      for (const [role, expected] of [['anonymous', 401], ['staffOwn', 403], ['manager', 403], ['admin', null]] as const) {
        const token = tokens[role];
        const res = await ctx.app.inject({
          method: route.method as 'GET',
          url,
          headers: token === null ? {} : { authorization: `Bearer ${token}` },
        });
        if (expected === null) expect(res.statusCode, `${route.method} ${url} as ${role}`).not.toBe(401);
        else expect(res.statusCode, `${route.method} ${url} as ${role}`).toBe(expected);
      }
    }
  });
});
