// GET /api/cases?q=: by case number, by the last four digits of the resident's phone, by words
// of the messages (Korean substrings through a trigram index). This file's database holds only
// the cases made here, so every expected result is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
import { SHORT_WORD_WINDOW_DAYS } from '../src/cases/case-search.js';

let ctx: TestContext;
const tokens = { road: '', parking: '', manager: '' };

interface Page {
  items: { id: number; caseNumber: string; status: string }[];
  nextCursor: string | null;
  search?: { wordsSince: string | null };
}

function search(token: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return ctx.app.inject({ method: 'GET', url: `/api/cases?${qs}`, headers: { authorization: `Bearer ${token}` } });
}

async function found(token: string, query: Record<string, string | number>): Promise<number[]> {
  const res = await search(token, { limit: 200, ...query });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>().items.map((c) => c.id);
}

async function addMessage(caseId: number, direction: 'in' | 'out', text: string, kind: 'resident' | 'answer' | 'acknowledgement' = direction === 'in' ? 'resident' : 'answer') {
  await ctx.db
    .insertInto('messages')
    .values({ case_id: caseId, direction, kind, channel: 'sms', text, provider: 'twilio', ...(direction === 'out' ? { delivery_status: 'sent' } : {}) })
    .execute();
}

async function setReceivedAt(caseId: number, at: Date) {
  await sql`update cases set received_at = ${at} where id = ${caseId}`.execute(ctx.db);
}

async function caseNumberOf(caseId: number) {
  return (await ctx.db.selectFrom('cases').select('case_number').where('id', '=', caseId).executeTakeFirstOrThrow()).case_number;
}

const DAY_MS = 24 * 3600_000;
let c: Record<'streetlight' | 'parkingLot' | 'noise' | 'cctv' | 'percent' | 'oldShort' | 'recentShort' | 'closed' | 'kakaoLike', number>;

beforeAll(async () => {
  ctx = await createTestContext();
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.parking = await ctx.staffToken('staff', 'PARKING');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  c = {
    streetlight: (await makeCase(ctx.db, { department: 'ROAD', phone: '+821011114321', text: '을지로 골목 가로등이 꺼져 있어요' })).caseId,
    parkingLot: (await makeCase(ctx.db, { department: 'PARKING', phone: '+821022224321', text: '공영주차장 가로등이 나갔습니다' })).caseId,
    noise: (await makeCase(ctx.db, { department: 'ROAD', phone: '+821033335555', text: '새벽 공사 소음이 심합니다' })).caseId,
    cctv: (await makeCase(ctx.db, { department: 'ROAD', text: '골목에 CCTV를 달아 주세요' })).caseId,
    percent: (await makeCase(ctx.db, { department: 'ROAD', text: '보도 공사가 50% 끝났다고 들었어요' })).caseId,
    oldShort: (await makeCase(ctx.db, { department: 'ROAD', text: '주차 문제로 연락드립니다 (예전 민원)' })).caseId,
    recentShort: (await makeCase(ctx.db, { department: 'ROAD', text: '불법 주차 차량이 많아요' })).caseId,
    closed: (await makeCase(ctx.db, { department: 'ROAD', status: 'closed', text: '가로등 교체 감사합니다' })).caseId,
    kakaoLike: (await makeCase(ctx.db, { department: 'ROAD', text: '5000원 주차비가 비싸요' })).caseId,
  };
  // An answer and a follow-up of the streetlight case: words are looked for in every message.
  await addMessage(c.streetlight, 'out', '현장 점검 후 전구를 교체하겠습니다');
  await addMessage(c.noise, 'out', '[구청장 소통폰] 보내주신 내용이 접수되었습니다.', 'acknowledgement');
  await setReceivedAt(c.oldShort, new Date(Date.now() - 200 * DAY_MS));
});
afterAll(async () => {
  await ctx?.close();
});

