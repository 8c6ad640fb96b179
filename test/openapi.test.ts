// The OpenAPI document (/docs/json) generated from the routes' schemas, and the reference page
// (/docs): every staff route documents its answers, the document is valid OpenAPI 3.1, the
// serialiser drops nothing a view returns, and the page loads nothing from outside and, in
// production, only for a staff token.
import { mayorSessionsOfCase } from '../src/mayor-sessions/case-record.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { chromium } from 'playwright-core';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase, staffIdOf } from './support/cases.js';
import { listRoutes } from './support/routes.js';
import { findCaseWithResident, listCases } from '../src/cases/case-queries.js';
import { caseView, eventView, messageView } from '../src/cases/case-view.js';
import { listCaseMessages } from '../src/cases/message-repository.js';
import { listCaseEvents } from '../src/cases/case-repository.js';
import { listCaseNotes, noteView } from '../src/cases/case-notes.js';
import { DOCS_COOKIE } from '../src/http/api-docs.js';

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
}

let ctx: TestContext;
let doc: Document;

beforeAll(async () => {
  ctx = await createTestContext();
  const res = await ctx.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await ctx?.close();
});

/** /api/cases/:id as the document names it: /api/cases/{id}. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The schema of a JSON answer, or undefined. */
const jsonSchema = (op: Operation, status: string) => op.responses?.[status]?.content?.['application/json']?.schema;

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route under /api: its success, its errors in the app-wide shape, and the staff token', () => {
    const apiRoutes = listRoutes(ctx.app).filter((r) => r.path.startsWith('/api/'));
    expect(apiRoutes.length).toBeGreaterThan(15);
    for (const route of apiRoutes) {
      const name = `${route.method} ${route.path}`;
      const op = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(op, `${name} is not in the document`).toBeDefined();
      expect(op!.summary, `${name} has no summary`).toBeTruthy();
      expect(op!.tags?.length, `${name} has no tag`).toBeGreaterThan(0);
      expect(op!.security, name).toEqual([{ staffToken: [] }]);

      const statuses = Object.keys(op!.responses ?? {});
      const success = statuses.filter((s) => /^2\d\d$/.test(s));
      expect(success.length, `${name} documents no 2xx answer`).toBeGreaterThan(0);
      for (const s of success) expect(op!.responses![s]!.content, `${name} ${s} has no body schema`).toBeDefined();

      // Every staff route can refuse input, a missing token, a role and a flood; one with an id, a missing thing.
      const errors = ['400', '401', '403', '429', '500', ...(route.path.includes(':') ? ['404'] : []), ...(op!.requestBody ? ['413', '415'] : [])];
      for (const s of errors) {
        const schema = jsonSchema(op!, s);
        expect(schema, `${name} does not document ${s}`).toBeDefined();
        expect(schema, `${name} ${s}`).toMatchObject({
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'] } },
        });
        expect(op!.responses![s]!.description, `${name} ${s} says nothing`).toMatch(/`\w+`/);
      }
    }
  });

  it('documents the health, readiness, metrics and queue routes, and leaves out webhooks and pages', () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/ops/queues']) {
      const op = doc.paths[path]?.get;
      expect(op, path).toBeDefined();
      expect(op!.responses?.['200'], path).toBeDefined();
    }
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/ops/queues']!.get!.security).toEqual([{ staffToken: [] }]);
    expect(doc.paths['/readyz']!.get!.responses?.['503']).toBeDefined();
    expect(doc.components.securitySchemes.staffToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));

    const paths = Object.keys(doc.paths);
    for (const prefix of ['/webhooks/', '/ops/board', '/reports', '/docs']) {
      expect(paths.filter((p) => p.startsWith(prefix)), prefix).toEqual([]);
    }
    // The webhooks are still there, only not in the staff reference.
    expect(listRoutes(ctx.app).some((r) => r.path.startsWith('/webhooks/'))).toBe(true);
  });

  it('is also served as YAML', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/docs/yaml' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^openapi: 3\.1\.0$/m);
  });
});

