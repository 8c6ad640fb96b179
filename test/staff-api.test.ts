// The staff API against a real Postgres and Redis. No workers run in this file: cases are
// made by the SMS webhook or by intake directly, then routed by writing the database.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { acceptResidentMessage } from './support/accept-message.js';
import { SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';
import { hashToken } from '../src/staff/tokens.js';
import { jobIds } from '../src/queues/queues.js';
import type { CaseStatus } from '../src/cases/case.table.js';
import { ANSWER_LIMITS } from '../src/outbound/channel-limits.js';

let ctx: TestContext;
const tokens = { road: '', road2: '', parking: '', manager: '', operator: '', admin: '' };

beforeAll(async () => {
  ctx = await createTestContext();
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.road2 = await ctx.staffToken('staff', 'ROAD');
  tokens.parking = await ctx.staffToken('staff', 'PARKING');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.operator = await ctx.staffToken('operator', 'AUDIT');
  tokens.admin = await ctx.staffToken('admin', 'AUDIT');
});
afterAll(async () => {
  await ctx?.close();
});

// ---------------------------------------------------------------------------------------------
// helpers

type Json = Record<string, unknown>;
interface CaseJson {
  id: number;
  caseNumber: string;
  channel: string;
  status: CaseStatus;
  category: string | null;
  department: string | null;
  disposition: string | null;
  receivedAt: string;
  closedAt: string | null;
  resident: { phone: string | null };
}
interface MessageJson {
  id: number;
  direction: 'in' | 'out';
  kind: string;
  text: string;
  createdAt: string;
  deliveryStatus?: string;
}
interface EventJson {
  type: string;
  staffId: number | null;
  data: Json;
  createdAt: string;
}
type CaseDetailJson = CaseJson & { messages: MessageJson[]; events: EventJson[] };
interface PageJson {
  items: CaseJson[];
  nextCursor: string | null;
}

function api(token: string | null, method: 'GET' | 'POST', url: string, payload?: Json) {
  return ctx.app.inject({
    method,
    url,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function listPage(token: string, query: Record<string, string | number>): Promise<PageJson> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res = await api(token, 'GET', `/api/cases?${qs}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PageJson>();
}

/** Every page of a listing, following nextCursor. */
async function listAll(token: string, query: Record<string, string | number>): Promise<CaseJson[]> {
  const items: CaseJson[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listPage(token, { ...query, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('pagination did not end');
}

async function getCase(token: string, id: number): Promise<CaseDetailJson> {
  const res = await api(token, 'GET', `/api/cases/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<CaseDetailJson>();
}

let phoneSeq = 0;
function newPhone(): string {
  phoneSeq += 1;
  return `+821077${String(phoneSeq).padStart(6, '0')}`;
}

async function categoryOf(department: string): Promise<string> {
  const row = await ctx.db.selectFrom('departments').select('category_code').where('code', '=', department).executeTakeFirstOrThrow();
  return row.category_code;
}

/**
 * A case from intake, then "routed" by writing the database. `department: null` leaves it
 * unrouted (status received).
 */
async function makeCase(
  options: { department?: string | null; status?: CaseStatus; receivedAt?: Date; phone?: string; text?: string } = {},
): Promise<number> {
  const accepted = await acceptResidentMessage(
    ctx.db,
    {
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: `SM${randomBytes(16).toString('hex')}`,
      from: { kind: 'phone', phone: options.phone ?? newPhone() },
      text: options.text ?? '보도블록이 깨졌어요',
      raw: {},
      ...(options.receivedAt ? { receivedAt: options.receivedAt } : {}),
    },
    { threadWindowMinutes: 0 },
  );
  const department = options.department === undefined ? 'ROAD' : options.department;
  const status = options.status ?? (department === null ? 'received' : 'assigned');
  await ctx.db
    .updateTable('cases')
    .set({
      department_code: department,
      category_code: department === null ? null : await categoryOf(department),
      status,
      ...(status === 'closed' ? { closed_at: new Date(), disposition_code: 'resolved' } : {}),
    })
    .where('id', '=', accepted.caseId)
    .execute();
  return accepted.caseId;
}

/** received_at is never updated by the app; tests move it to reach date boundaries (text keeps microseconds). */
async function setReceivedAt(caseId: number, at: Date | string): Promise<void> {
  const value = typeof at === 'string' ? at : at.toISOString();
  await sql`update cases set received_at = cast(${value} as timestamptz) where id = ${caseId}`.execute(ctx.db);
}

async function dbCase(id: number) {
  return ctx.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function dbMessages(caseId: number) {
  return ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

async function dbEvents(caseId: number) {
  return ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

async function staffIdOf(token: string): Promise<number> {
  const row = await ctx.db.selectFrom('staff').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  return row.id;
}

function expectError(res: { statusCode: number; json: () => unknown }, status: number, code?: string) {
  expect(res.statusCode).toBe(status);
  const body = res.json() as { error: { code: unknown; message: unknown } };
  expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  expect(body.error.message).not.toBe('');
  if (code !== undefined) expect(body.error.code).toBe(code);
}

const ids = (items: CaseJson[]) => items.map((c) => c.id);

// ---------------------------------------------------------------------------------------------

describe('authentication', () => {
  const routes: Array<['GET' | 'POST', string, Json | undefined]> = [
    ['GET', '/api/cases', undefined],
    ['GET', '/api/cases/1', undefined],
    ['POST', '/api/cases/1/replies', { text: '답변' }],
    ['POST', '/api/cases/1/close', { disposition: 'thanks' }],
    ['POST', '/api/cases/1/assign', { department: 'ROAD' }],
  ];

  it('answers 401 without a token on every staff route', async () => {
    for (const [method, url, payload] of routes) {
      const res = await api(null, method, url, payload);
      expectError(res, 401, 'unauthorized');
    }
  });

  it('answers 401 for malformed Authorization headers', async () => {
    for (const header of ['Bearer', 'Bearer ', `Basic ${tokens.road}`, `Token ${tokens.road}`, `Bearer ${tokens.road} extra`, tokens.road]) {
      const res = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: header } });
      expectError(res, 401, 'unauthorized');
    }
  });

  it('answers 401 for an unknown token', async () => {
    const res = await api(`sotong_${randomBytes(32).toString('base64url')}`, 'GET', '/api/cases');
    expectError(res, 401, 'unauthorized');
  });

  it('answers 401 before looking at the request, so anonymous callers learn nothing from validation', async () => {
    expectError(await api(null, 'GET', '/api/cases?status=bogus'), 401, 'unauthorized');
    expectError(await api(null, 'GET', '/api/cases/abc'), 401, 'unauthorized');
    expectError(await api(null, 'POST', '/api/cases/1/replies', { text: '' }), 401, 'unauthorized');
    expectError(await api(null, 'POST', '/api/cases/1/close', {}), 401, 'unauthorized');
  });

  it('answers 401 once a token is revoked', async () => {
    const token = await ctx.staffToken('staff', 'ROAD');
    expect((await api(token, 'GET', '/api/cases')).statusCode).toBe(200);
    await ctx.db.updateTable('staff').set({ revoked_at: new Date() }).where('token_hash', '=', hashToken(token)).execute();
    expectError(await api(token, 'GET', '/api/cases'), 401, 'unauthorized');
  });

  it('answers 401 once a token has expired', async () => {
    const token = await ctx.staffToken('manager', 'AUDIT');
    expect((await api(token, 'GET', '/api/cases')).statusCode).toBe(200);
    await ctx.db
      .updateTable('staff')
      .set({ token_expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', hashToken(token))
      .execute();
    expectError(await api(token, 'GET', '/api/cases'), 401, 'unauthorized');
  });

  it('answers 403 to operators and admins on every case route, even for an existing case', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    for (const token of [tokens.operator, tokens.admin]) {
      expectError(await api(token, 'GET', '/api/cases'), 403, 'forbidden');
      expectError(await api(token, 'GET', `/api/cases/${caseId}`), 403, 'forbidden');
      expectError(await api(token, 'POST', `/api/cases/${caseId}/replies`, { text: '답변' }), 403, 'forbidden');
      expectError(await api(token, 'POST', `/api/cases/${caseId}/close`, { disposition: 'thanks' }), 403, 'forbidden');
      expectError(await api(token, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING' }), 403, 'forbidden');
    }
    const unchanged = await dbCase(caseId);
    expect(unchanged.status).toBe('assigned');
    expect(unchanged.department_code).toBe('ROAD');
    expect((await dbMessages(caseId)).filter((m) => m.direction === 'out')).toHaveLength(0);
  });
});

describe('department scoping', () => {
  // Seoul day 2026-01-10, kept apart from other tests' cases by the date filter.
  const day = { from: '2026-01-10', to: '2026-01-10', limit: 200 };
  let road: number[];
  let parking: number;
  let unrouted: number;

  beforeAll(async () => {
    road = [
      await makeCase({ department: 'ROAD', receivedAt: new Date('2026-01-10T01:00:00Z') }),
      await makeCase({ department: 'ROAD', status: 'closed', receivedAt: new Date('2026-01-10T02:00:00Z') }),
    ];
    parking = await makeCase({ department: 'PARKING', receivedAt: new Date('2026-01-10T03:00:00Z') });
    unrouted = await makeCase({ department: null, receivedAt: new Date('2026-01-10T04:00:00Z') });
  });

  it('shows a staff member only their own department’s cases', async () => {
    const items = await listAll(tokens.road, day);
    expect(ids(items)).toEqual([...road].reverse());
    const everything = await listAll(tokens.road, { limit: 200 });
    expect(everything.length).toBeGreaterThanOrEqual(2);
    expect(new Set(everything.map((c) => c.department))).toEqual(new Set(['ROAD']));
    expect(ids(everything)).not.toContain(parking);
    expect(ids(everything)).not.toContain(unrouted);
  });

  it('does not let a department filter widen a staff member’s scope', async () => {
    expect(await listAll(tokens.road, { ...day, department: 'PARKING' })).toEqual([]);
    expect(ids(await listAll(tokens.parking, { ...day, department: 'PARKING' }))).toEqual([parking]);
  });

  it('answers 404 for another department’s case, exactly as for a missing case', async () => {
    const other = await api(tokens.road, 'GET', `/api/cases/${parking}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ error: { code: 'not_found', message: `case ${parking} not found` } });
    const missing = await api(tokens.road, 'GET', '/api/cases/987654321');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'case 987654321 not found' } });
    // An unrouted case belongs to no department yet: no staff member sees it.
    expectError(await api(tokens.road, 'GET', `/api/cases/${unrouted}`), 404, 'not_found');
    expect((await getCase(tokens.road, road[0]!)).id).toBe(road[0]);
    expect((await getCase(tokens.parking, parking)).id).toBe(parking);
  });

  it('answers 404 to actions on another department’s case and changes nothing', async () => {
    expectError(await api(tokens.road, 'POST', `/api/cases/${parking}/replies`, { text: '답변' }), 404, 'not_found');
    expectError(await api(tokens.road, 'POST', `/api/cases/${parking}/close`, { disposition: 'resolved', text: '처리했습니다' }), 404, 'not_found');
    expectError(await api(tokens.road, 'POST', `/api/cases/${parking}/assign`, { department: 'ROAD' }), 404, 'not_found');
    for (const url of ['replies', 'close', 'assign']) {
      expectError(await api(tokens.road, 'POST', `/api/cases/987654321/${url}`, { text: 'x', disposition: 'thanks', department: 'ROAD' }), 404, 'not_found');
    }
    const unchanged = await dbCase(parking);
    expect([unchanged.status, unchanged.department_code, unchanged.closed_at]).toEqual(['assigned', 'PARKING', null]);
    expect((await dbMessages(parking)).filter((m) => m.direction === 'out')).toHaveLength(0);
    expect((await dbEvents(parking)).map((e) => e.type)).toEqual(['received']);
  });

  it('shows a manager every case, routed or not', async () => {
    expect(ids(await listAll(tokens.manager, day))).toEqual([unrouted, parking, road[1], road[0]]);
    expect((await getCase(tokens.manager, parking)).department).toBe('PARKING');
    expect((await getCase(tokens.manager, unrouted)).department).toBeNull();
  });
});

describe('list filters', () => {
  // Seoul day 2026-02-10.
  const day = { from: '2026-02-10', to: '2026-02-10', limit: 200 };
  const at = (hour: number) => new Date(Date.UTC(2026, 1, 10, hour));
  let c: { roadOpen: number; roadAnswered: number; roadClosed: number; parking: number; traffic: number; unrouted: number };

  beforeAll(async () => {
    c = {
      roadOpen: await makeCase({ department: 'ROAD', receivedAt: at(0) }),
      roadAnswered: await makeCase({ department: 'ROAD', status: 'answered', receivedAt: at(1) }),
      roadClosed: await makeCase({ department: 'ROAD', status: 'closed', receivedAt: at(2) }),
      parking: await makeCase({ department: 'PARKING', receivedAt: at(3) }),
      traffic: await makeCase({ department: 'TRAFFIC', status: 'answered', receivedAt: at(4) }),
      unrouted: await makeCase({ department: null, receivedAt: at(5) }),
    };
  });

  it('lists newest first', async () => {
    const items = await listAll(tokens.manager, day);
    expect(ids(items)).toEqual([c.unrouted, c.traffic, c.parking, c.roadClosed, c.roadAnswered, c.roadOpen]);
    const times = items.map((i) => Date.parse(i.receivedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by status', async () => {
    expect(ids(await listAll(tokens.manager, { ...day, status: 'answered' }))).toEqual([c.traffic, c.roadAnswered]);
    expect(ids(await listAll(tokens.manager, { ...day, status: 'closed' }))).toEqual([c.roadClosed]);
    expect(ids(await listAll(tokens.manager, { ...day, status: 'received' }))).toEqual([c.unrouted]);
    expect(ids(await listAll(tokens.road, { ...day, status: 'assigned' }))).toEqual([c.roadOpen]);
  });

  it('filters by department and by category', async () => {
    expect(ids(await listAll(tokens.manager, { ...day, department: 'ROAD' }))).toEqual([c.roadClosed, c.roadAnswered, c.roadOpen]);
    expect(ids(await listAll(tokens.manager, { ...day, department: 'PARKING' }))).toEqual([c.parking]);
    // PARKING and TRAFFIC both report under traffic.
    expect(ids(await listAll(tokens.manager, { ...day, category: 'traffic' }))).toEqual([c.traffic, c.parking]);
    expect(ids(await listAll(tokens.manager, { ...day, category: 'roads' }))).toEqual([c.roadClosed, c.roadAnswered, c.roadOpen]);
    expect(await listAll(tokens.manager, { ...day, category: 'welfare' })).toEqual([]);
    expect(ids(await listAll(tokens.manager, { ...day, category: 'traffic', status: 'answered' }))).toEqual([c.traffic]);
  });

  it('filters by channel', async () => {
    expect(await listAll(tokens.manager, { ...day, channel: 'sms' })).toHaveLength(6);
    expect(await listAll(tokens.manager, { ...day, channel: 'kakao' })).toEqual([]);
  });

  it('reads from/to as Seoul calendar days, both inclusive', async () => {
    const instants = [
      '2026-03-31T14:59:59.999Z', // 2026-03-31 23:59:59.999 in Seoul
      '2026-03-31T15:00:00.000Z', // 2026-04-01 00:00 in Seoul
      '2026-03-31T15:30:00.000Z', // 2026-04-01 00:30 in Seoul
      '2026-04-01T14:59:59.999Z', // 2026-04-01 23:59:59.999 in Seoul
      '2026-04-01T15:00:00.000Z', // 2026-04-02 00:00 in Seoul
    ];
    const made: number[] = [];
    for (const instant of instants) {
      const id = await makeCase({ department: 'ROAD' });
      await setReceivedAt(id, new Date(instant));
      made.push(id);
    }
    const [mar31, apr1a, apr1b, apr1c, apr2] = made as [number, number, number, number, number];
    expect(ids(await listAll(tokens.manager, { from: '2026-04-01', to: '2026-04-01' }))).toEqual([apr1c, apr1b, apr1a]);
    expect(ids(await listAll(tokens.manager, { from: '2026-03-31', to: '2026-03-31' }))).toEqual([mar31]);
    expect(ids(await listAll(tokens.manager, { from: '2026-04-02', to: '2026-04-02' }))).toEqual([apr2]);
    expect(ids(await listAll(tokens.manager, { from: '2026-03-31', to: '2026-04-02' }))).toEqual([apr2, apr1c, apr1b, apr1a, mar31]);
    expect(await listAll(tokens.manager, { from: '2026-04-02', to: '2026-04-01' })).toEqual([]);

    // Open-ended: from alone has no upper bound, to alone no lower bound.
    const fromOnly = ids(await listAll(tokens.manager, { from: '2026-04-01' }));
    expect(fromOnly).toEqual(expect.arrayContaining([apr2, apr1c, apr1b, apr1a]));
    expect(fromOnly).not.toContain(mar31);
    const toOnly = ids(await listAll(tokens.manager, { to: '2026-03-31' }));
    expect(toOnly).toContain(mar31);
    expect(toOnly).not.toContain(apr1a);
    // The Seoul date of the case shows in its receivedAt as an exact instant.
    expect((await getCase(tokens.manager, apr1b)).receivedAt).toBe('2026-03-31T15:30:00.000Z');
  });

  it('rejects invalid query values with 400 and a JSON error, never 500', async () => {
    const bad = [
      'status=bogus',
      'status=',
      'channel=fax',
      'from=2026-13-45',
      'from=yesterday',
      'to=2026-02-30', // no such day: must not roll over to March
      'from=2026-04-31',
      'to=26-04-01',
      'from=2026-04-01T00:00:00Z',
      'department=ROAD%27%3B--',
      'category=',
      'limit=0',
      'limit=201',
      'limit=abc',
      'limit=2.5',
      'status=received&status=closed',
    ];
    for (const query of bad) {
      const res = await api(tokens.manager, 'GET', `/api/cases?${query}`);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
      expectError(res, 400);
    }
    // Far-off but real days are fine: an empty page, not a database error.
    for (const query of ['from=0001-01-01&to=0001-01-01', 'from=9999-12-31', 'to=9999-12-31&limit=1']) {
      expect((await api(tokens.manager, 'GET', `/api/cases?${query}`)).statusCode, query).toBe(200);
    }
    expectError(await api(tokens.manager, 'GET', '/api/cases/abc'), 400);
    expectError(await api(tokens.manager, 'GET', '/api/cases/0'), 400);
    expectError(await api(tokens.manager, 'GET', '/api/cases/99999999999999999999'), 400);
  });
});

describe('cursor pagination', () => {
  // Seoul day 2026-06-15: ties on received_at and microsecond timestamps, as Postgres stores them.
  const day = { from: '2026-06-15', to: '2026-06-15' };
  let expected: number[];

  beforeAll(async () => {
    const times = [
      '2026-06-15T01:00:00.000Z',
      '2026-06-15T02:00:00.000Z',
      '2026-06-15T02:00:00.000Z',
      '2026-06-15T02:00:00.000Z',
      '2026-06-15T03:00:00.123456Z',
      '2026-06-15T03:00:00.123789Z',
      '2026-06-15T03:00:00.123100Z',
      '2026-06-15T03:00:00.123456Z',
      '2026-06-15T04:00:00.000Z',
      '2026-06-15T05:00:00.000Z',
      '2026-06-15T06:00:00.000Z',
    ];
    for (const [i, time] of times.entries()) {
      const id = await makeCase({ department: i % 3 === 0 ? 'PARKING' : 'ROAD' });
      await setReceivedAt(id, time);
    }
    const rows = await ctx.db
      .selectFrom('cases')
      .select('id')
      .where('received_at', '>=', new Date('2026-06-14T15:00:00Z'))
      .where('received_at', '<', new Date('2026-06-15T15:00:00Z'))
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    expected = rows.map((r) => r.id);
    expect(expected).toHaveLength(times.length);
  });

  it('walks every page without duplicates or gaps, for any page size', async () => {
    for (const limit of [1, 2, 3, 4, 11, 50]) {
      const items = await listAll(tokens.manager, { ...day, limit });
      expect(ids(items), `limit ${limit}`).toEqual(expected);
    }
  });

  it('returns exactly `limit` items per page and no cursor on the last page', async () => {
    const first = await listPage(tokens.manager, { ...day, limit: 4 });
    expect(ids(first.items)).toEqual(expected.slice(0, 4));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listPage(tokens.manager, { ...day, limit: 4, cursor: first.nextCursor! });
    expect(ids(second.items)).toEqual(expected.slice(4, 8));
    const third = await listPage(tokens.manager, { ...day, limit: 4, cursor: second.nextCursor! });
    expect(ids(third.items)).toEqual(expected.slice(8));
    expect(third.nextCursor).toBeNull();
    // A page that ends exactly at the last item has no next cursor either.
    const whole = await listPage(tokens.manager, { ...day, limit: expected.length });
    expect(whole.items).toHaveLength(expected.length);
    expect(whole.nextCursor).toBeNull();
  });

  it('keeps the scope and filters on every page', async () => {
    const road = await listAll(tokens.road, { ...day, limit: 2 });
    const roadExpected: number[] = [];
    for (const id of expected) if ((await dbCase(id)).department_code === 'ROAD') roadExpected.push(id);
    expect(ids(road)).toEqual(roadExpected);
    expect(ids(await listAll(tokens.manager, { ...day, department: 'PARKING', limit: 1 }))).toEqual(
      expected.filter((id) => !roadExpected.includes(id)),
    );
  });

  it('answers 400 invalid_cursor for a cursor the API did not issue', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const cursors = [
      'not-a-cursor',
      '!!!',
      encode({}),
      encode(null),
      encode(42),
      encode(['yesterday', 5]),
      encode(['2026-06-15T03:00:00.000Z', 1.5]),
      encode(['2026-06-15T03:00:00.000Z', '5']),
      encode(['2026-06-15T03:00:00.000Z', 1e30]), // beyond bigint
      encode(['2026-06-15T03:00:00.000Z', -1]),
      encode(['2026-02-30T03:00:00.000Z', 5]), // no such day
      encode(['-271821-04-20T00:00:00.000Z', 5]), // a JS date Postgres cannot hold
    ];
    for (const cursor of cursors) {
      const res = await api(tokens.manager, 'GET', `/api/cases?cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, `${cursor}: ${res.body}`).toBe(400);
      expectError(res, 400, 'invalid_cursor');
    }
  });
});

describe('case JSON', () => {
  const PHONE = '+821098761234';
  let caseId: number;

  beforeAll(async () => {
    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: PHONE, Body: '을지로 보도블록이 깨졌어요' }));
    expect(res.statusCode).toBe(200);
    const follow = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: PHONE, Body: '사진도 보낼게요' }));
    expect(follow.statusCode).toBe(200);
    const row = await ctx.db
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select('cases.id')
      .where('residents.phone', '=', PHONE)
      .executeTakeFirstOrThrow();
    caseId = row.id;
    await ctx.db.updateTable('cases').set({ department_code: 'ROAD', category_code: 'roads', status: 'assigned' }).where('id', '=', caseId).execute();
  });

  const phoneForms = ['+821098761234', '821098761234', '01098761234', '1098761234', '010-9876-1234', '9876'];

  it('lists a case with the contract’s fields and a masked phone', async () => {
    const res = await api(tokens.road, 'GET', `/api/cases?status=assigned&limit=200`);
    expect(res.statusCode).toBe(200);
    const item = res.json<PageJson>().items.find((i) => i.id === caseId)!;
    const row = await dbCase(caseId);
    expect(item).toMatchObject({
      id: caseId,
      caseNumber: row.case_number,
      channel: 'sms',
      status: 'assigned',
      category: 'roads',
      department: 'ROAD',
      disposition: null,
      receivedAt: row.received_at.toISOString(),
      closedAt: null,
      resident: { phone: '010-****-1234' },
    });
    expect(item.caseNumber).toMatch(/^\d{4}-\d{6}$/);
    expect(item).not.toHaveProperty('messages');
    for (const form of phoneForms) expect(res.body).not.toContain(form);
  });

  it('reads one case with messages oldest first, delivery status on outbound, and events', async () => {
    const res = await api(tokens.road, 'GET', `/api/cases/${caseId}`);
    expect(res.statusCode).toBe(200);
    for (const form of phoneForms) expect(res.body).not.toContain(form);
    const detail = res.json<CaseDetailJson>();
    expect(detail).toMatchObject({ id: caseId, channel: 'sms', status: 'assigned', department: 'ROAD', resident: { phone: '010-****-1234' } });
    expect(detail.messages.map((m) => [m.direction, m.kind])).toEqual([
      ['in', 'resident'],
      ['out', 'acknowledgement'],
      ['in', 'resident'],
      ['out', 'acknowledgement'],
    ]);
    expect(detail.messages[0]!.text).toBe('을지로 보도블록이 깨졌어요');
    expect(detail.messages[2]!.text).toBe('사진도 보낼게요');
    for (const m of detail.messages) {
      expect(new Date(m.createdAt).toISOString()).toBe(m.createdAt);
      if (m.direction === 'out') expect(m.deliveryStatus).toBe('sent');
      else expect(m).not.toHaveProperty('deliveryStatus');
    }
    // What the resident was told, naming this case.
    expect(detail.messages[1]!.text).toBe(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, detail.caseNumber));
    expect(detail.messages[3]!.text).toBe(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.followUp, detail.caseNumber));
    expect(detail.events.map((e) => e.type)).toEqual(['received', 'message_added']);
    expect(detail.events[0]).toMatchObject({ staffId: null, data: { messageId: detail.messages[0]!.id } });
  });

  it('masks Seoul landlines too', async () => {
    const id = await makeCase({ department: 'ROAD', phone: '+82212345678' });
    const res = await api(tokens.road, 'GET', `/api/cases/${id}`);
    expect(res.json<CaseDetailJson>().resident.phone).toBe('02-****-5678');
    expect(res.body).not.toContain('12345678');
  });
});

