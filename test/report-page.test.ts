// The managers' report page in a real headless browser (Debian's chromium through playwright-core):
// sign-in, the server-drawn charts with the right counts, print styles, CSV and a screenshot check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestContext, type TestContext } from './support/harness.js';
import { OCTOBER, seedCases } from './support/report-dataset.js';
import { makeCase } from './support/cases.js';
import { addStoredPhoto } from './support/photos.js';
import { seoulDate } from '../src/domain/seoul-time.js';
import { recordOndateReply, seoulMonth } from '../src/mayor-sessions/ondate.js';
import { receiveVisitApplication } from '../src/mayor-sessions/visits.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let ctx: TestContext;
let base = '';
const tokens = { manager: '', staff: '', committee: '' };
let browser: BrowserContext;
let profile = '';
const problems: string[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  await seedCases(ctx.db, OCTOBER, 'P2026');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.staff = await ctx.staffToken('staff', 'ROAD');
  tokens.committee = await ctx.staffToken('committee');
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  profile = mkdtempSync(join(tmpdir(), 'sotong-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: { width: 1100, height: 900 },
    locale: 'ko-KR',
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await ctx?.close();
});

async function signIn(page: Page, token: string) {
  await page.goto(`${base}/reports?from=2026-10-01&to=2026-10-31`);
  expect(new URL(page.url()).pathname).toBe('/reports/login');
  await page.fill('input[name=token]', token);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

/** Opens a report period, signing the manager in first when the browser has no session yet. */
async function openReport(page: Page, query: string) {
  await page.goto(`${base}/reports?${query}`);
  if (new URL(page.url()).pathname === '/reports/login') {
    await page.fill('input[name=token]', tokens.manager);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.goto(`${base}/reports?${query}`);
  }
  expect(new URL(page.url()).pathname).toBe('/reports');
}

/** The photos, committee and mayor's sessions figures of the page, by their keys. */
const activityFigures = (page: Page) =>
  page.$$eval('#activity dl > div', (divs) => Object.fromEntries(divs.map((d) => [d.getAttribute('data-key'), d.querySelector('dd')!.textContent])));

const api = (token: string, url: string, payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });

/** The few browser globals the page scripts below use (the project compiles without the DOM library). */
interface BrowserGlobals {
  Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        drawImage(image: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      } | null;
    };
  };
  getComputedStyle(element: unknown): { borderBottomStyle: string; display: string };
}

/** How many pixels of a PNG are close to an RGB colour, decoded by the browser itself. */
async function countPixels(page: Page, png: Buffer, rgb: [number, number, number]): Promise<{ matches: number; width: number; height: number }> {
  return page.evaluate(
    async ({ data, rgb }) => {
      const { Image, document } = globalThis as unknown as BrowserGlobals;
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const pixels = g.getImageData(0, 0, img.width, img.height).data;
      let matches = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (Math.abs(pixels[i]! - rgb[0]) < 8 && Math.abs(pixels[i + 1]! - rgb[1]) < 8 && Math.abs(pixels[i + 2]! - rgb[2]) < 8) matches++;
      }
      return { matches, width: img.width, height: img.height };
    },
    { data: png.toString('base64'), rgb },
  );
}

describe('the report page over HTTP', () => {
  it('sends a browser without a token to sign in, with security headers', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/reports' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/reports/login');
    const login = await ctx.app.inject({ method: 'GET', url: '/reports/login' });
    expect(login.headers['content-security-policy']).toContain("default-src 'none'");
    expect(login.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(login.headers['x-frame-options']).toBe('DENY');
    expect(login.headers['x-content-type-options']).toBe('nosniff');
    expect(login.headers['cache-control']).toBe('no-store');
  });

  it('admits managers only, by header or by the cookie set at sign-in', async () => {
    const byHeader = await ctx.app.inject({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${tokens.manager}` } });
    expect(byHeader.statusCode).toBe(200);
    expect(byHeader.headers['content-type']).toBe('text/html; charset=utf-8');
    const staff = await ctx.app.inject({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${tokens.staff}` } });
    expect(staff.statusCode).toBe(403);
    const form = (token: string) =>
      ctx.app.inject({ method: 'POST', url: '/reports/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(token)}` });
    expect((await form('sotong_wrong')).statusCode).toBe(401);
    expect((await form(tokens.staff)).statusCode).toBe(403);
    const ok = await form(tokens.manager);
    expect(ok.statusCode).toBe(303);
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^sotong_reports=/);
    expect(cookie).toContain('Path=/reports');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const stale = await ctx.app.inject({ method: 'GET', url: '/reports', cookies: { sotong_reports: 'sotong_revoked' } });
    expect(stale.statusCode).toBe(303);
    expect(String(stale.headers['set-cookie'])).toContain('sotong_reports=;');
  });
});