describe('answers through the response schemas', () => {
  it('a case with its messages, events and notes loses no field of its views', async () => {
    const token = await ctx.staffToken('staff', 'ROAD');
    const auth = { authorization: `Bearer ${token}` };
    const { caseId, residentId } = await makeCase(ctx.db);
    // The mayor's sessions: an 온데이트 volunteer chosen, and a 찾아가는 구청장실 meeting held.
    const staffId = (await ctx.db.selectFrom('staff').select('id').executeTakeFirstOrThrow()).id;
    const session = await ctx.db.insertInto('mayor_visit_sessions').values({ starts_at: new Date(), place: '구청 소회의실', created_by: staffId }).returning('id').executeTakeFirstOrThrow();
    await ctx.db.insertInto('ondate_volunteers').values({ case_id: caseId, resident_id: residentId, month: '2026-12', status: 'chosen', session_at: new Date(), mode: 'video', decided_by: staffId, decided_at: new Date() }).execute();
    await ctx.db
      .insertInto('mayor_visit_requests')
      .values({ case_id: caseId, resident_id: residentId, status: 'met', session_id: session.id, scheduled_at: new Date(), outcome_note: '면담함', outcome_case_id: caseId, outcome_by: staffId, outcome_at: new Date() })
      .execute();
    // Every optional part of a case filled in: routing with candidates, a deadline extension, a reply, a note.
    await ctx.db
      .updateTable('cases')
      .set({
        routing: JSON.stringify({
          router: 'learned-v1',
          confidence: 0.41,
          reasons: ['보도블록'],
          category: 'roads',
          department: 'ROAD',
          kind: 'complaint',
          candidates: [{ department: 'ROAD', category: 'roads', score: 0.41 }, { department: 'PARKING', category: 'traffic', score: 0.2 }],
          triage: 'low_confidence',
        }),
        kind: 'complaint',
        deadline_days: 7,
        due_at: new Date(Date.now() + 86_400_000),
        extended_at: new Date(),
        extension_days: 3,
        extension_reason: '현장 확인',
      })
      .where('id', '=', caseId)
      .execute();
    expect((await ctx.app.inject({ method: 'POST', url: `/api/cases/${caseId}/replies`, headers: auth, payload: { text: '확인하겠습니다.' } })).statusCode).toBe(202);
    expect((await ctx.app.inject({ method: 'POST', url: `/api/cases/${caseId}/notes`, headers: auth, payload: { text: '오후 통화' } })).statusCode).toBe(201);

    const res = await ctx.app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: auth });
    expect(res.statusCode).toBe(200);
    const row = (await findCaseWithResident(ctx.db, caseId))!;
    const [messages, events, notes] = await Promise.all([listCaseMessages(ctx.db, caseId), listCaseEvents(ctx.db, caseId), listCaseNotes(ctx.db, caseId)]);
    const expected = {
      ...caseView(row),
      messages: messages.map((m) => (m.direction === 'in' ? { ...messageView(m), attachments: [] } : messageView(m))),
      events: events.map(eventView),
      notes: notes.map(noteView),
      location: null,
      satisfaction: null,
      mayorSessions: await mayorSessionsOfCase(ctx.db, caseId),
    };
    // Through JSON, as the views hold no Dates; `overdue` is computed at the time of each read.
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    const body = res.json();
    expect(body.mayorSessions.ondate).toHaveLength(1);
    expect(body.mayorSessions.visits[0]).toEqual(expect.objectContaining({ outcomeNote: '면담함', outcomeCaseNumber: expect.any(String), sessionId: session.id }));
    expect(body.routing.candidates).toHaveLength(2);
    expect(body.deadline.extension).toEqual(expect.objectContaining({ days: 3, reason: '현장 확인' }));
    expect(body.messages.find((m: { direction: string }) => m.direction === 'out')).toEqual(expect.objectContaining({ deliveryStatus: 'pending', sentAt: null }));

    // The list shows its rows as the same view (without the block flag, which the list does not read).
    const list = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: auth });
    const page = await listCases(ctx.db, { scope: 'ROAD', limit: 50 });
    expect(list.json()).toEqual(JSON.parse(JSON.stringify({ items: page.items.map(caseView), nextCursor: null })));
    expect(list.json().items).toHaveLength(1);
  });

  it('the audit log keeps its free-form details', async () => {
    const staff = await ctx.staffToken('staff', 'ROAD');
    await ctx.app.inject({ method: 'GET', url: '/api/cases?q=%EB%B3%B4%EB%8F%84%EB%B8%94%EB%A1%9D', headers: { authorization: `Bearer ${staff}` } });
    const admin = await ctx.staffToken('admin');
    const res = await ctx.app.inject({ method: 'GET', url: `/api/audit?staffId=${await staffIdOf(ctx.db, staff)}`, headers: { authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(200);
    const listed = res.json().items.find((e: { action: string }) => e.action === 'cases.listed');
    expect(listed.detail).toEqual({ query: {}, search: ['words'] });
    expect(listed.caseIds.length).toBeGreaterThan(0);
  });

  it('errors keep the app-wide shape under a route’s error schema', async () => {
    const token = await ctx.staffToken('staff', 'ROAD');
    const res = await ctx.app.inject({ method: 'GET', url: '/api/cases/999999', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'case 999999 not found' } });
  });
});

