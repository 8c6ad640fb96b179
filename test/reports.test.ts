// The report API against figures worked out by hand from test/support/report-dataset.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { OCTOBER, kst, seedCases } from './support/report-dataset.js';
import { addStoredPhoto } from './support/photos.js';
import { insertMessage } from '../src/cases/message-repository.js';

let ctx: TestContext;
const tokens = { manager: '', road: '', operator: '', admin: '' };
let numbers: Record<string, string>;

beforeAll(async () => {
  ctx = await createTestContext();
  numbers = await seedCases(ctx.db, OCTOBER, 'R2026');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.operator = await ctx.staffToken('operator', 'AUDIT');
  tokens.admin = await ctx.staffToken('admin', 'AUDIT');
});
afterAll(async () => {
  await ctx?.close();
});

const get = (token: string | null, url: string) =>
  ctx.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

const CATEGORIES = ['building_housing', 'economy_tax', 'roads', 'traffic', 'culture_design', 'health_hygiene', 'welfare', 'cleaning_env', 'other'];
const DISPOSITIONS = ['resolved', 'scheduled', 'explained', 'under_review', 'transferred', 'thanks', 'exception'];

describe('GET /api/reports/summary', () => {
  it('gives the district tables for October exactly as worked out by hand', async () => {
    const res = await get(tokens.manager, '/api/reports/summary?from=2026-10-01&to=2026-10-31');
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    // Received in October (Seoul): A, C, D, E, F, G, H. B (30 Sep 23:30) and I (1 Nov 00:00) are not.
    expect(s.period).toEqual({ from: '2026-10-01', to: '2026-10-31', days: 31 });
    expect(s.received).toBe(7);
    expect(Object.keys(s.byCategory).sort()).toEqual([...CATEGORIES].sort());
    expect(s.byCategory).toEqual({
      building_housing: 0, economy_tax: 0, roads: 3, traffic: 0, culture_design: 0,
      health_hygiene: 0, welfare: 1, cleaning_env: 1, other: 1,
    });
    expect(s.unclassified).toBe(1); // F
    expect(s.byChannel).toEqual({ sms: 3, kakao: 2, visit: 1, web: 1 });
    // Closed in October: A and H (resolved), B (scheduled), C (explained); G closed on 2 Nov.
    expect(Object.keys(s.byDisposition).sort()).toEqual([...DISPOSITIONS].sort());
    expect(s.byDisposition).toEqual({ resolved: 2, scheduled: 1, explained: 1, under_review: 0, transferred: 0, thanks: 0, exception: 0 });
    expect(s.closed).toBe(4);
    expect(s.completionRate).toBe(0.75); // (2 + 1) / 4
    expect(s.answerRate).toBeCloseTo(5 / 7, 12); // A, C, E, G, H got an answer
    expect(s.dailyAverageReceived).toBeCloseTo(7 / 31, 12);
    expect(s.dailyAverageClosed).toBeCloseTo(4 / 31, 12);
    expect(s.averageProcessingDays).toBeCloseTo((2 + 1.5 + 5 + 10) / 4, 9); // 4.625
    // Open at the end of October: D, E, F and G (closed later); overdue then: E (13 Oct) and G (28 Oct).
    expect(s.open).toBe(4);
    expect(s.overdue).toBe(2);
    expect(s.closedLate).toBe(1); // H, closed 17 Oct, due 15 Oct
  });

  it('gives staff the figures of their own department only', async () => {
    const s = (await get(tokens.road, '/api/reports/summary?from=2026-10-01&to=2026-10-31')).json();
    expect(s.scope).toBe('ROAD');
    expect(s.received).toBe(3); // A, D, H
    expect(s.byCategory.roads).toBe(3);
    expect(s.byCategory.welfare).toBe(0);
    expect(s.byDisposition.resolved).toBe(2);
    expect(s.closed).toBe(2);
    expect(s.completionRate).toBe(1);
    expect(s.open).toBe(1); // D
    expect(s.overdue).toBe(0);
  });

  it('counts a single day, inclusive, on Seoul dates', async () => {
    const s = (await get(tokens.manager, '/api/reports/summary?from=2026-10-31&to=2026-10-31')).json();
    expect(s.period.days).toBe(1);
    expect(s.received).toBe(1); // D at 23:59
    expect(s.byChannel.web).toBe(1);
    expect(s.closed).toBe(0);
    expect(s.completionRate).toBe(0);
    expect(s.averageProcessingDays).toBe(0);
  });

  it('gives one row per case received as CSV with a BOM, for Excel', async () => {
    const res = await get(tokens.manager, '/api/reports/summary?from=2026-10-01&to=2026-10-31&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="sotong-cases-all-2026-10-01-2026-10-31.csv"');
    const raw = res.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = raw.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'caseNumber,receivedAt,channel,category,categoryLabel,department,departmentName,kind,status,disposition,dispositionLabel,deadlineDays,dueAt,extended,answeredAt,closedAt,processingDays,overdue,satisfactionAsked,satisfactionScore,photos',
    );
    expect(lines).toHaveLength(1 + 7);
    // Oldest first; times in Seoul.
    expect(lines[1]).toBe(`${numbers.A},2026-10-01 00:30,sms,roads,도로정비,ROAD,도로과,complaint,closed,resolved,처리완료,7,2026-10-12 18:00,N,2026-10-02 10:00,2026-10-03 00:30,2.00,N,N,,0`);
    const h = lines.find((l) => l.startsWith(numbers.H!))!;
    expect(h.endsWith(',10.00,Y,N,,0')).toBe(true); // closed after its due time (no satisfaction question, no photo)
    const f = lines.find((l) => l.startsWith(numbers.F!))!;
    expect(f).toBe(`${numbers.F},2026-10-10 12:00,kakao,,,,,,received,,,,,N,,,,N,N,,0`);
    expect(raw.toString('utf8')).not.toContain('+8210');
  });

  it("counts in the CSV's `photos` the files each resident sent with the case, kept or refused", async () => {
    const caseA = await ctx.db.selectFrom('cases').select('id').where('case_number', '=', numbers.A!).executeTakeFirstOrThrow();
    // An MMS with two pictures, on A: one kept, one the attachments worker refused.
    const mms = await insertMessage(ctx.db, {
      case_id: caseA.id,
      direction: 'in',
      kind: 'resident',
      channel: 'sms',
      text: '사진 보냅니다',
      provider: 'twilio',
      provider_message_id: 'MM-report-photos',
      created_at: kst('2026-10-01T00:35'),
    });
    await addStoredPhoto(ctx.db, ctx.app.attachmentStore, caseA.id, mms.id);
    await ctx.db
      .insertInto('message_attachments')
      .values({ message_id: mms.id, case_id: caseA.id, position: 1, provider: 'twilio', source_url: null, declared_type: 'video/mp4', status: 'refused', note: '사진이 아닌 파일', content_type: null, bytes: null, width: null, height: null, storage_key: null, thumbnail_key: null, thumbnail_bytes: null, latitude: null, longitude: null, stored_at: null, purged_at: null })
      .execute();

    const res = await get(tokens.manager, '/api/reports/summary?from=2026-10-01&to=2026-10-31&format=csv');
    const [header, ...rows] = res.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    const photosAt = header!.split(',').indexOf('photos');
    expect(photosAt).toBe(header!.split(',').length - 1);
    const photosOf = Object.fromEntries(rows.map((r) => [r.split(',')[0], r.split(',')[photosAt]]));
    expect(photosOf[numbers.A!]).toBe('2');
    for (const key of ['C', 'D', 'E', 'F', 'G', 'H']) expect(photosOf[numbers[key]!]).toBe('0');
    // The summary counts the same case once, among those received with photos.
    expect((await get(tokens.manager, '/api/reports/summary?from=2026-10-01&to=2026-10-31')).json().withPhotos).toBe(1);
  });

  it('refuses bad periods with 400 and other roles with 401/403', async () => {
    expect((await get(tokens.manager, '/api/reports/summary?from=2026-10-31&to=2026-10-01')).json().error.code).toBe('invalid_period');
    expect((await get(tokens.manager, '/api/reports/summary?from=2026-02-30&to=2026-03-01')).json().error.code).toBe('invalid_date');
    // Only `from`, after today: up to today is an empty period.
    expect((await get(tokens.manager, '/api/reports/summary?from=2999-01-01')).json().error.code).toBe('invalid_period');
    expect((await get(tokens.manager, '/api/reports/summary?from=2026-10-01&to=2026-10-31&format=xlsx')).statusCode).toBe(400);
    expect((await get(null, '/api/reports/summary?from=2026-10-01&to=2026-10-31')).statusCode).toBe(401);
    expect((await get(tokens.operator, '/api/reports/summary?from=2026-10-01&to=2026-10-31')).statusCode).toBe(403);
    expect((await get(tokens.admin, '/api/reports/summary?from=2026-10-01&to=2026-10-31')).statusCode).toBe(403);
  });
});

