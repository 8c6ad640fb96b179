// Importing the district's existing list of subscribers into the consent ledger (docs/notices.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { importConsents, parseCsv } from '../src/notices/consent-import.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const MAPPING = { phone: '휴대전화', consentedAt: '동의일', dong: '행정동', segments: '관심분야' };
const WORDING = '중구청 소식 알림(카카오 알림톡·문자) 수신에 동의합니다.';
const FILE = [
  '이름,휴대전화,동의일,행정동,관심분야',
  '홍길동,010-3000-0001,2025-03-05,신당동,복지|문화',
  '"김, 철수",01030000002,2025.04.01,회현동,',
  '이영희,+82 10-3000-0003,2025/5/9,명동,환경',
  '박민수,02-2260-1234,2025-05-10,명동,', // a landline: rejected
  '최지우,010-3000-0005,2025-13-40,필동,', // no such date: rejected
  '정하늘,,2025-05-10,필동,', // no number: rejected
  '한가람,010-3000-0001,2025-06-01,신당동,', // the same number again: rejected
  '오세훈,010-3000-0008,2099-01-01,신당동,', // in the future: rejected
].join('\r\n');

describe('parseCsv', () => {
  it('reads quotes, commas and doubled quotes inside them, CRLF and a BOM', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, ""y""",z\n')).toEqual([['a', 'b'], ['x, "y"', 'z']]);
  });
});

describe('importConsents', () => {
  it('imports valid rows with normalised numbers, reports each rejected line, and changes nothing the second time', async () => {
    const first = await importConsents(ctx.db, FILE, { mapping: MAPPING, consentText: WORDING, source: 'junggu-subscribers.csv' });
    expect(first).toEqual({
      rows: 8,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      rejected: [
        { line: 5, reason: 'not a Korean mobile number' },
        { line: 6, reason: 'no valid date of consent' },
        { line: 7, reason: 'no phone number' },
        { line: 8, reason: 'same number as line 2' },
        { line: 9, reason: 'date of consent in the future' },
      ],
    });
    const rows = await ctx.db.selectFrom('notice_consents').selectAll().orderBy('phone').execute();
    expect(rows.map((r) => [r.phone, r.dong, r.segments, r.status, r.consent_channel, r.consent_text, r.source])).toEqual([
      ['+821030000001', '신당동', ['복지', '문화'], 'active', 'import', WORDING, 'junggu-subscribers.csv'],
      ['+821030000002', '회현동', [], 'active', 'import', WORDING, 'junggu-subscribers.csv'],
      ['+821030000003', '명동', ['환경'], 'active', 'import', WORDING, 'junggu-subscribers.csv'],
    ]);
    // 2025-03-05 is midnight Seoul time.
    expect(rows[0]!.consented_at!.toISOString()).toBe('2025-03-04T15:00:00.000Z');

    const again = await importConsents(ctx.db, FILE, { mapping: MAPPING, consentText: WORDING, source: 'junggu-subscribers.csv' });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await ctx.db.selectFrom('notice_consents').select('id').execute()).toHaveLength(3);
  });

  it('never subscribes again a number that withdrew after the date in the file', async () => {
    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: '+821030000002', Body: '수신거부' }));
    expect(res.statusCode).toBe(200);
    const report = await importConsents(ctx.db, FILE, { mapping: MAPPING, consentText: WORDING, source: 'junggu-subscribers.csv' });
    expect(report.rejected).toContainEqual({ line: 3, reason: 'withdrew after this consent: stays withdrawn' });
    expect(await ctx.db.selectFrom('notice_consents').select('status').where('phone', '=', '+821030000002').executeTakeFirstOrThrow()).toEqual({ status: 'withdrawn' });
  });

  it('refuses a mapping naming a column the file does not have, and a file without any consent wording', async () => {
    await expect(importConsents(ctx.db, FILE, { mapping: { ...MAPPING, phone: '전화' }, consentText: WORDING, source: 'x.csv' })).rejects.toThrow(/no column "전화"/);
    await expect(importConsents(ctx.db, FILE, { mapping: MAPPING, source: 'x.csv' })).rejects.toThrow(/consent wording/);
  });

  it('imports through the staff API too (managers and admins), audited, and refuses a mapping the file does not fit', async () => {
    const token = await ctx.staffToken('manager');
    const csv = '휴대전화,동의일\n010-3000-0009,2025-07-01\n010-3000-0010,어제\n';
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/notice-consents/import',
      headers: { authorization: `Bearer ${token}` },
      payload: { csv, mapping: { phone: '휴대전화', consentedAt: '동의일' }, consentText: WORDING, source: 'api.csv' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ rows: 2, inserted: 1, updated: 0, unchanged: 0, rejected: [{ line: 3, reason: 'no valid date of consent' }] });
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'notice_consents.imported').execute();
    expect(audit).toEqual([{ action: 'notice_consents.imported', detail: { source: 'api.csv', inserted: 1, updated: 0, rejected: 1 } }]);
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/notice-consents/import',
      headers: { authorization: `Bearer ${token}` },
      payload: { csv, mapping: { phone: '전화', consentedAt: '동의일' }, consentText: WORDING, source: 'api.csv' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_mapping');
    await ctx.db.deleteFrom('notice_consents').where('phone', '=', '+821030000009').execute();
  });

  it('shows the ledger on /metrics', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/sotong_notice_consents\{status="active"\} 2/);
    expect(res.body).toMatch(/sotong_notice_consents\{status="withdrawn"\} 1/);
    expect(res.body).toMatch(/sotong_queue_jobs\{queue="notices",state="waiting"\} \d+/);
  });
});