describe('the reference page', () => {
  it('refers only to its own origin and is served with a strict policy of its own', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
    const refs = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^\.\/static\//);
      const asset = await ctx.app.inject({ method: 'GET', url: `/docs/${ref.slice(2)}` });
      expect(asset.statusCode, ref).toBe(200);
    }
    expect(res.body).not.toMatch(/<script>|<script [^>]*>[^<\s]/); // no inline script
  });

  it('in a browser, loads and lists the staff routes with no request to another origin and no policy violation', async () => {
    const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const profile = mkdtempSync(join(tmpdir(), 'sotong-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${base}/docs/`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/api/cases', '/api/cases/{id}/close', '/api/audit']));
      expect(requested.length).toBeGreaterThan(3);
      for (const url of requested) expect(new URL(url).origin, url).toBe(new URL(base).origin);
      expect(requested).toContain(`${base}/docs/json`);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('in production', () => {
  let prod: TestContext;
  beforeAll(async () => {
    prod = await createTestContext({
      NODE_ENV: 'production',
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_FROM: '+8225550100',
      KAKAO_SKILL_SECRET: 'test-skill-secret',
      INTAKE_BUFFER_SECRET: 'test-buffer-secret',
    });
  });
  afterAll(async () => {
    await prod?.close();
  });

  it('refuses the document, the page and its assets without a staff token', async () => {
    const json = await prod.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect((await prod.app.inject({ method: 'GET', url: '/docs/yaml' })).statusCode).toBe(401);
    expect((await prod.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })).statusCode).toBe(401);
    expect((await prod.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' })).statusCode).toBe(401);
    const bad = await prod.app.inject({ method: 'GET', url: '/docs/json', headers: { authorization: 'Bearer sotong_not-a-token' } });
    expect(bad.statusCode).toBe(401);
    for (const url of ['/docs', '/docs/']) {
      const page = await prod.app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(303);
      expect(page.headers.location).toBe('/docs/login');
    }
  });

  it('opens to a staff token of any role, as a header or through the sign-in form', async () => {
    const operator = await prod.staffToken('operator');
    const json = await prod.app.inject({ method: 'GET', url: '/docs/json', headers: { authorization: `Bearer ${operator}` } });
    expect(json.statusCode).toBe(200);
    expect(json.json().openapi).toBe('3.1.0');

    const form = await prod.app.inject({ method: 'GET', url: '/docs/login' });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="token"');
    const refused = await prod.app.inject({ method: 'POST', url: '/docs/login', payload: { token: 'sotong_wrong' } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();

    const staff = await prod.staffToken('staff', 'ROAD');
    const signIn = await prod.app.inject({ method: 'POST', url: '/docs/login', payload: { token: staff } });
    expect(signIn.statusCode).toBe(303);
    expect(signIn.headers.location).toBe('/docs/');
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${DOCS_COOKIE}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/docs/);
    const value = cookie.split(';')[0]!;
    const page = await prod.app.inject({ method: 'GET', url: '/docs/', headers: { cookie: value } });
    expect(page.statusCode).toBe(200);
    expect((await prod.app.inject({ method: 'GET', url: '/docs/json', headers: { cookie: value } })).statusCode).toBe(200);
    // The cookie opens the reference only; the API still wants the header.
    expect((await prod.app.inject({ method: 'GET', url: '/api/cases', headers: { cookie: value } })).statusCode).toBe(401);
  });

  it('offers no "try it out" against the real cases', async () => {
    const token = await prod.staffToken('manager');
    const init = await prod.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js', headers: { authorization: `Bearer ${token}` } });
    expect(init.statusCode).toBe(200);
    expect(init.body).toContain('"supportedSubmitMethods":[]');
  });
});
