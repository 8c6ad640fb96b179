// Random and hostile input to every route, webhooks included (validly signed, so the body
// parser and schemas are reached): never a 5xx, and errors in the one JSON shape.
// Deterministic: a fixed seed, so a failure reproduces.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestContext, signTwilio, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
import { listRoutes, type AppRoute } from './support/routes.js';

// FUZZ_SEED explores other inputs; the suite runs one fixed seed so a failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const RUNS = 25;
const KAKAO_SECRET = 'fuzz-kakao-secret';
let ctx: TestContext;
const tokens = { staff: '', manager: '', operator: '', admin: '' };

beforeAll(async () => {
  ctx = await createTestContext({
    KAKAO_SKILL_SECRET: KAKAO_SECRET,
    STAFF_API_RATE_PER_MINUTE: '1000000',
    FAILED_AUTH_PER_ADDRESS: '1000000',
  });
  tokens.staff = await ctx.staffToken('staff', 'ROAD');
  tokens.manager = await ctx.staffToken('manager');
  tokens.operator = await ctx.staffToken('operator');
  tokens.admin = await ctx.staffToken('admin');
  for (let i = 0; i < 3; i++) await makeCase(ctx.db, { department: 'ROAD' });
});
afterAll(async () => {
  await ctx?.close();
});

// ---------------------------------------------------------------------------------------------
// hostile material

const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "1; DROP TABLE cases;--",
  "1' UNION SELECT token_hash FROM staff--",
  '\u0000',
  '%00',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '${7*7}{{7*7}}',
  '9'.repeat(400),
  '1e309',
  '-1',
  '0',
  '0x1F',
  'NaN',
  'Infinity',
  'null',
  '[]',
  '{}',
  '\uD800',
  '😀'.repeat(50),
  '가'.repeat(5000),
  ' ',
  '',
  '\r\nX-Injected: 1',
  '2026-02-30',
  '9999-99-99',
  'ROAD',
  'resolved',
  'closed',
  'sms',
];
const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'text',
  'disposition',
  'department',
  'reason',
  'status',
  'channel',
  'category',
  'from',
  'to',
  'cursor',
  'limit',
  'caseId',
  'staffId',
  'MessageSid',
  'From',
  'Body',
  'NumMedia',
  'MessageStatus',
  'ErrorCode',
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 12 }),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308, 2 ** 64, -1, 0, 1.5),
);
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));
const scalar = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const { value: hostileValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));

interface Body {
  type?: string;
  payload?: string | Buffer;
}

/** Bodies no schema would expect: raw bytes, broken JSON, huge, deep, polluting. */
const RAW_BODIES: Body[] = [
  { type: 'application/json', payload: '['.repeat(100_000) + ']'.repeat(100_000) },
  { type: 'application/json', payload: '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000) },
  { type: 'application/json', payload: '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}' },
  { type: 'application/json', payload: '{"text":"x","text":"y"}' },
  { type: 'application/json', payload: '{"text": "unterminated' },
  { type: 'application/json', payload: Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) },
  { type: 'application/json', payload: JSON.stringify({ text: 'x'.repeat(300 * 1024) }) },
  { type: 'application/json', payload: '' },
  { type: 'application/json', payload: 'null' },
  { type: 'application/json', payload: '12345678901234567890123456789' },
  { type: 'application/x-www-form-urlencoded', payload: Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x26, 0x25, 0x5a, 0x5a]) },
  { type: 'application/x-www-form-urlencoded', payload: 'a=1&a=2&a=3&__proto__[x]=1&constructor[prototype][y]=2' },
  { type: 'application/x-www-form-urlencoded', payload: 'x='.padEnd(70 * 1024, 'y') },
  { type: 'text/plain', payload: 'hello' },
  { type: 'multipart/form-data; boundary=zzz', payload: '--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--zzz--' },
  { type: 'application/xml', payload: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
  { type: 'application/json; charset=utf-16', payload: '{}' },
  {},
];

const body: fc.Arbitrary<Body> = fc.oneof(
  hostileValue.map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' })),
  fc.dictionary(key, hostileValue, { maxKeys: 5 }).map((v) => ({ type: 'application/json', payload: JSON.stringify(v) })),
  fc.dictionary(key, hostileString, { maxKeys: 5 }).map((d) => ({
    type: 'application/x-www-form-urlencoded',
    payload: new URLSearchParams(Object.entries(d)).toString(),
  })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ type: 'application/json', payload: Buffer.from(bytes) })),
  fc.constantFrom(...RAW_BODIES),
);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const pathSegment = fc.oneof(
  fc.constantFrom('1', '2', '0', '-1', '1.5', '99999999999999999999999', 'abc', '%00', '%2e%2e', '1e3', '%20 1', '0x1', '%ff%fe'),
  // (A lone surrogate cannot be percent-encoded; the cut may leave a broken %-escape on purpose.)
  hostileString.map((s) => encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD')).slice(0, 300) || 'x'),
);
const query = fc.dictionary(key, fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), { maxKeys: 5 }).map((d) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(d)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  return params.toString();
});