describe('search by case number', () => {
  it('finds a case by its number, with or without the year and the zeros', async () => {
    const number = await caseNumberOf(c.noise);
    const [year, serial] = number.split('-') as [string, string];
    const bare = String(Number(serial));
    for (const q of [number, `${year}-${bare}`, serial, bare]) {
      expect(await found(tokens.manager, { q }), q).toEqual([c.noise]);
    }
    // Another year's number with the same serial is another case.
    expect(await found(tokens.manager, { q: `${Number(year) - 1}-${serial}` })).toEqual([]);
  });

  it('never finds another department’s case, even by its exact number', async () => {
    const number = await caseNumberOf(c.parkingLot);
    expect(await found(tokens.road, { q: number })).toEqual([]);
    expect(await found(tokens.parking, { q: number })).toEqual([c.parkingLot]);
  });
});

describe('search by the last four digits of the phone', () => {
  it('finds every case in scope whose resident’s number ends so', async () => {
    expect(await found(tokens.manager, { q: '4321' })).toEqual([c.parkingLot, c.streetlight]);
    expect(await found(tokens.road, { q: '4321' })).toEqual([c.streetlight]);
    expect(await found(tokens.parking, { q: '4321' })).toEqual([c.parkingLot]);
    expect(await found(tokens.manager, { q: '5555' })).toEqual([c.noise]);
    // Only the last four: digits from the middle of a number find nothing.
    expect(await found(tokens.manager, { q: '1111' })).toEqual([]);
  });

  it('uses an index over the stored number rather than a second copy of it', async () => {
    const columns = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and (column_name like '%phone%' or column_name like '%last4%')
      order by table_name`.execute(ctx.db);
    // The notice consent ledger (src/notices) keeps the number a resident consented with: a record
    // the law asks for, not a copy made for search. No table keeps a last-four column.
    expect(columns.rows).toEqual([
      { table_name: 'notice_consent_events', column_name: 'phone' },
      { table_name: 'notice_consents', column_name: 'phone' },
      { table_name: 'residents', column_name: 'phone' },
    ]);
  });
});

describe('search by words of the messages', () => {
  it('finds Korean substrings of three characters or more, in any message of the case, within scope', async () => {
    expect(await found(tokens.manager, { q: '가로등' })).toEqual([c.closed, c.parkingLot, c.streetlight]);
    expect(await found(tokens.road, { q: '가로등' })).toEqual([c.closed, c.streetlight]);
    expect(await found(tokens.parking, { q: '가로등' })).toEqual([c.parkingLot]);
    // Inside a word (을지로 골목 … 꺼져): a substring, not a whole word.
    expect(await found(tokens.manager, { q: '꺼져 있' })).toEqual([c.streetlight]);
    // In the office's answer.
    expect(await found(tokens.manager, { q: '전구를' })).toEqual([c.streetlight]);
  });

  it('needs every word, each in some message of the same case', async () => {
    // 을지로 is in the resident's message, 전구를 in the answer.
    expect(await found(tokens.manager, { q: '을지로 전구를' })).toEqual([c.streetlight]);
    expect(await found(tokens.manager, { q: '가로등 공영주차장' })).toEqual([c.parkingLot]);
    expect(await found(tokens.manager, { q: '가로등 소음이' })).toEqual([]);
  });

  it('ignores letter case, and takes % and _ literally', async () => {
    expect(await found(tokens.manager, { q: 'cctv' })).toEqual([c.cctv]);
    expect(await found(tokens.manager, { q: 'Cctv를' })).toEqual([c.cctv]);
    expect(await found(tokens.manager, { q: '50%' })).toEqual([c.percent]);
    expect(await found(tokens.manager, { q: '5_0' })).toEqual([]);
  });

  it('does not find every case by the acknowledgement all of them were sent', async () => {
    expect(await found(tokens.manager, { q: '접수되었습니다' })).toEqual([]);
  });

  it('matches a query written with decomposed Hangul (NFD) as the same words', async () => {
    expect(await found(tokens.manager, { q: '가로등'.normalize('NFD') })).toEqual([c.closed, c.parkingLot, c.streetlight]);
  });

  it('looks for two-character words alone only in the recent window, and says from when', async () => {
    const res = await search(tokens.manager, { q: '주차', limit: 200 });
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.items.map((i) => i.id)).toEqual([c.kakaoLike, c.recentShort, c.parkingLot]);
    const since = Date.parse(page.search!.wordsSince!);
    expect(Date.now() - since).toBeGreaterThan(SHORT_WORD_WINDOW_DAYS * DAY_MS);
    expect(Date.now() - since).toBeLessThan((SHORT_WORD_WINDOW_DAYS + 1) * DAY_MS);
    // A period ending at `to` reaches the older case.
    const at = new Date(Date.now() - 200 * DAY_MS + 9 * 3600_000).toISOString().slice(0, 10);
    expect(await found(tokens.manager, { q: '주차', from: at, to: at })).toEqual([c.oldShort]);
    // Beside a longer word, a two-character word searches every date.
    const both = await search(tokens.manager, { q: '주차 연락드립니다', limit: 200 });
    expect(both.json<Page>().items.map((i) => i.id)).toEqual([c.oldShort]);
    expect(both.json<Page>().search).toEqual({ wordsSince: null });
  });

  it('answers 400 for a query with nothing to look for, and for too many words', async () => {
    for (const q of ['가', ' 가 ', 'a']) {
      const res = await search(tokens.manager, { q });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('search_too_short');
    }
    const many = await search(tokens.manager, { q: '가로 세로 높이 너비 깊이 무게' });
    expect(many.statusCode).toBe(400);
    expect(many.json().error.code).toBe('search_too_long');
    expect((await search(tokens.manager, { q: '' })).statusCode).toBe(400);
    expect((await search(tokens.manager, { q: '가'.repeat(101) })).statusCode).toBe(400);
  });
});

describe('search with the list’s filters and paging', () => {
  it('combines with status and the other filters', async () => {
    expect(await found(tokens.manager, { q: '가로등', status: 'closed' })).toEqual([c.closed]);
    expect(await found(tokens.manager, { q: '가로등', department: 'PARKING' })).toEqual([c.parkingLot]);
    expect(await found(tokens.manager, { q: '가로등', channel: 'kakao' })).toEqual([]);
  });

  it('walks every match page by page', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await search(tokens.manager, { q: '가로등', limit: 1, ...(cursor ? { cursor } : {}) });
      const page = res.json<Page>();
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([c.closed, c.parkingLot, c.streetlight]);
  });

  it('audits a search by what it looked for, never by the words', async () => {
    await found(tokens.road, { q: '을지로 골목' });
    const entry = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'cases.listed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(entry.detail).toMatchObject({ search: ['words'] });
    expect(JSON.stringify(entry.detail)).not.toContain('을지로');
    await found(tokens.road, { q: '4321' });
    const byPhone = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'cases.listed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(byPhone.detail).toMatchObject({ search: ['case_number', 'phone_last4', 'words'] });
    expect(JSON.stringify(byPhone.detail)).not.toContain('4321');
  });
});

describe('the trigram index on message text', () => {
  it('holds Hangul as word characters under this database’s locale', async () => {
    const { rows } = await sql<{ n: number }>`select cardinality(show_trgm('가로등')) as n`.execute(ctx.db);
    // "  가", " 가로", "가로등", "로등 ": a locale that took Hangul for punctuation would give none.
    expect(rows[0]!.n).toBe(4);
  });

  it('serves a Korean substring search: the index itself returns only the matching rows', async () => {
    // Enough other messages that a scan of everything would show in the index's row count.
    await sql`
      insert into messages (case_id, direction, kind, channel, text, provider)
      select ${c.noise}, 'in', 'resident', 'sms', '주민센터 앞 도로 포장 민원 ' || g, 'twilio' from generate_series(1, 2000) g`.execute(ctx.db);
    await sql`analyze messages`.execute(ctx.db);
    const plan = await ctx.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': unknown }>`
        explain (analyze, format json)
        select m.case_id from messages m where m.text ilike ${'%가로등%'} and m.kind <> 'acknowledgement'`.execute(trx);
      return JSON.stringify(rows[0]!['QUERY PLAN']);
    });
    expect(plan).toContain('"Index Name":"messages_text_trgm_idx"');
    const indexRows = /"Node Type":"Bitmap Index Scan".*?"Actual Rows":(\d+)/.exec(plan);
    expect(Number(indexRows?.[1])).toBeLessThanOrEqual(3);
    expect(await found(tokens.manager, { q: '가로등' })).toEqual([c.closed, c.parkingLot, c.streetlight]);
  });
});
