// The domestic SMS line end to end: a gateway posts a resident's message to
// /webhooks/sms/:provider (configured adapter, HMAC-SHA256), the case is opened and routed,
// the acknowledgement and staff answers leave through Solapi (faked with nock at
// SOLAPI_API_BASE_URL), and Solapi's delivery reports move them forward, never back.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';
import { eucKrByteLength, isKsX1001 } from '../src/outbound/sms-text.js';
import { jobIds } from '../src/queues/queues.js';
import { buildApp } from '../src/app.js';
import { captureLogs } from './support/log-capture.js';

const SOLAPI = 'http://solapi.fake.local';
const GATEWAY_SECRET = 'gateway-shared-secret-0123456789';
const SOLAPI_WEBHOOK_SECRET = 'solapi-webhook-secret-abcdef';
const REPORT_PATH = '/webhooks/sms/solapi/status';

// The documented example adapter (sms-gateways.example.json, docs/channels.md), as an operator would copy it.
const EXAMPLE = JSON.parse(readFileSync(new URL('../sms-gateways.example.json', import.meta.url), 'utf8')) as { gateways: { munja: object } };
const GATEWAYS = {
  gateways: {
    munja: EXAMPLE.gateways.munja,
    // A gateway posting a flat form, base64 signature over the body alone.
    'form-gw': {
      secretEnv: 'FORM_GW_SECRET',
      signature: { header: 'X-Signature', encoding: 'base64' },
      fields: { messageId: 'msgid', from: 'from', text: 'msg' },
    },
  },
};
const FORM_GW_SECRET = 'form-gateway-secret-0123456789';

let ctx: TestContext;
let managerToken: string;
let phoneSeq = 0;
let moSeq = 0;

// ---------------------------------------------------------------------------------------
// The fake Solapi REST API

type SolapiAnswer = 'accept' | { status: number; body: object };

interface SolapiCall {
  message: { to: string; from: string; text: string; type: string; subject?: string };
  messageId: string | null;
}

const solapi = { calls: [] as SolapiCall[], answers: [] as SolapiAnswer[], seq: 0 };

function fakeSolapi() {
  nock(SOLAPI)
    .persist()
    .post('/messages/v4/send')
    .reply(function (_uri, requestBody) {
      const { message } = requestBody as { message: SolapiCall['message'] };
      const answer = solapi.answers.shift() ?? 'accept';
      let status = 200;
      let body: object;
      let messageId: string | null = null;
      if (answer === 'accept') {
        solapi.seq += 1;
        messageId = `M4V2026112612${String(solapi.seq).padStart(6, '0')}TESTTESTTEST`;
        body = { groupId: 'G4V20261126120000TESTGROUP000001', messageId, statusCode: '2000', statusMessage: '정상 접수', to: message.to, from: message.from, type: message.type, country: '82' };
      } else {
        ({ status, body } = answer);
      }
      solapi.calls.push({ message, messageId });
      const text = JSON.stringify(body);
      return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
    });
}

/** The calls to Solapi for one phone number (domestic form). */
function callsTo(phone: string): SolapiCall[] {
  const domestic = `0${phone.slice(3)}`;
  return solapi.calls.filter((c) => c.message.to === domestic);
}

// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotong-gateways-'));
  const gatewaysFile = join(dir, 'gateways.json');
  writeFileSync(gatewaysFile, JSON.stringify(GATEWAYS));
  ctx = await createTestContext({
    SMS_PROVIDER: 'solapi',
    SOLAPI_API_KEY: 'NCSTESTKEY000001',
    SOLAPI_API_SECRET: 'TESTSECRET0123456789ABCDEFGHIJKL',
    SOLAPI_FROM: '02-3396-4114',
    SOLAPI_API_BASE_URL: SOLAPI,
    SOLAPI_WEBHOOK_SECRET,
    SMS_GATEWAYS_FILE: gatewaysFile,
    MUNJA_WEBHOOK_SECRET: GATEWAY_SECRET,
    FORM_GW_SECRET,
    OUTBOUND_BACKOFF_MS: '50',
    OUTBOUND_ATTEMPTS: '3',
  });
  await ctx.startWorkers();
  managerToken = await ctx.staffToken('manager');
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  fakeSolapi();
});