// ---------------------------------------------------------------------------------------------
// every route

type Route = AppRoute;

function appRoutes(): Route[] {
  return listRoutes(ctx.app);
}

/** The token that gets past each route's permission check, so validation and handlers are reached. */
function tokenFor(path: string): string | null {
  if (path.startsWith('/webhooks/') || path === '/healthz' || path === '/readyz' || path === '/metrics') return null;
  if (path.includes('/resident-phone')) return tokens.staff;
  if (path.startsWith('/api/cases') || path.startsWith('/api/routing')) return tokens.manager;
  if (path.startsWith('/api/audit')) return tokens.admin;
  return tokens.operator;
}

function fill(path: string, segments: string[]): string {
  let i = 0;
  return path.replace(/:\w+|\*/g, () => segments[i++ % segments.length] ?? '1');
}

async function send(route: Route, url: string, b: Body, extraHeaders: Record<string, string> = {}) {
  const token = tokenFor(route.path);
  const headers: Record<string, string> = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  if (b.type) headers['content-type'] = b.type;
  const withBody = !['GET', 'HEAD'].includes(route.method) && b.payload !== undefined;
  return ctx.app.inject({
    method: route.method as 'GET',
    url,
    headers,
    ...(withBody ? { payload: b.payload } : {}),
  });
}

