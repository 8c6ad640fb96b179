// The staff console in Debian's headless chromium (playwright-core), for the browser test files:
// one browser per file, a signed-in page per staff member, axe-core's check, the stylesheet under
// the content security policy, and a full-page screenshot in var/console-screenshots.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import nock from 'nock';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where the screenshots land (var/ is not committed); the README's is copied by hand from here. */
export const SCREENSHOT_DIR = join(PROJECT_ROOT, 'var', 'console-screenshots');
export const VIEWPORT = { width: 1280, height: 900 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface ConsoleBrowser {
  browser: Browser;
  /** Console errors and page errors seen so far (the expected 404/401 responses aside). */
  problems: string[];
  /** The screenshots taken and checked, by name. */
  checked: Record<string, { bytes: number; width: number; height: number }>;
  /** A new browser context signed in with the token; `landing` is where the sign-in leads (a committee member's is /console/committee). */
  staffPage(token: string, landing?: string): Promise<{ context: BrowserContext; page: Page }>;
  /** A new browser context with nobody signed in. */
  anonymousPage(): Promise<{ context: BrowserContext; page: Page }>;
  screenshot(page: Page, name: string, minBytes?: number): Promise<void>;
  /** axe (no serious or critical finding), the stylesheet in effect, and the screenshot. */
  checkPage(page: Page, name: string, minBytes?: number): Promise<void>;
  close(): Promise<void>;
}

interface AxeResult {
  passes: unknown[];
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/**
 * axe-core's WCAG 2.1 A/AA rules on the page as it is; only serious and critical findings fail.
 * `evaluate` runs an expression in the page and awaits it: playwright's and puppeteer's both do.
 */
export async function axeProblems(evaluate: (expression: string) => Promise<unknown>): Promise<string[]> {
  // Evaluated through the debugging protocol, which the page's content security policy does not govern.
  await evaluate(AXE_SOURCE);
  const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } };
  const result = (await evaluate(`axe.run(document, ${JSON.stringify(options)})`)) as AxeResult;
  // axe really ran: it passed a good number of rules on the page.
  expect(result.passes.length).toBeGreaterThan(10);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export const accessibilityProblems = (page: Page): Promise<string[]> => axeProblems((expression) => page.evaluate(expression));

/** A fake Twilio Messages API (nock): every message it is given, as its form, lands in the array returned. */
export function fakeTwilioMessages(base: string, accountSid: string): URLSearchParams[] {
  const sent: URLSearchParams[] = [];
  nock(base)
    .persist()
    .post(`/2010-04-01/Accounts/${accountSid}/Messages.json`)
    .reply((_uri, body) => {
      sent.push(new URLSearchParams(String(body)));
      const text = JSON.stringify({ sid: `SM${String(sent.length).padStart(32, '0')}`, account_sid: accountSid, status: 'queued', error_code: null, error_message: null });
      return [201, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
    });
  return sent;
}

/** Launches chromium for the console served at `base` (http://127.0.0.1:port). */
export async function openConsoleBrowser(base: string): Promise<ConsoleBrowser> {
  // Chromium's own language (date fields, built-in messages) follows LANGUAGE; Debian's chromium-l10n has the Korean.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, LANGUAGE: 'ko', LANG: 'ko_KR.UTF-8' } });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const problems: string[] = [];
  const checked: ConsoleBrowser['checked'] = {};

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    page.on('console', (m) => {
      // The two expected failures: the outsider's 404 page itself, and the poll refused once a token is revoked.
      if (m.type() === 'error' && !/status of (404|401)/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    return { context, page };
  }

  async function staffPage(token: string, landing = '/console'): Promise<{ context: BrowserContext; page: Page }> {
    const { context, page } = await newPage();
    await page.goto(`${base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.getByLabel('직원 토큰').fill(token);
    await Promise.all([page.waitForURL(`${base}${landing}`), page.getByRole('button', { name: '로그인' }).click()]);
    return { context, page };
  }

  async function screenshot(page: Page, name: string, minBytes = 25_000): Promise<void> {
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(SCREENSHOT_DIR, `console-${name}.png`), png);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // Wider than the window would mean something overflows the page sideways.
    expect(width, name).toBe(VIEWPORT.width);
    expect(height).toBeGreaterThanOrEqual(400);
    // A blank or broken page compresses to almost nothing; text, tables and forms do not.
    expect(png.length).toBeGreaterThan(minBytes);
    checked[name] = { bytes: png.length, width, height };
  }

  async function checkPage(page: Page, name: string, minBytes = 25_000): Promise<void> {
    expect(await accessibilityProblems(page), name).toEqual([]);
    // The stylesheet passed the content security policy: its layout is in effect.
    expect(await page.$eval('header.site', (h) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(h).display)).toBe('flex');
    await screenshot(page, name, minBytes);
  }

  return { browser, problems, checked, staffPage, anonymousPage: newPage, screenshot, checkPage, close: () => browser.close() };
}