describe('POST /api/cases/:id/replies', () => {
  it('queues an interim reply, marks the case answered and records the event', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: '  현장 확인 중입니다.  ' });
    expect(res.statusCode).toBe(202);
    const { messageId } = res.json<{ messageId: number }>();
    expect(messageId).toEqual(expect.any(Number));

    const out = (await dbMessages(caseId)).filter((m) => m.direction === 'out');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ id: messageId, kind: 'interim', channel: 'sms', text: '현장 확인 중입니다.', delivery_status: 'pending', staff_id: await staffIdOf(tokens.road) });

    const detail = await getCase(tokens.road, caseId);
    expect(detail.status).toBe('answered');
    expect(detail.closedAt).toBeNull();
    expect(detail.messages.at(-1)).toMatchObject({ id: messageId, direction: 'out', kind: 'interim', text: '현장 확인 중입니다.', deliveryStatus: 'pending' });
    const replied = detail.events.filter((e) => e.type === 'replied');
    expect(replied).toHaveLength(1);
    expect(replied[0]).toMatchObject({ staffId: await staffIdOf(tokens.road), data: { messageId } });
    expect((await dbCase(caseId)).answered_at).toBeInstanceOf(Date);

    // Handed to the outbound queue; no worker runs here, so it waits there.
    const job = await ctx.app.queues.outbound.sms.getJob(jobIds.send(messageId));
    expect(job?.data).toEqual({ messageId });
  });

  it('keeps the first answer time across further replies', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: '첫 답변' })).statusCode).toBe(202);
    const firstAnswered = (await dbCase(caseId)).answered_at;
    expect((await api(tokens.road2, 'POST', `/api/cases/${caseId}/replies`, { text: '두 번째 답변' })).statusCode).toBe(202);
    const row = await dbCase(caseId);
    expect(row.status).toBe('answered');
    expect(row.answered_at).toEqual(firstAnswered);
    expect((await dbMessages(caseId)).filter((m) => m.kind === 'interim').map((m) => m.text)).toEqual(['첫 답변', '두 번째 답변']);
  });

  it('rejects empty, blank, missing and over-long text with 400 and stores nothing', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    for (const payload of [{ text: '' }, { text: '   \n\t ' }, {}, { text: null }, { text: { ko: '답' } }, { text: 'ㄱ'.repeat(4001) }]) {
      const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expectError(res, 400);
    }
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: ' ' }), 400, 'answer_required');
    expect((await dbMessages(caseId)).filter((m) => m.direction === 'out')).toHaveLength(0);
    expect((await dbCase(caseId)).status).toBe('assigned');
  });

  it('refuses an SMS answer longer than the SMS cap, before anything is stored or closed', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const tooLong = '가'.repeat(ANSWER_LIMITS.sms + 1);
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: tooLong }), 400, 'answer_too_long');
    expectError(
      await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: tooLong }),
      400,
      'answer_too_long',
    );
    expect((await dbMessages(caseId)).filter((m) => m.direction === 'out')).toHaveLength(0);
    expect((await dbCase(caseId)).status).toBe('assigned');
    // Longer than one Twilio message (1,600): accepted, it leaves in numbered parts.
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: '가'.repeat(ANSWER_LIMITS.sms) })).statusCode).toBe(202);
  });

  it('answers 409 case_closed for a closed case', async () => {
    const caseId = await makeCase({ department: 'ROAD', status: 'closed' });
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: '답변' }), 409, 'case_closed');
    expect((await dbMessages(caseId)).filter((m) => m.direction === 'out')).toHaveLength(0);
    expect((await dbCase(caseId)).status).toBe('closed');
  });

  it('lets a manager reply on any department’s case', async () => {
    const caseId = await makeCase({ department: 'PARKING' });
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/replies`, { text: '확인하겠습니다' })).statusCode).toBe(202);
    expect((await dbCase(caseId)).status).toBe('answered');
  });
});

describe('POST /api/cases/:id/assign', () => {
  it('moves the case, its category follows the department, and the old department loses it', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expect((await getCase(tokens.road, caseId)).department).toBe('ROAD');

    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: caseId, department: 'PARKING' });

    const row = await dbCase(caseId);
    expect([row.department_code, row.category_code, row.status]).toEqual(['PARKING', 'traffic', 'assigned']);
    const detail = await getCase(tokens.parking, caseId);
    expect(detail).toMatchObject({ department: 'PARKING', category: 'traffic' });
    const assigned = detail.events.filter((e) => e.type === 'assigned');
    expect(assigned).toHaveLength(1);
    expect(assigned[0]).toMatchObject({ staffId: await staffIdOf(tokens.road), data: { from: 'ROAD', to: 'PARKING' } });

    expectError(await api(tokens.road, 'GET', `/api/cases/${caseId}`), 404, 'not_found');
    expect(ids(await listAll(tokens.road, { limit: 200 }))).not.toContain(caseId);
    expect(ids(await listAll(tokens.parking, { limit: 200 }))).toContain(caseId);
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'ROAD' }), 404, 'not_found');
  });

  it('assigns an unrouted case (manager) and moves it from received to assigned', async () => {
    const caseId = await makeCase({ department: null });
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/assign`, { department: 'CLEAN' })).statusCode).toBe(200);
    const row = await dbCase(caseId);
    expect([row.department_code, row.category_code, row.status]).toEqual(['CLEAN', 'cleaning_env', 'assigned']);
    const event = (await dbEvents(caseId)).find((e) => e.type === 'assigned');
    expect(event?.data).toEqual({ from: null, to: 'CLEAN' });
  });

  it('keeps an answered case answered when it moves', async () => {
    const caseId = await makeCase({ department: 'ROAD', status: 'answered' });
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/assign`, { department: 'TRAFFIC' })).statusCode).toBe(200);
    expect((await dbCase(caseId)).status).toBe('answered');
  });

  it('answers 400 unknown_department for a department that does not exist or is inactive', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'NOPE' }), 400, 'unknown_department');
    await ctx.db.insertInto('departments').values({ code: 'OLDDEPT', name: '폐지된 부서', category_code: 'other', duties: '', keywords: '[]', active: false }).execute();
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'OLDDEPT' }), 400, 'unknown_department');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, {}), 400);
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: '' }), 400);
    const row = await dbCase(caseId);
    expect(row.department_code).toBe('ROAD');
    expect((await dbEvents(caseId)).map((e) => e.type)).toEqual(['received']);
  });

  it('answers 409 case_closed for a closed case', async () => {
    const caseId = await makeCase({ department: 'ROAD', status: 'closed' });
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING' }), 409, 'case_closed');
    expect((await dbCase(caseId)).department_code).toBe('ROAD');
  });

  it('keeps the reason on the assigned event and on the routing correction', async () => {
    const caseId = await makeCase({ department: 'ROAD', text: '버스정류장 의자가 부서졌어요' });
    const reason = '  정류장 시설물은 교통행정과 소관입니다  ';
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'TRAFFIC', reason });
    expect(res.statusCode, res.body).toBe(200);
    const detail = await getCase(tokens.manager, caseId);
    const assigned = detail.events.filter((e) => e.type === 'assigned');
    expect(assigned).toHaveLength(1);
    expect(assigned[0]!.data).toEqual({ from: 'ROAD', to: 'TRAFFIC', reason: reason.trim() });
    const corrections = await api(tokens.manager, 'GET', '/api/routing/corrections?limit=500');
    expect(corrections.statusCode).toBe(200);
    const correction = (corrections.json().items as { caseId: number; reason: string | null; department: string }[]).find((c) => c.caseId === caseId);
    expect(correction).toMatchObject({ department: 'TRAFFIC', reason: reason.trim() });
    // Not in the audit log, which holds no free text about a case.
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'case.assigned').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.detail).toEqual({ from: 'ROAD', to: 'TRAFFIC' });
  });

  it('moves without a reason as before: no reason on the event, null on the correction', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING' })).statusCode).toBe(200);
    expect((await dbEvents(caseId)).find((e) => e.type === 'assigned')?.data).toEqual({ from: 'ROAD', to: 'PARKING' });
    const correction = await ctx.db.selectFrom('routing_examples').select('reason').where('case_id', '=', caseId).executeTakeFirstOrThrow();
    expect(correction.reason).toBeNull();
  });

  it('bounds the reason: blank or over 500 characters is a 400 and nothing moves', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING', reason: '' }), 400, 'validation_failed');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING', reason: '   ' }), 400, 'reason_required');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING', reason: '가'.repeat(501) }), 400, 'validation_failed');
    expect((await dbCase(caseId)).department_code).toBe('ROAD');
    expect((await dbEvents(caseId)).map((e) => e.type)).toEqual(['received']);
    // Exactly 500 is allowed.
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/assign`, { department: 'PARKING', reason: '가'.repeat(500) })).statusCode).toBe(200);
  });
});