describe('GET /api/reports/summary without dates', () => {
  // Only Date is faked: Postgres, Redis and fastify's timers run as usual.
  const at = (iso: string) => vi.useFakeTimers({ toFake: ['Date'], now: new Date(iso) });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports the month so far, from the 1st to today in Seoul, as the report page does', async () => {
    at('2026-10-31T14:00:00Z'); // 31 Oct, 23:00 in Seoul
    const s = (await get(tokens.manager, '/api/reports/summary')).json();
    expect(s.period).toEqual({ from: '2026-10-01', to: '2026-10-31', days: 31 });
    expect(s.received).toBe(7);
    expect(s.closed).toBe(4);
  });

  it('takes the month and the day from Seoul time, not UTC', async () => {
    at('2026-10-31T15:30:00Z'); // still 31 Oct in UTC; 1 Nov, 00:30 in Seoul
    const s = (await get(tokens.manager, '/api/reports/summary')).json();
    expect(s.period).toEqual({ from: '2026-11-01', to: '2026-11-01', days: 1 });
    expect(s.received).toBe(1); // I, at midnight
  });

  it('with only `to`, reports its month up to that day; with only `from`, up to today', async () => {
    at('2026-10-20T03:00:00Z'); // 20 Oct, noon in Seoul
    const to = (await get(tokens.manager, '/api/reports/summary?to=2026-10-14')).json();
    expect(to.period).toEqual({ from: '2026-10-01', to: '2026-10-14', days: 14 });
    expect(to.received).toBe(4); // A, E, F, H
    const from = (await get(tokens.manager, '/api/reports/summary?from=2026-10-15')).json();
    expect(from.period).toEqual({ from: '2026-10-15', to: '2026-10-20', days: 6 });
    expect(from.received).toBe(2); // C, G
    expect((await get(tokens.manager, '/api/reports/summary?from=2026-10-21')).json().error.code).toBe('invalid_period');
  });

  it('gives the CSV of the month so far too', async () => {
    at('2026-10-31T14:00:00Z');
    const res = await get(tokens.manager, '/api/reports/summary?format=csv');
    expect(res.statusCode, res.body).toBe(200);
    // The BOM, the header, then one row per case received in October.
    expect(res.body.replace(/^\uFEFF/, '').trim().split('\r\n')).toHaveLength(1 + 7);
  });
});