afterEach(() => {
  solapi.answers = [];
});

afterAll(async () => {
  await ctx?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

function nextPhone(): string {
  phoneSeq += 1;
  return `+8210${String(3333_0000 + phoneSeq)}`;
}

/** A gateway's own body shape (the example adapter's field paths). */
function moBody(phone: string, overrides: Record<string, unknown> = {}) {
  moSeq += 1;
  return {
    mo_key: `MO-${Date.now()}-${moSeq}`,
    sender: { number: `0${phone.slice(3, 5)}-${phone.slice(5, 9)}-${phone.slice(9)}` },
    receiver: '0233964114',
    content: '회현동 골목 가로등이 며칠째 꺼져 있어요',
    received_at: '2026-11-26T21:05:00+09:00',
    ...overrides,
  };
}

function sign(raw: string, timestamp: string, secret = GATEWAY_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
}

function postGateway(body: object | string, options: { headers?: Record<string, string>; path?: string; contentType?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return ctx.app.inject({
    method: 'POST',
    url: options.path ?? '/webhooks/sms/munja',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      'x-munja-timestamp': timestamp,
      'x-munja-signature': sign(raw, timestamp),
      ...options.headers,
    },
    payload: raw,
  });
}

function api(method: 'GET' | 'POST', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: { authorization: `Bearer ${managerToken}` }, ...(payload ? { payload } : {}) });
}

interface CaseJson {
  id: number;
  department: string | null;
  messages: { id: number; direction: string; kind: string; text: string; deliveryStatus?: string | null; errorCode?: string | null }[];
}

async function getCase(caseId: number): Promise<CaseJson> {
  const res = await api('GET', `/api/cases/${caseId}`);
  expect(res.statusCode).toBe(200);
  return res.json<CaseJson>();
}

/** The resident's case, once the routing worker has filed the message into it. */
async function caseOf(phone: string): Promise<number> {
  const row = await eventually(() =>
    ctx.db
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select('cases.id')
      .where('residents.phone', '=', phone)
      .executeTakeFirst(),
  );
  return row.id;
}

/** A resident writes through the gateway; returns the routed case once its acknowledgement has left. */
async function openCase(phone: string): Promise<number> {
  const res = await postGateway(moBody(phone));
  expect(res.statusCode).toBe(200);
  const caseId = await caseOf(phone);
  await eventually(async () => (await getCase(caseId)).department !== null && callsTo(phone).length === 1);
  return caseId;
}

