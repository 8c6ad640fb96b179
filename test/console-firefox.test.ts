// The staff console in Firefox (Debian's firefox-esr, driven over WebDriver BiDi by
// puppeteer-core; playwright-core's Firefox needs a BiDi command ESR lacks). The same day as in
// Chromium (console-browser.test.ts), in the other engine: sign in, a new SMS shows in the open
// inbox without a reload, the answer's counter follows the typing, the case is closed and the
// answer leaves for the resident by (faked) Twilio, a triage officer assigns a case in one click;
// the stylesheet and the page's script run under the content security policy with no violation,
// axe-core finds nothing serious, the keyboard reaches the content, and each page's screenshot is
// a real, full image (var/console-screenshots/firefox-*.png).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { makeLowConfidenceCase } from './support/cases.js';
import { axeProblems, fakeTwilioMessages, SCREENSHOT_DIR, VIEWPORT } from './support/console-browser.js';
import { answerRules, describeAnswer } from '../src/console/answer-rules.js';

const FIREFOX = '/usr/bin/firefox-esr';
const TWILIO = 'http://twilio.fake.local';
const ACCOUNT_SID = 'AC44444444444444444444444444444444';
const TWILIO_FROM = '+82215550100';

let ctx: TestContext;
let base = '';
let browser: Browser;
const tokens = { road: '', audit: '' };
let sent: URLSearchParams[] = [];
/** Console errors, page errors and content-security-policy violations seen in any page. */
const problems: string[] = [];
const shots: string[] = [];

type Doc = { document: { activeElement: { textContent: string; id: string } | null } };

beforeAll(async () => {
  // Not a skip: CI installs firefox-esr (.ci/run), and a machine without it should say so.
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: apt-get install -y firefox-esr`);
  ctx = await createTestContext({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_FROM, TWILIO_API_BASE_URL: TWILIO, OUTBOUND_BACKOFF_MS: '50' });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  sent = fakeTwilioMessages(TWILIO, ACCOUNT_SID);
  await ctx.startWorkers();
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.audit = await ctx.staffToken('staff', 'AUDIT');
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    env: { ...process.env, TZ: 'Asia/Seoul' },
    // The browser's own Korean (date fields) comes from Debian's firefox-esr-l10n-ko language pack.
    extraPrefsFirefox: { 'intl.accept_languages': 'ko-KR, ko', 'intl.locale.requested': 'ko-KR,ko', 'extensions.autoDisableScopes': 0 },
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A page in a browser context of its own: no cookie of another staff member's session. */
async function newPage(): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport(VIEWPORT);
  // Counted before any of the page's own code runs; the console's policy has no room for it to leak.
  await page.evaluateOnNewDocument(() => {
    const w = globalThis as unknown as { __csp: string[]; addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void): void };
    w.__csp = [];
    w.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (404|401)/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e instanceof Error ? e.message : String(e)));
  return page;
}

async function signIn(token: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${base}/console`);
  expect(new URL(page.url()).pathname).toBe('/console/login');
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation(), page.click('form button[type=submit]')]);
  expect(new URL(page.url()).pathname).toBe('/console');
  return page;
}

/** axe's WCAG A/AA rules (nothing serious), the stylesheet in effect, no policy violation, and the screenshot. */
async function checkPage(page: Page, name: string, minBytes = 25_000): Promise<void> {
  expect(await axeProblems((expression) => page.evaluate(expression)), name).toEqual([]);
  expect(await page.$eval('header.site', (h) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(h).display)).toBe('flex');
  expect(await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp), name).toEqual([]);
  const png = Buffer.from(await page.screenshot({ fullPage: true }));
  writeFileSync(join(SCREENSHOT_DIR, `firefox-${name}.png`), png);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // Nothing overflows the page sideways (Firefox leaves its scrollbar's width out of the image).
  expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement.scrollWidth <= (globalThis as unknown as { document: { documentElement: { clientWidth: number } } }).document.documentElement.clientWidth), name).toBe(true);
  expect(png.readUInt32BE(16), name).toBeGreaterThan(VIEWPORT.width - 20);
  expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(400);
  expect(png.length).toBeGreaterThan(minBytes);
  shots.push(name);
}

