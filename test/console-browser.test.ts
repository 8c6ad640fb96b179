// The staff console in a real headless browser (Debian's chromium through playwright-core): a
// resident's SMS arrives while a staff member has the inbox open, appears without a reload, is
// answered and closed, and the answer leaves for the resident through (faked) Twilio; a triage
// officer assigns a case; another department cannot see it; axe-core finds no serious
// accessibility violation on any page; and each page's screenshot is a real, full image.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { makeCase, staffIdOf, makeLowConfidenceCase } from './support/cases.js';
import { fakeTwilioMessages, openConsoleBrowser, type ConsoleBrowser } from './support/console-browser.js';
import { revokeStaff } from '../src/staff/staff-repository.js';
import { answerRules, describeAnswer } from '../src/console/answer-rules.js';

const TWILIO = 'http://twilio.fake.local';
const ACCOUNT_SID = 'AC33333333333333333333333333333333';
const TWILIO_FROM = '+82215550100';

let ctx: TestContext;
let base = '';
let console_: ConsoleBrowser;
const tokens = { road: '', audit: '', tax: '', manager: '' };
/** What reached the fake Twilio: one form per message. */
let sent: URLSearchParams[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_FROM, TWILIO_API_BASE_URL: TWILIO, OUTBOUND_BACKOFF_MS: '50' });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  sent = fakeTwilioMessages(TWILIO, ACCOUNT_SID);
  await ctx.startWorkers();
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.audit = await ctx.staffToken('staff', 'AUDIT');
  tokens.tax = await ctx.staffToken('staff', 'TAX');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  console_ = await openConsoleBrowser(base);
}, 60_000);