async function closeCase(caseId: number, text: string): Promise<number> {
  const res = await api('POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text });
  expect(res.statusCode).toBe(200);
  return res.json<{ messageId: number }>().messageId;
}

async function sendFinished(messageId: number): Promise<void> {
  await eventually(async () => (await ctx.app.queues.outbound.sms.getJobState(jobIds.send(messageId))) === 'completed');
}

function postReports(reports: object[], secret = SOLAPI_WEBHOOK_SECRET) {
  return ctx.app.inject({
    method: 'POST',
    url: REPORT_PATH,
    headers: { 'content-type': 'application/json', 'x-solapi-event-name': 'SINGLE-REPORT', 'x-solapi-secret': secret },
    payload: JSON.stringify(reports),
  });
}

/** One report as Solapi's webhook posts it. */
function report(messageId: string, statusCode: string) {
  return {
    messageId,
    groupId: 'G4V20261126120000TESTGROUP000001',
    type: 'LMS',
    to: '01000000001',
    from: '0233964114',
    statusCode,
    dateProcessed: '2026-11-26T12:18:40.713Z',
    dateReported: '2026-11-26T12:18:45.000Z',
    networkCode: '90901',
    customFields: {},
  };
}

async function statusOf(caseId: number, messageId: number) {
  const message = (await getCase(caseId)).messages.find((m) => m.id === messageId)!;
  return { deliveryStatus: message.deliveryStatus, errorCode: message.errorCode };
}

// ---------------------------------------------------------------------------------------

describe('inbound from a domestic gateway (POST /webhooks/sms/:provider)', () => {
  it('opens and routes a case from a signed message, and acknowledges it by Solapi in KS X 1001 text', async () => {
    const phone = nextPhone();
    const body = moBody(phone);
    const res = await postGateway(body);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, duplicate: false });
    const caseId = await caseOf(phone);
    const theCase = await eventually(async () => {
      const c = await getCase(caseId);
      return c.department !== null ? c : undefined;
    });
    const inbound = theCase.messages.find((m) => m.direction === 'in')!;
    expect(inbound).toMatchObject({ kind: 'resident', text: body.content });
    const stored = await ctx.db.selectFrom('messages').select(['provider', 'provider_message_id', 'created_at']).where('id', '=', inbound.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ provider: 'munja', provider_message_id: body.mo_key });
    expect(stored.created_at.toISOString()).toBe('2026-11-26T12:05:00.000Z');

    // The acknowledgement cannot ride on the HTTP answer: it leaves through Solapi.
    const [ack] = await eventually(async () => (callsTo(phone).length === 1 ? callsTo(phone) : undefined));
    // Short enough for one SMS (90 EUC-KR bytes): the cheapest message a resident can be sent.
    // It names the case's number.
    const { caseNumber } = await ctx.db.selectFrom('cases').select('case_number as caseNumber').where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(ack!.message).toMatchObject({ from: '0233964114', type: 'SMS', text: withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, caseNumber) });
    expect(isKsX1001(ack!.message.text)).toBe(true);
    expect(eucKrByteLength(ack!.message.text)).toBeLessThanOrEqual(90);
    const ackRow = await eventually(async () => {
      const row = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).where('kind', '=', 'acknowledgement').executeTakeFirst();
      return row?.provider_message_id ? row : undefined;
    });
    expect(ackRow).toMatchObject({ provider: 'solapi', provider_message_id: ack!.messageId, delivery_status: 'queued' });
  });

  it('takes a form-encoded body from a gateway configured for one (base64 signature, no timestamp)', async () => {
    const phone = nextPhone();
    const raw = new URLSearchParams({ msgid: `F-${Date.now()}`, from: `0${phone.slice(3)}`, msg: '인도 블록이 깨졌어요' }).toString();
    const post = (signature: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/webhooks/sms/form-gw',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signature': signature },
        payload: raw,
      });
    // The other gateway's secret does not open this one.
    expect((await post(createHmac('sha256', GATEWAY_SECRET).update(raw).digest('base64'))).statusCode).toBe(403);

    const res = await post(createHmac('sha256', FORM_GW_SECRET).update(raw).digest('base64'));
    expect(res.statusCode).toBe(200);
    const caseId = await caseOf(phone);
    const inbound = (await getCase(caseId)).messages.find((m) => m.direction === 'in')!;
    expect(inbound.text).toBe('인도 블록이 깨졌어요');
    await eventually(async () => callsTo(phone).length === 1);
  });

  it('stores a re-sent message once and acknowledges it once', async () => {
    const phone = nextPhone();
    const body = moBody(phone);
    expect((await postGateway(body)).statusCode).toBe(200);
    const again = await postGateway(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: true, duplicate: true });
    const caseId = await caseOf(phone);
    await eventually(async () => callsTo(phone).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsTo(phone)).toHaveLength(1);
    const messages = (await getCase(caseId)).messages;
    expect(messages.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(messages.filter((m) => m.kind === 'acknowledgement')).toHaveLength(1);
  });

  it('refuses unsigned, wrongly signed, altered and stale requests, storing nothing', async () => {
    const phone = nextPhone();
    const body = moBody(phone);
    const raw = JSON.stringify(body);
    const now = String(Math.floor(Date.now() / 1000));
    const cases: [Record<string, string>, string][] = [
      [{ 'x-munja-signature': '' }, 'signature_missing'],
      [{ 'x-munja-signature': sign(raw, now, 'another-secret-of-enough-length') }, 'signature_invalid'],
      [{ 'x-munja-signature': sign(JSON.stringify({ ...body, content: '다른 내용' }), now) }, 'signature_invalid'],
      [{ 'x-munja-timestamp': String(Number(now) - 3600), 'x-munja-signature': sign(raw, String(Number(now) - 3600)) }, 'timestamp_invalid'],
      [{ 'x-munja-timestamp': 'yesterday' }, 'timestamp_invalid'],
    ];
    for (const [headers, code] of cases) {
      const res = await postGateway(raw, { headers });
      expect(res.statusCode, code).toBe(403);
      expect(res.json().error.code).toBe(code);
    }
    expect(await ctx.db.selectFrom('residents').select('id').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();
  });

  it('answers 404 for a gateway that is not configured and 400 for a body it cannot read', async () => {
    const phone = nextPhone();
    const unknown = await postGateway(moBody(phone), { path: '/webhooks/sms/nonesuch' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');

    for (const [body, code] of [
      [moBody(phone, { content: undefined }), 'field_missing'],
      [moBody(phone, { sender: { number: 'unknown' } }), 'field_invalid'],
      [moBody(phone, { received_at: 'last tuesday' }), 'field_invalid'],
      [moBody(phone, { mo_key: '' }), 'field_invalid'],
    ] as const) {
      const res = await postGateway(body);
      expect(res.statusCode, code).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    const broken = await postGateway('{"mo_key": ');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('body_invalid');
    expect(await ctx.db.selectFrom('residents').select('id').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();
  });

  it('leaves /webhooks/sms/twilio to the Twilio webhook (a static route beats the gateway route)', async () => {
    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: nextPhone() }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toContain('<Response><Message>');
  });
});

describe('answers through Solapi', () => {
  it('sends a short answer as one SMS without emoji, and Solapi reports move it to delivered', async () => {
    const phone = nextPhone();
    const caseId = await openCase(phone);
    const messageId = await closeCase(caseId, '가로등을 교체했습니다 🙏');
    await sendFinished(messageId);

    const [, answer] = callsTo(phone);
    expect(answer!.message).toEqual({ to: `0${phone.slice(3)}`, from: '0233964114', text: '가로등을 교체했습니다', type: 'SMS' });
    expect(await statusOf(caseId, messageId)).toEqual({ deliveryStatus: 'queued', errorCode: null });

    expect((await postReports([report(answer!.messageId!, '3000')])).statusCode).toBe(200);
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('sent');
    expect((await postReports([report(answer!.messageId!, '4000')])).json()).toMatchObject({ received: 1, applied: 1, moved: 1 });
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('delivered');
    // A late "handed to the operator" never moves it back.
    await postReports([report(answer!.messageId!, '3000')]);
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('delivered');
  });

  it('splits a long answer into numbered LMS parts of at most 2,000 bytes; the answer is delivered when every part is', async () => {
    const phone = nextPhone();
    const caseId = await openCase(phone);
    const paragraph = '회현동 골목 가로등 네 개를 모두 교체했고, 고장 원인이었던 배선도 새로 깔았습니다. ';
    const answer = `${paragraph.repeat(17)}\n\n${paragraph.repeat(8)}`;
    expect(eucKrByteLength(answer)).toBeGreaterThan(2000);
    const messageId = await closeCase(caseId, answer);
    await sendFinished(messageId);

    const parts = callsTo(phone).slice(1);
    expect(parts).toHaveLength(2);
    parts.forEach((part, i) => {
      expect(part.message.type).toBe('LMS');
      expect(part.message.text.startsWith(`(${i + 1}/2) `)).toBe(true);
      expect(eucKrByteLength(part.message.text)).toBeLessThanOrEqual(2000);
    });
    // Cut between the paragraphs, not inside a word.
    expect(parts[0]!.message.text).toBe(`(1/2) ${paragraph.repeat(17).trim()}`);
    const joined = parts.map((p) => p.message.text.replace(/^\(\d\/2\) /, '')).join('');
    expect(joined.replace(/\s+/g, '')).toBe(answer.replace(/\s+/g, ''));

    const rows = await ctx.db.selectFrom('message_parts').selectAll().where('message_id', '=', messageId).orderBy('part_no').execute();
    expect(rows.map((r) => [r.part_no, r.part_count, r.provider_message_id, r.delivery_status])).toEqual([
      [1, 2, parts[0]!.messageId, 'queued'],
      [2, 2, parts[1]!.messageId, 'queued'],
    ]);
    expect(await statusOf(caseId, messageId)).toEqual({ deliveryStatus: 'queued', errorCode: null });

    await postReports([report(parts[0]!.messageId!, '4000'), report(parts[1]!.messageId!, '3000')]);
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('sent');
    await postReports([report(parts[1]!.messageId!, '4000')]);
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('delivered');
    await postReports([report(parts[0]!.messageId!, '3000')]);
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('delivered');
  });

  it('a part the operator could not deliver makes the answer undelivered, with the reason', async () => {
    const phone = nextPhone();
    const caseId = await openCase(phone);
    const messageId = await closeCase(caseId, '가'.repeat(1500));
    await sendFinished(messageId);
    const parts = callsTo(phone).slice(1);
    expect(parts).toHaveLength(2);

    await postReports([report(parts[0]!.messageId!, '4000'), report(parts[1]!.messageId!, '3059')]);
    expect(await statusOf(caseId, messageId)).toEqual({ deliveryStatus: 'undelivered', errorCode: '3059' });
  });

  it('a part refused for a moment is retried alone: no part is sent twice', async () => {
    const phone = nextPhone();
    const caseId = await openCase(phone);
    solapi.answers = ['accept', { status: 500, body: { errorCode: 'InternalError', errorMessage: 'try again' } }];
    const messageId = await closeCase(caseId, '나'.repeat(1500));
    await sendFinished(messageId);

    const sends = callsTo(phone).slice(1);
    // Part 1, part 2 (refused), part 2 again.
    expect(sends.map((s) => s.message.text.slice(0, 6))).toEqual(['(1/2) ', '(2/2) ', '(2/2) ']);
    const rows = await ctx.db.selectFrom('message_parts').select(['part_no', 'provider_message_id']).where('message_id', '=', messageId).orderBy('part_no').execute();
    expect(rows).toEqual([
      { part_no: 1, provider_message_id: sends[0]!.messageId },
      { part_no: 2, provider_message_id: sends[2]!.messageId },
    ]);
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('queued');
  });

  it('refuses Solapi reports without the webhook secret', async () => {
    const phone = nextPhone();
    const caseId = await openCase(phone);
    const messageId = await closeCase(caseId, '처리했습니다');
    await sendFinished(messageId);
    const sent = callsTo(phone)[1]!;

    const wrong = await postReports([report(sent.messageId!, '4000')], 'not-the-secret');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('signature_invalid');
    expect((await statusOf(caseId, messageId)).deliveryStatus).toBe('queued');
  });
});

describe('logs of the domestic SMS webhooks', () => {
  it('carry no phone number, message text, signature or secret, even at trace level', async () => {
    const logs = captureLogs();
    const app = await buildApp(ctx.config, { logger: logs.log });
    try {
      const phone = '+821055556666';
      const body = moBody(phone, { content: '비밀스러운 민원 내용입니다' });
      const raw = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = sign(raw, timestamp);
      const headers = { 'content-type': 'application/json', 'x-munja-timestamp': timestamp, 'x-munja-signature': signature };
      expect((await app.inject({ method: 'POST', url: '/webhooks/sms/munja', headers, payload: raw })).statusCode).toBe(200);
      // One hex digit changed for sure (a fixed '00' ending matched the real one once in 256 runs).
      const forged = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
      const wrong = await app.inject({ method: 'POST', url: '/webhooks/sms/munja', headers: { ...headers, 'x-munja-signature': forged }, payload: raw });
      expect(wrong.statusCode).toBe(403);
      const reports = await app.inject({
        method: 'POST',
        url: REPORT_PATH,
        headers: { 'content-type': 'application/json', 'x-solapi-secret': SOLAPI_WEBHOOK_SECRET },
        payload: JSON.stringify([{ ...report('M-unknown', '4000'), to: '01055556666' }]),
      });
      expect(reports.statusCode).toBe(200);

      expect(logs.text()).toContain('/webhooks/sms/munja');
      expect(logs.text()).toContain('gateway sms accepted');
      for (const secret of [phone, '01055556666', '5555-6666', '55556666', '비밀스러운', signature, GATEWAY_SECRET, SOLAPI_WEBHOOK_SECRET]) {
        expect(logs.text(), `logs contain ${secret}`).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
  });
});