describe('the staff console in Firefox', () => {
  const resident = '+821088885678';
  const answer = '말씀하신 명동길 가로등을 오늘 오후에 교체했습니다. 주변 가로등도 함께 점검했습니다. 불편을 드려 죄송합니다.';

  it('a new SMS shows in the open inbox without a reload; staff answer and close it, and the answer goes to the resident', async () => {
    const page = await signIn(tokens.road);
    await checkPage(page, 'inbox-empty');

    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: resident, Body: '명동길 가로등이 일주일째 꺼져 있고 보도블럭도 깨져서 위험해요' }));
    expect(res.statusCode).toBe(200);
    const row = await eventually(async () => {
      const c = await ctx.db.selectFrom('cases').innerJoin('residents', 'residents.id', 'cases.resident_id').select(['cases.id', 'cases.department_code', 'cases.due_at']).where('residents.phone', '=', resident).executeTakeFirst();
      return c?.department_code === 'ROAD' && c.due_at !== null ? c : undefined;
    }, 15_000);
    // The page's script (under the policy) polls and redraws the list.
    await page.waitForSelector(`#inbox-rows tr[data-case-id="${row.id}"]`, { timeout: 15_000 });
    expect(await page.$eval('#new-cases', (e) => e.textContent)).toContain('새 민원');
    await checkPage(page, 'inbox');

    await Promise.all([page.waitForNavigation(), page.click(`#inbox-rows tr[data-case-id="${row.id}"] a`)]);
    expect(new URL(page.url()).pathname).toBe(`/console/cases/${row.id}`);
    expect(await page.$eval('#contact', (e) => e.textContent)).toContain('010-****-5678');
    await page.select('#close-disposition', 'resolved');
    await page.type('#close-text', answer);
    // The counter follows the typing in this engine too, and says what the server says.
    expect(await page.$eval('#close-text-count', (e) => e.textContent)).toBe(describeAnswer(answer, answerRules('sms')));
    await checkPage(page, 'case');
    await Promise.all([page.waitForNavigation(), page.click('#close-form button[type=submit]')]);
    expect(page.url()).toBe(`${base}/console/cases/${row.id}?done=close`);
    expect(await page.$eval('.notice.done', (e) => e.textContent)).toContain('종결');

    const toResident = await eventually(async () => sent.find((f) => f.get('To') === resident && f.get('Body') === answer), 15_000);
    expect(toResident.get('From')).toBe(TWILIO_FROM);
    const closed = await ctx.db.selectFrom('cases').select(['status', 'disposition_code']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(closed).toMatchObject({ status: 'closed', disposition_code: 'resolved' });

    // Keyboard: the skip link is the first stop and takes focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.textContent)).toBe('본문 바로가기');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.id)).toBe('main');
    await page.browserContext().close();
  }, 90_000);

  it('a triage officer assigns a case in one click, with a reason', async () => {
    const made = await makeLowConfidenceCase(ctx.db);
    const page = await signIn(tokens.audit);
    await page.goto(`${base}/console/triage`);
    const card = `#triage li[data-case-id="${made.caseId}"]`;
    await page.waitForSelector(card);
    await checkPage(page, 'triage');
    await page.type(`#reason-${made.caseId}`, '가로등(보안등) 문제로 도로과 소관');
    await Promise.all([page.waitForNavigation(), page.click(`${card} button[name=department][value=ROAD]`)]);
    expect(page.url()).toBe(`${base}/console/triage?done=assign`);
    expect(await page.$$(card)).toHaveLength(0);
    const moved = await ctx.db.selectFrom('cases').select('department_code').where('id', '=', made.caseId).executeTakeFirstOrThrow();
    expect(moved.department_code).toBe('ROAD');
    const event = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', made.caseId).where('type', '=', 'assigned').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ from: 'AUDIT', to: 'ROAD', reason: '가로등(보안등) 문제로 도로과 소관' });
    await page.browserContext().close();

    const login = await newPage();
    await login.goto(`${base}/console/login`);
    await checkPage(login, 'login', 10_000);
    await login.browserContext().close();
    expect(problems).toEqual([]);
    expect(shots.sort()).toEqual(['case', 'inbox', 'inbox-empty', 'login', 'triage']);
  }, 90_000);
});