afterAll(async () => {
  await console_?.close();
  await ctx?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

const staffPage = (token: string) => console_.staffPage(token);
const checkPage = (page: Parameters<ConsoleBrowser['checkPage']>[0], name: string, minBytes?: number) => console_.checkPage(page, name, minBytes);
const screenshot = (page: Parameters<ConsoleBrowser['screenshot']>[0], name: string, minBytes?: number) => console_.screenshot(page, name, minBytes);

describe('the staff console in headless Chromium', () => {
  let caseId = 0;
  const resident = '+821077771234';
  const answer = '말씀하신 을지로3가역 2번 출구 앞 보도블록을 오늘 오후에 새것으로 교체했습니다. 주변의 흔들리는 블록도 함께 점검했습니다. 불편을 드려 죄송합니다.';

  it('shows a new resident message in the open inbox without a reload; staff answer and close it, and the answer goes to the resident by SMS', async () => {
    const { context, page } = await staffPage(tokens.road);
    await checkPage(page, 'inbox-empty');
    const before = await page.locator('#inbox-rows tr[data-case-id]').count();

    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: resident, Body: '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요' }));
    expect(res.statusCode).toBe(200);
    const row = await eventually(async () => {
      const c = await ctx.db.selectFrom('cases').innerJoin('residents', 'residents.id', 'cases.resident_id').select(['cases.id', 'cases.department_code', 'cases.due_at']).where('residents.phone', '=', resident).executeTakeFirst();
      return c?.department_code === 'ROAD' && c.due_at !== null ? c : undefined;
    }, 15_000);
    caseId = row.id;
    // The page's script polls and redraws the list: no reload, and it says so.
    await page.locator(`#inbox-rows tr[data-case-id="${caseId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#inbox-rows tr[data-case-id]').count()).toBe(before + 1);
    await expect.poll(() => page.textContent('#new-cases')).toContain('새 민원');
    await checkPage(page, 'inbox');

    await Promise.all([page.waitForURL(`${base}/console/cases/${caseId}`), page.click(`#inbox-rows tr[data-case-id="${caseId}"] a`)]);
    expect(await page.textContent('#contact')).toContain('010-****-1234');
    expect(await page.textContent('#messages')).toContain('보도블럭이 깨져서');
    await page.getByLabel('처리결과').selectOption({ label: '처리완료' });
    const box = page.locator('#close-text');
    await box.fill(answer);
    // The counter follows the typing: characters, EUC-KR bytes, and one LMS for this length.
    const chars = [...answer].length;
    const bytes = Buffer.byteLength(answer.replace(/[^\x20-\x7e]/g, 'xx'), 'latin1');
    expect(await page.textContent('#close-text-count')).toBe(`${chars}자 / 최대 3200자 · ${bytes}바이트 · 장문(LMS) 1건`);
    // A long answer: the page's count of bytes and LMS parts is the server's own (answer-rules.ts).
    const long = '보도블록 교체 공사를 마쳤습니다. '.repeat(150).trim();
    await page.locator('#reply-text').fill(long);
    expect(await page.textContent('#reply-text-count')).toBe(describeAnswer(long, answerRules('sms')));
    expect(await page.textContent('#reply-text-count')).toMatch(/장문\(LMS\) 3건으로 나뉨$/);
    await page.locator('#reply-text').fill('');
    await checkPage(page, 'case');
    await Promise.all([page.waitForURL(`${base}/console/cases/${caseId}?done=close`), page.getByRole('button', { name: '답변 보내고 종결' }).click()]);
    expect(await page.textContent('.notice.done')).toContain('종결');
    expect(await page.textContent('h1')).toContain('종결');

    // The answer reached Twilio for the resident's number.
    const toResident = await eventually(async () => sent.find((f) => f.get('To') === resident && f.get('Body') === answer), 15_000);
    expect(toResident.get('From')).toBe(TWILIO_FROM);
    // The provider took it: the case's page shows the answer's delivery status past waiting.
    await expect.poll(async () => (await page.reload(), await page.textContent('#messages')), { timeout: 10_000 }).toMatch(/최종 답변[^]*(발송 요청됨|발송됨|전달됨)/);
    await screenshot(page, 'case-closed');
    await context.close();
  }, 90_000);

  it('lets a triage officer assign a case in one click, with a reason', async () => {
    const made = await makeLowConfidenceCase(ctx.db);
    const spam = await makeCase(ctx.db, { department: 'AUDIT', text: '[Web발신] (광고) 최저금리 대출 당일승인' });
    await ctx.db
      .updateTable('cases')
      .set({ routing: JSON.stringify({ router: 'classifier', confidence: 0.92, reasons: ['광고 표현'], category: 'other', department: 'AUDIT', triage: 'spam', suggestedDisposition: 'exception' }) })
      .where('id', '=', spam.caseId)
      .execute();
    const { context, page } = await staffPage(tokens.audit);
    await page.getByRole('link', { name: '분류 대기' }).click();
    const card = page.locator(`#triage li[data-case-id="${made.caseId}"]`);
    await card.waitFor();
    await checkPage(page, 'triage');
    await card.getByLabel('배정 사유').fill('가로등(보안등) 문제로 도로과 소관');
    await Promise.all([page.waitForURL(`${base}/console/triage?done=assign`), card.getByRole('button', { name: /도로과에 배정/ }).click()]);
    expect(await page.textContent('.notice.done')).toContain('배정');
    expect(await page.locator(`#triage li[data-case-id="${made.caseId}"]`).count()).toBe(0);
    const row = await ctx.db.selectFrom('cases').select(['department_code']).where('id', '=', made.caseId).executeTakeFirstOrThrow();
    expect(row.department_code).toBe('ROAD');
    const event = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', made.caseId).where('type', '=', 'assigned').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ from: 'AUDIT', to: 'ROAD', reason: '가로등(보안등) 문제로 도로과 소관' });
    await context.close();
  }, 60_000);

  it('keeps another department out of the case', async () => {
    const { context, page } = await staffPage(tokens.tax);
    const res = await page.goto(`${base}/console/cases/${caseId}`);
    expect(res!.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('민원을 찾을 수 없음');
    expect(await page.content()).not.toContain('보도블럭');
    await checkPage(page, 'not-found');
    await page.goto(`${base}/console/search?q=${encodeURIComponent('보도블럭')}`);
    expect(await page.locator(`a[href="/console/cases/${caseId}"]`).count()).toBe(0);
    await context.close();
  }, 60_000);

  it('search and the manager views pass the accessibility check', async () => {
    const { context, page } = await staffPage(tokens.manager);
    await page.goto(`${base}/console/search?q=${encodeURIComponent('보도블럭')}`);
    expect(await page.locator(`a[href="/console/cases/${caseId}"]`).count()).toBe(1);
    await checkPage(page, 'search');
    await page.goto(`${base}/console/manager`);
    expect(await page.locator('a[href="/reports"]').count()).toBe(1);
    await checkPage(page, 'manager');
    // A fuller list for the manager's view of one department: overdue, near due and later cases.
    const samples: [number, string][] = [
      [-30, '인도 보도블록이 들떠 있어 유모차가 걸립니다'],
      [-2, '골목 가로등이 일주일째 꺼져 있어요'],
      [6, '빗물받이 덮개가 없어져서 위험합니다'],
      [30, '버스정류장 앞 도로가 움푹 패였어요'],
      [70, '눈 오면 언덕길 제설 부탁드립니다'],
    ];
    for (const [hours, text] of samples) {
      const c = await makeCase(ctx.db, { department: 'ROAD', text });
      await ctx.db.updateTable('cases').set({ due_at: new Date(Date.now() + hours * 3600_000), deadline_days: 7 }).where('id', '=', c.caseId).execute();
    }
    await page.goto(`${base}/console?department=ROAD`);
    expect(await page.locator('#inbox-rows tr.overdue').count()).toBe(2);
    expect(await page.locator('#inbox-rows tr.near_due').count()).toBe(1);
    await checkPage(page, 'inbox-manager');
    // Keyboard: the skip link is the first stop and takes focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('본문 바로가기');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe('main');
    // Revoking the token ends the session at once: the open inbox's next poll says so, and the next page is the sign-in.
    await revokeStaff(ctx.db, await staffIdOf(ctx.db, tokens.manager));
    await expect.poll(() => page.textContent('#new-cases'), { timeout: 15_000 }).toContain('다시 로그인하세요');
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await context.close();
    const { context: loginContext, page: login } = await console_.anonymousPage();
    await login.goto(`${base}/console/login`);
    // The sign-in page is one short form: a smaller image.
    await checkPage(login, 'login', 10_000);
    await loginContext.close();
    expect(console_.problems).toEqual([]);
    expect(Object.keys(console_.checked).sort()).toEqual(['case', 'case-closed', 'inbox', 'inbox-empty', 'inbox-manager', 'login', 'manager', 'not-found', 'search', 'triage']);
  }, 60_000);
});