describe('POST /api/cases/:id/close', () => {
  it('answers 400 unknown_disposition for a code not in departments.json', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'done', text: '처리했습니다' });
    expectError(res, 400, 'unknown_disposition');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { text: '처리했습니다' }), 400);
    expect((await dbCase(caseId)).status).toBe('assigned');
  });

  it('answers 400 answer_required when an answering disposition comes without text', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    for (const disposition of ['resolved', 'scheduled', 'explained', 'under_review', 'transferred']) {
      expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition }), 400, 'answer_required');
    }
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: '   ' }), 400, 'answer_required');
    const row = await dbCase(caseId);
    expect([row.status, row.closed_at, row.disposition_code]).toEqual(['assigned', null, null]);
    expect((await dbMessages(caseId)).filter((m) => m.direction === 'out')).toHaveLength(0);
  });

  it('closes as thanks or exception without text and sends nothing', async () => {
    for (const disposition of ['thanks', 'exception']) {
      const caseId = await makeCase({ department: 'ROAD' });
      const before = Date.now();
      const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: caseId, status: 'closed', messageId: null });
      const detail = await getCase(tokens.road, caseId);
      expect(detail).toMatchObject({ status: 'closed', disposition });
      expect(Date.parse(detail.closedAt!)).toBeGreaterThanOrEqual(before - 1000);
      expect(detail.messages.filter((m) => m.direction === 'out')).toHaveLength(0);
      const closed = detail.events.filter((e) => e.type === 'closed');
      expect(closed).toHaveLength(1);
      expect(closed[0]!.data).toMatchObject({ disposition, messageId: null });
      expect((await dbCase(caseId)).answered_at).toBeNull();
    }
  });

  it('closes with an answer: an outbound answer message, pending and queued', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: '보수를 마쳤습니다.' });
    expect(res.statusCode).toBe(200);
    const { messageId } = res.json<{ messageId: number }>();
    expect(messageId).toEqual(expect.any(Number));

    const detail = await getCase(tokens.road, caseId);
    expect(detail).toMatchObject({ status: 'closed', disposition: 'resolved' });
    expect(detail.closedAt).toEqual(expect.any(String));
    expect(Date.parse(detail.closedAt!)).toBeGreaterThanOrEqual(Date.parse(detail.receivedAt));
    expect(detail.messages.at(-1)).toMatchObject({ id: messageId, direction: 'out', kind: 'answer', text: '보수를 마쳤습니다.', deliveryStatus: 'pending' });
    expect(detail.events.find((e) => e.type === 'closed')?.data).toMatchObject({ disposition: 'resolved', messageId });
    const row = await dbCase(caseId);
    expect(row.answered_at).toEqual(row.closed_at);
    expect((await ctx.app.queues.outbound.sms.getJob(jobIds.send(messageId)))?.data).toEqual({ messageId });
  });

  it('sends an answer text given with thanks too', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'thanks', text: '격려 감사합니다.' });
    expect(res.statusCode).toBe(200);
    const out = (await dbMessages(caseId)).filter((m) => m.direction === 'out');
    expect(out.map((m) => [m.kind, m.text, m.delivery_status])).toEqual([['answer', '격려 감사합니다.', 'pending']]);
  });

  it('answers 409 case_closed when closing twice, and keeps the first closing', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: '처리했습니다' })).statusCode).toBe(200);
    const first = await dbCase(caseId);
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'thanks' }), 409, 'case_closed');
    const after = await dbCase(caseId);
    expect([after.disposition_code, after.closed_at]).toEqual(['resolved', first.closed_at]);
    expect((await dbMessages(caseId)).filter((m) => m.kind === 'answer')).toHaveLength(1);
    expect((await dbEvents(caseId)).filter((e) => e.type === 'closed')).toHaveLength(1);
  });

  it('closes once when two closings race', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const results = await Promise.all([
      api(tokens.road, 'POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: '처리 1' }),
      api(tokens.road2, 'POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: '처리 2' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await dbMessages(caseId)).filter((m) => m.kind === 'answer')).toHaveLength(1);
  });
});

describe('POST /api/cases/:id/notes', () => {
  it('keeps an internal note: shown with the case, named by an event without its text, audited, never sent', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    const outBefore = (await dbMessages(caseId)).filter((m) => m.direction === 'out').length;
    const jobsBefore = await ctx.app.queues.outbound.sms.count();
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/notes`, { text: '  민원인이 오후에만 통화 가능하다고 함  ' });
    expect(res.statusCode, res.body).toBe(201);
    const note = res.json<{ id: number; staffId: number; staffName: string; text: string; createdAt: string }>();
    expect(note).toMatchObject({ id: expect.any(Number), staffId: await staffIdOf(tokens.road), staffName: 'staff-ROAD', text: '민원인이 오후에만 통화 가능하다고 함' });

    // Colleagues of the department and managers see it, oldest first.
    await api(tokens.manager, 'POST', `/api/cases/${caseId}/notes`, { text: '현장 사진 요청 필요' });
    for (const token of [tokens.road, tokens.road2, tokens.manager]) {
      const detail = await getCase(token, caseId) as CaseDetailJson & { notes: { id: number; text: string; staffId: number }[] };
      expect(detail.notes.map((n) => n.text)).toEqual(['민원인이 오후에만 통화 가능하다고 함', '현장 사진 요청 필요']);
      expect(detail.notes[0]!.id).toBe(note.id);
      const added = detail.events.filter((e) => e.type === 'note_added');
      expect(added.map((e) => e.data)).toEqual([{ noteId: note.id }, { noteId: detail.notes[1]!.id }]);
      expect(JSON.stringify(detail.events)).not.toContain('통화 가능');
      // Not among the messages: nothing went or waits to go to the resident.
      expect(JSON.stringify(detail.messages)).not.toContain('통화 가능');
    }
    expect((await dbMessages(caseId)).filter((m) => m.direction === 'out')).toHaveLength(outBefore);
    expect(await ctx.app.queues.outbound.sms.count()).toBe(jobsBefore);

    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'case.note_added').orderBy('id').execute();
    const mine = audit.filter((a) => a.case_ids.map(Number).includes(caseId));
    expect(mine.map((a) => a.detail)).toEqual([{ noteId: note.id }, { noteId: expect.any(Number) }]);
    expect(mine[0]!.staff_id).toBe(await staffIdOf(tokens.road));
    expect(JSON.stringify(mine)).not.toContain('통화');
  });

  it('takes notes on a closed case too, but not on one purged under retention', async () => {
    const closed = await makeCase({ department: 'ROAD', status: 'closed' });
    expect((await api(tokens.road, 'POST', `/api/cases/${closed}/notes`, { text: '종결 후 재문의 예상' })).statusCode).toBe(201);
    await ctx.db.updateTable('cases').set({ purged_at: new Date() }).where('id', '=', closed).execute();
    expectError(await api(tokens.road, 'POST', `/api/cases/${closed}/notes`, { text: '파기 후 메모' }), 409, 'case_purged');
    expect(await ctx.db.selectFrom('case_notes').select('text').where('case_id', '=', closed).execute()).toEqual([{ text: '종결 후 재문의 예상' }]);
  });

  it('answers 404 for another department’s case and 403 to operators and admins, and stores nothing', async () => {
    const parking = await makeCase({ department: 'PARKING' });
    expectError(await api(tokens.road, 'POST', `/api/cases/${parking}/notes`, { text: '메모' }), 404, 'not_found');
    expectError(await api(tokens.road, 'POST', '/api/cases/987654321/notes', { text: '메모' }), 404, 'not_found');
    for (const token of [tokens.operator, tokens.admin]) {
      expectError(await api(token, 'POST', `/api/cases/${parking}/notes`, { text: '메모' }), 403, 'forbidden');
    }
    expect(await ctx.db.selectFrom('case_notes').select('id').where('case_id', '=', parking).execute()).toEqual([]);
    expect((await dbEvents(parking)).map((e) => e.type)).toEqual(['received']);
  });

  it('rejects empty, blank and over-long text with 400', async () => {
    const caseId = await makeCase({ department: 'ROAD' });
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/notes`, {}), 400, 'validation_failed');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/notes`, { text: '' }), 400, 'validation_failed');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/notes`, { text: ' \n ' }), 400, 'text_required');
    expectError(await api(tokens.road, 'POST', `/api/cases/${caseId}/notes`, { text: '가'.repeat(2001) }), 400, 'validation_failed');
    expect(await ctx.db.selectFrom('case_notes').select('id').where('case_id', '=', caseId).execute()).toEqual([]);
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/notes`, { text: '가'.repeat(2000) })).statusCode).toBe(201);
  });
});
