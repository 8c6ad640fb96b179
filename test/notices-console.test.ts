// The console's notices page (/console/notices): managers draft, an admin who did not draft
// approves, both see the preview, cost and progress; other roles are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { csrfToken } from '../src/staff/session.js';

let ctx: TestContext;
const tokens = { staff: '', manager: '', admin: '' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  ctx = await createTestContext({
    NOTICE_OPT_OUT_NUMBER: '080-123-4567',
    SOLAPI_API_KEY: 'NCSCONSOLEKEY001',
    SOLAPI_API_SECRET: 'CONSOLESECRET0123456789ABCDEFGHIJ',
    SOLAPI_FROM: '0233964114',
    // Nothing is sent in this file: no worker runs.
    SOLAPI_API_BASE_URL: 'http://solapi.console.test',
    NOTICE_KAKAO_PF_ID: 'KA01PFCONSOLE',
    NOTICE_KAKAO_TEMPLATE_ID: 'KA01TPCONSOLE',
  });
  tokens.staff = await ctx.staffToken('staff', 'ROAD');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.admin = await ctx.staffToken('admin', 'AUDIT');
  await ctx.db
    .insertInto('notice_consents')
    .values(['+821066600001', '+821066600002', '+821066600003'].map((phone) => ({ phone, dong: '신당동', status: 'active' as const, consented_at: new Date(), consent_channel: 'import' as const, consent_text: '동의', source: 't.csv' })))
    .execute();
});
afterAll(async () => {
  await ctx?.close();
});

const get = (token: string, url: string) => ctx.app.inject({ method: 'GET', url, cookies: { sotong_console: token } });
const post = (token: string, url: string, fields: Record<string, string>) =>
  ctx.app.inject({ method: 'POST', url, headers: FORM, cookies: { sotong_console: token }, payload: new URLSearchParams({ ...fields, _csrf: csrfToken(token) }).toString() });

describe('/console/notices', () => {
  it('lets a manager draft, shows the preview with recipients and cost, and lets only an admin approve', async () => {
    const drafted = await post(tokens.manager, '/console/notices', { title: '건강검진 안내', body: '12월 보건소 무료 건강검진을 받으세요.', dongs: '신당동' });
    expect(drafted.statusCode, drafted.body).toBe(303);
    expect(drafted.headers.location).toBe('/console/notices?done=draft');

    const managerPage = await get(tokens.manager, '/console/notices?done=draft');
    expect(managerPage.statusCode).toBe(200);
    expect(managerPage.body).toContain('초안을 저장했습니다');
    expect(managerPage.body).toContain('건강검진 안내');
    expect(managerPage.body).toContain('무료 080-123-4567');
    expect(managerPage.body).toContain('3명');
    expect(managerPage.body).toContain('알림톡 24원');
    expect(managerPage.body).toContain('aria-current="page">구청 알림');
    expect(managerPage.body).not.toContain('승인·발송');

    const { id } = await ctx.db.selectFrom('notices').select('id').where('title', '=', '건강검진 안내').executeTakeFirstOrThrow();
    const byManager = await post(tokens.manager, `/console/notices/${id}/approve`, {});
    expect(byManager.statusCode).toBe(403);

    const adminPage = await get(tokens.admin, '/console/notices');
    expect(adminPage.body).toContain('승인·발송');
    expect(adminPage.body).not.toContain('새 알림 작성');
    const approved = await post(tokens.admin, `/console/notices/${id}/approve`, {});
    expect(approved.statusCode).toBe(303);
    const notice = await ctx.db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ status: 'sending', recipient_count: 3, urgent: false });

    const cancelled = await post(tokens.manager, `/console/notices/${id}/cancel`, {});
    expect(cancelled.headers.location).toBe('/console/notices?done=cancel');
    expect((await get(tokens.manager, '/console/notices')).body).toContain('취소됨');
  });

  it('answers a refused action on the page: a draft without a title', async () => {
    const res = await post(tokens.manager, '/console/notices', { title: ' ', body: '내용' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('구청 알림');
  });

  it('is not for staff of a department', async () => {
    expect((await get(tokens.staff, '/console/notices')).statusCode).toBe(403);
    expect((await post(tokens.staff, '/console/notices', { title: 't', body: 'b' })).statusCode).toBe(403);
  });
});