function check(route: Route, url: string, res: LightMyRequestResponse) {
  const where = `${route.method} ${url.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, where).toBeLessThan(500);
  if (res.statusCode >= 400 && (route.path.startsWith('/api/') || route.path.startsWith('/webhooks/') || route.path === '/ops/queues')) {
    expect(res.headers['content-type'], where).toMatch(/application\/json/);
    expect(res.json(), where).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

describe('fuzzing every route', () => {
  it('finds the routes', () => {
    const routes = appRoutes();
    expect(routes.length).toBeGreaterThan(15);
    for (const expected of ['POST /webhooks/sms/twilio', 'POST /webhooks/kakao/skill', 'POST /api/cases/:id/close', 'GET /api/audit']) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(expected);
    }
  });

  it('answers random and hostile requests to every route without a 5xx', async () => {
    for (const route of appRoutes()) {
      // Twilio and Kakao bodies get their own, validly signed, runs below.
      await fc.assert(
        fc.asyncProperty(fc.array(pathSegment, { minLength: 1, maxLength: 3 }), query, body, async (segments, qs, b) => {
          const url = `${fill(route.path, segments)}${qs ? `?${qs}` : ''}`;
          check(route, url, await send(route, url, b));
        }),
        // The dashboard's 40-odd routes are bull-board's own, behind our one guard: fewer runs.
        { seed: SEED, numRuns: route.path.startsWith('/ops/board/') ? 5 : RUNS },
      );
      if (route.path.startsWith('/ops/board/')) continue;
      for (const raw of RAW_BODIES) check(route, fill(route.path, ['1']), await send(route, fill(route.path, ['1']), raw));
    }
  }, 300_000);

  it('answers validly signed Twilio webhooks with hostile parameters without a 5xx', async () => {
    const params = fc.record(
      {
        MessageSid: hostileString,
        From: hostileString,
        Body: hostileString,
        NumMedia: hostileString,
        MessageStatus: hostileString,
        ErrorCode: hostileString,
        extra: hostileString,
      },
      { requiredKeys: [] },
    );
    for (const path of ['/webhooks/sms/twilio', '/webhooks/sms/twilio/status']) {
      await fc.assert(
        fc.asyncProperty(params, async (p) => {
          const form = Object.fromEntries(Object.entries(p).filter((e): e is [string, string] => typeof e[1] === 'string'));
          const res = await ctx.app.inject({
            method: 'POST',
            url: path,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(path, form) },
            payload: new URLSearchParams(form).toString(),
          });
          // A valid signature: refused only for its content (400), never with a 5xx.
          expect([200, 400], `${path} ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
          if (res.statusCode === 400) expect(res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }),
        { seed: SEED, numRuns: RUNS * 4 },
      );
      // JSON instead of a form, signed over what it parses to.
      await fc.assert(
        fc.asyncProperty(fc.dictionary(key, hostileValue, { maxKeys: 5 }), async (object) => {
          const flat = Object.fromEntries(Object.entries(object).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? '']));
          const res = await ctx.app.inject({
            method: 'POST',
            url: path,
            headers: { 'content-type': 'application/json', 'x-twilio-signature': signTwilio(path, flat) },
            payload: JSON.stringify(object),
          });
          check({ method: 'POST', path }, path, res);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
  }, 120_000);

  it('answers Kakao skill calls with the right secret and hostile payloads without a 5xx', async () => {
    const skill = fc.record(
      {
        userRequest: fc.oneof(
          hostileValue,
          fc.record(
            {
              utterance: fc.oneof(hostileString, hostileValue),
              user: fc.oneof(hostileValue, fc.record({ id: fc.oneof(hostileString, hostileValue), properties: hostileValue }, { requiredKeys: [] })),
              params: hostileValue,
            },
            { requiredKeys: [] },
          ),
        ),
        bot: hostileValue,
        action: hostileValue,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(skill, async (payload) => {
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/webhooks/kakao/skill',
          headers: { 'content-type': 'application/json', 'x-skill-secret': KAKAO_SECRET },
          payload: JSON.stringify(payload),
        });
        check({ method: 'POST', path: '/webhooks/kakao/skill' }, '/webhooks/kakao/skill', res);
        if (res.statusCode === 200) expect(res.json().version).toBe('2.0');
      }),
      { seed: SEED, numRuns: RUNS * 6 },
    );
    for (const raw of RAW_BODIES) {
      const res = await send({ method: 'POST', path: '/webhooks/kakao/skill' }, '/webhooks/kakao/skill', raw, { 'x-skill-secret': KAKAO_SECRET });
      check({ method: 'POST', path: '/webhooks/kakao/skill' }, '/webhooks/kakao/skill', res);
    }
  }, 120_000);

  // What the fuzzer found first, kept as plain cases.
  it('keeps a signed SMS with NUL characters, without them (Postgres text cannot hold NUL), never a 500', async () => {
    const form = { MessageSid: 'SMnul0', From: '+82101234\u00005678', Body: 'a\u0000b' };
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/sms/twilio',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio('/webhooks/sms/twilio', form) },
      payload: new URLSearchParams(form).toString(),
    });
    expect(res.statusCode).toBe(200);
    const inbound = await ctx.db.selectFrom('inbound_messages').select(['text', 'sender']).where('provider_message_id', '=', 'SMnul0').executeTakeFirstOrThrow();
    expect(inbound).toEqual({ text: 'ab', sender: { phone: '+82101234\u00005678'.replace('\u0000', '') } });
  });

  it('keeps a Kakao message with NUL characters, without them, and the rest of the request as it came', async () => {
    const payload = {
      intent: { id: 'fallback', name: '폴백 블록' },
      userRequest: { utterance: '가로등\u0000 고장', user: { id: 'kakao-nul-resident', type: 'botUserKey', properties: { note: 'x\u0000y' } } },
      bot: { id: 'bot-1' },
    };
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/kakao/skill',
      headers: { 'content-type': 'application/json', 'x-skill-secret': KAKAO_SECRET },
      payload: JSON.stringify(payload),
    });
    expect(res.statusCode).toBe(200);
    const inbound = await ctx.db
      .selectFrom('inbound_messages')
      .select(['text', 'raw'])
      .where('channel', '=', 'kakao')
      .where(sql<boolean>`sender -> 'kakao' ->> 'userKey' = 'kakao-nul-resident'`)
      .executeTakeFirstOrThrow();
    expect(inbound.text).toBe('가로등 고장');
    expect(inbound.raw).toEqual(JSON.parse(JSON.stringify(payload).replaceAll('\\u0000', '')));

    // Without a NUL, the inbox keeps the same document as the request.
    const plain = { ...payload, userRequest: { ...payload.userRequest, utterance: '가로등 고장', user: { id: 'kakao-plain-resident', properties: { a: [1, { b: null }] } } } };
    await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/kakao/skill',
      headers: { 'content-type': 'application/json', 'x-skill-secret': KAKAO_SECRET },
      payload: JSON.stringify(plain),
    });
    const stored = await ctx.db
      .selectFrom('inbound_messages')
      .select('raw')
      .where(sql<boolean>`sender -> 'kakao' ->> 'userKey' = 'kakao-plain-resident'`)
      .executeTakeFirstOrThrow();
    expect(stored.raw).toEqual(plain);
  });

  it('answers a malformed URL with the JSON error shape', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/cases/%EA%B0', headers: { authorization: `Bearer ${tokens.manager}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'fst_err_bad_url', message: expect.any(String) } });
  });
});