describe('GET /api/reports/trend', () => {
  it('gives one summary per month', async () => {
    const res = await get(tokens.manager, '/api/reports/trend?by=month&from=2026-09-01&to=2026-11-30');
    expect(res.statusCode, res.body).toBe(200);
    const t = res.json();
    expect(t.periods.map((p: { period: string }) => p.period)).toEqual(['2026-09', '2026-10', '2026-11']);
    const [sep, oct, nov] = t.periods;
    expect([sep.received, sep.closed]).toEqual([1, 0]); // B
    expect([oct.received, oct.closed, oct.completionRate]).toEqual([7, 4, 0.75]);
    expect([nov.received, nov.closed]).toEqual([1, 1]); // I received, G closed
    expect(nov.byDisposition.thanks).toBe(1);
    expect(oct.byCategory.roads).toBe(3);
  });

  it('gives one summary per quarter, clipped to the period', async () => {
    const t = (await get(tokens.manager, '/api/reports/trend?by=quarter&from=2026-09-01&to=2026-11-30')).json();
    expect(t.periods.map((p: { period: string; from: string; to: string }) => [p.period, p.from, p.to])).toEqual([
      ['2026-Q3', '2026-09-01', '2026-09-30'],
      ['2026-Q4', '2026-10-01', '2026-11-30'],
    ]);
    expect(t.periods[1].received).toBe(8);
    expect(t.periods[1].closed).toBe(5);
  });

  it('refuses an unknown grouping', async () => {
    expect((await get(tokens.manager, '/api/reports/trend?by=week')).statusCode).toBe(400);
  });
});