describe('the report page in headless Chromium', () => {
  it('signs a manager in and draws October’s charts with the right counts', async () => {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, tokens.manager);
    expect(new URL(page.url()).pathname).toBe('/reports');
    const cookies = await browser.cookies(`${base}/reports`);
    expect(cookies.find((c) => c.name === 'sotong_reports')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/reports' });

    await page.goto(`${base}/reports?from=2026-10-01&to=2026-10-31`);
    expect(await page.textContent('#period')).toBe('2026-10-01 ~ 2026-10-31');
    const counts = (chart: string) =>
      page.$$eval(`#${chart} rect.bar`, (rects) => Object.fromEntries(rects.map((r) => [r.getAttribute('data-key'), Number(r.getAttribute('data-count'))])));
    expect(await counts('chart-category')).toEqual({
      building_housing: 0, economy_tax: 0, roads: 3, traffic: 0, culture_design: 0, health_hygiene: 0, welfare: 1, cleaning_env: 1, other: 1,
    });
    expect(await counts('chart-disposition')).toEqual({ resolved: 2, scheduled: 1, explained: 1, under_review: 0, transferred: 0, thanks: 0, exception: 0 });
    // Bars are drawn to scale: roads (3) is three times welfare (1).
    const widths = await page.$$eval('#chart-category rect.bar', (rects) =>
      Object.fromEntries(rects.map((r) => [r.getAttribute('data-key'), r.getBoundingClientRect().width])),
    );
    expect(widths.roads).toBeGreaterThan(300);
    expect(widths.roads! / widths.welfare!).toBeCloseTo(3, 1);
    expect(widths.traffic).toBe(0);
    // The monthly trend: 12 months up to October, September's B and October's seven.
    const trend = await page.$$eval('#chart-trend rect.trend-received', (rects) => rects.map((r) => [r.getAttribute('data-key'), Number(r.getAttribute('data-count'))]));
    expect(trend).toHaveLength(12);
    expect(trend.at(-1)).toEqual(['2026-10', 7]);
    expect(trend.at(-2)).toEqual(['2026-09', 1]);
    const figures = await page.$$eval('#figures div', (divs) => Object.fromEntries(divs.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent])));
    expect(figures).toMatchObject({ 접수: '7', 종결: '4', 처리완료율: '75.0%', 답변율: '71.4%', '평균 처리일수': '4.6', 미처리: '4', '기한 초과': '2' });
    // The stylesheet passed the content security policy (its rule is in effect), and nothing was blocked.
    expect(await page.$eval('h2', (h) => (globalThis as unknown as BrowserGlobals).getComputedStyle(h).borderBottomStyle)).toBe('solid');
    expect(problems).toEqual([]);

    // Printing hides the forms.
    await page.emulateMedia({ media: 'print' });
    expect(await page.$eval('form.no-print', (f) => (globalThis as unknown as BrowserGlobals).getComputedStyle(f).display)).toBe('none');
    await page.emulateMedia({ media: 'screen' });

    // Screenshot: a real image, and the category chart's bars are in its pixels, in the bars' colour.
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(join(tmpdir(), 'sotong-report-page.png'), shot);
    expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(shot.length).toBeGreaterThan(30_000);
    const chart = await page.locator('#chart-category').screenshot();
    const blank = await browser.newPage();
    const bars = await countPixels(blank, chart, [0x2f, 0x6f, 0xb5]);
    // Six cases' worth of bars: roads alone is ~360 x 18 px.
    expect(bars.matches).toBeGreaterThan(360 * 15);
    const trendShot = await page.locator('#chart-trend').screenshot();
    expect((await countPixels(blank, trendShot, [0x8c, 0xc0, 0x84])).matches).toBeGreaterThan(100); // closed bars
    await blank.close();
    await page.close();
  });

  it("shows the period's photos, committee referrals and the mayor's sessions, counted from what happened in it", async () => {
    // Everything below happens now, in the current month; October (the seeded month) has none of it.
    const from = `${seoulMonth(new Date())}-01`;
    const p1 = await makeCase(ctx.db, { department: 'ROAD' });
    const p2 = await makeCase(ctx.db, { department: 'CLEAN' });
    const p3 = await makeCase(ctx.db, { department: 'ROAD' });
    // Photos: two with p1's message, one with p3's; p2 has none.
    await addStoredPhoto(ctx.db, ctx.app.attachmentStore, p1.caseId, p1.messageId);
    await addStoredPhoto(ctx.db, ctx.app.attachmentStore, p1.caseId, p1.messageId);
    await addStoredPhoto(ctx.db, ctx.app.attachmentStore, p3.caseId, p3.messageId);
    // The committee: three cases referred, one finding recorded.
    const referrals: number[] = [];
    for (const c of [p1, p2, p3]) {
      const res = await api(tokens.manager, `/api/cases/${c.caseId}/committee-referrals`, { reason: '부서 답변에 이의를 제기함' });
      expect(res.statusCode, res.body).toBe(201);
      referrals.push(res.json().id);
    }
    const finding = await api(tokens.committee, `/api/committee/referrals/${referrals[1]}/finding`, { finding: 'dismissed', opinion: '부서의 처리가 적정함' });
    expect(finding.statusCode, finding.body).toBe(200);
    // 온데이트: p1's and p2's residents reply to volunteer; the manager chooses p1's.
    for (const [i, c] of [p1, p2].entries()) {
      const result = await recordOndateReply(ctx.db, {
        channel: 'sms',
        provider: 'twilio',
        providerMessageId: `SM-report-ondate-${i}`,
        sender: { phone: c.phone },
        text: '온데이트',
        raw: { Body: '온데이트' },
        receivedAt: new Date(),
        acknowledgementStatus: null,
      });
      expect(result).toMatchObject({ outcome: 'opted-in', caseId: c.caseId, newVolunteer: true });
    }
    const volunteer = await ctx.db.selectFrom('ondate_volunteers').select(['id', 'month']).where('case_id', '=', p1.caseId).executeTakeFirstOrThrow();
    const chosen = await api(tokens.manager, '/api/ondate/selections', { month: volunteer.month, chosen: [volunteer.id], sessionAt: '2031-04-17T05:00:00.000Z', mode: 'video' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    // 찾아가는 구청장실: two applications from the homepage form, one meeting held.
    const applications = [];
    for (const i of [1, 2]) applications.push(await receiveVisitApplication(ctx.db, { formId: `report-page-visit-${i}`, text: '구청장님과 면담을 신청합니다' }));
    const session = await api(tokens.manager, '/api/visits/sessions', { startsAt: '2031-06-12T05:00:00.000Z', place: '신당동 주민센터' });
    expect(session.statusCode, session.body).toBe(201);
    const requestId = applications[0]!.requestId;
    expect((await api(tokens.manager, `/api/visits/requests/${requestId}/schedule`, { sessionId: session.json().id })).statusCode).toBe(200);
    const met = await api(tokens.manager, `/api/visits/requests/${requestId}/outcome`, { outcome: 'met' });
    expect(met.statusCode, met.body).toBe(200);
    const to = seoulDate(new Date());

    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await openReport(page, `from=${from}&to=${to}`);
    expect(await page.textContent('#activity h2')).toBe('사진·위원회·구청장 소통');
    expect(await page.$$eval('#activity h3', (hs) => hs.map((h) => h.textContent))).toEqual(['사진 첨부 민원', '구민고충처리위원회', '온데이트', '찾아가는 구청장실']);
    expect(await page.$$eval('#activity dt', (dts) => dts.map((d) => d.textContent))).toEqual(['접수', '회부', '심의 완료', '신청', '선정', '신청', '면담']);
    expect(await activityFigures(page)).toEqual({
      'photos-with': '2',
      'committee-referred': '3',
      'committee-reviewed': '1',
      'ondate-volunteers': '2',
      'ondate-chosen': '1',
      'visits-applied': '2',
      'visits-met': '1',
    });
    // The same figures as the summary JSON.
    const summary = (await ctx.app.inject({ method: 'GET', url: `/api/reports/summary?from=${from}&to=${to}`, headers: { authorization: `Bearer ${tokens.manager}` } })).json();
    expect([summary.withPhotos, summary.committee, summary.mayorSessions]).toEqual([2, { referred: 3, reviewed: 1 }, { ondate: { volunteers: 2, chosen: 1 }, visits: { applied: 2, met: 1 } }]);
    await page.screenshot({ fullPage: true, path: join(tmpdir(), 'sotong-report-page-activity.png') });

    // Printed on A4 (180 mm between the margins, 680 CSS pixels): the section fits the width.
    await page.setViewportSize({ width: 680, height: 1000 });
    await page.emulateMedia({ media: 'print' });
    const box = await page.$eval('#activity', (el) => {
      const r = el.getBoundingClientRect();
      return { right: r.right, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
    });
    expect(box.right).toBeLessThanOrEqual(680);
    expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
    await page.locator('#activity').screenshot({ path: join(tmpdir(), 'sotong-report-page-activity-print.png') });

    // October, the seeded month, had none of it.
    await openReport(page, 'from=2026-10-01&to=2026-10-31');
    expect(Object.values(await activityFigures(page))).toEqual(['0', '0', '0', '0', '0', '0', '0']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('downloads the period as CSV and signs out', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/reports?from=2026-10-01&to=2026-10-31`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/reports/cases.csv"]')]);
    expect(download.suggestedFilename()).toBe('sotong-cases-all-2026-10-01-2026-10-31.csv');
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(path, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.trimEnd().split('\r\n')).toHaveLength(8);

    await Promise.all([page.waitForLoadState('load'), page.click('form.logout button')]);
    expect(new URL(page.url()).pathname).toBe('/reports/login');
    expect((await browser.cookies(`${base}/reports`)).find((c) => c.name === 'sotong_reports')).toBeUndefined();
    await page.goto(`${base}/reports`);
    expect(new URL(page.url()).pathname).toBe('/reports/login');
    await page.close();
  });

  it('shows a staff member a refusal, not the report', async () => {
    const page = await browser.newPage();
    await signIn(page, tokens.staff);
    expect(await page.textContent('.error')).toContain('관리자');
    expect(await page.$('#chart-category')).toBeNull();
    await page.close();
  });
});
