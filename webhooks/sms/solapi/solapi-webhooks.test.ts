// Solapi's delivery reports as its webhook really posts them: the SDK's envelope array
// (src/outbound/providers/solapi/fixtures/), the flat form, the secret plain or as its SHA-1
// digest, and the event name header.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { makeCase } from '../../../test/support/cases.js';
import { insertMessage } from '../../../src/cases/message-repository.js';
import { buildApp } from '../../../src/app.js';
import { solapiSecretMatcher } from './solapi-webhooks.js';
import { captureLogs } from '../../../test/support/log-capture.js';

const SECRET = 'solapi-webhook-secret-0123456789';
const SECRET_SHA1 = createHash('sha1').update(SECRET).digest('hex');
const PATH = '/webhooks/sms/solapi/status';

type Envelope = { eventDataId: string; data: Record<string, unknown> & { messageId: string; statusCode: string }; retryCount: number };
type Flat = Record<string, unknown> & { messageId: string; statusCode: string };
const fixture = <T>(name: string) =>
  JSON.parse(readFileSync(new URL(`../../../src/outbound/providers/solapi/fixtures/${name}`, import.meta.url), 'utf8')) as T;

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ SOLAPI_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await ctx?.close();
});

/** An SMS answer Solapi accepted under a fresh message id, waiting for its reports. */
async function sentAnswer(): Promise<{ id: number; solapiId: string }> {
  const { caseId } = await makeCase(ctx.db);
  const solapiId = `M4V${randomBytes(14).toString('hex').toUpperCase()}`;
  const message = await insertMessage(ctx.db, {
    case_id: caseId,
    direction: 'out',
    kind: 'answer',
    channel: 'sms',
    text: '가로등을 교체했습니다',
    provider: 'solapi',
    provider_message_id: solapiId,
    delivery_status: 'queued',
    sent_at: new Date(),
  });
  return { id: message.id, solapiId };
}

async function statusOf(id: number) {
  const row = await ctx.db.selectFrom('messages').select(['delivery_status', 'error_code']).where('id', '=', id).executeTakeFirstOrThrow();
  return { deliveryStatus: row.delivery_status, errorCode: row.error_code };
}

function post(body: unknown, headers: Record<string, string> = {}) {
  return ctx.app.inject({
    method: 'POST',
    url: PATH,
    headers: { 'content-type': 'application/json', 'x-solapi-event-name': 'SINGLE-REPORT', 'x-solapi-secret': SECRET_SHA1, ...headers },
    payload: JSON.stringify(body),
  });
}

/** The fixture's envelopes, about these answers instead of the placeholder ids. */
function envelopes(...solapiIds: string[]): Envelope[] {
  const all = fixture<Envelope[]>('single-report.json');
  return solapiIds.map((solapiId, i) => ({ ...all[i]!, data: { ...all[i]!.data, messageId: solapiId } }));
}

describe('the envelope array of the SDK model', () => {
  it('applies every report of the array: one delivered, one undelivered with its code', async () => {
    const [a, b] = [await sentAnswer(), await sentAnswer()];

    const res = await post(envelopes(a.solapiId, b.solapiId));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 2, applied: 2, moved: 2, ignored: 0, rejected: [] });
    expect(await statusOf(a.id)).toEqual({ deliveryStatus: 'delivered', errorCode: null });
    expect(await statusOf(b.id)).toEqual({ deliveryStatus: 'undelivered', errorCode: '3059' });
  });

  it('a re-sent envelope (retryCount > 0) changes nothing the first one did not', async () => {
    const a = await sentAnswer();
    const [first] = envelopes(a.solapiId);
    const retried = fixture<Envelope[]>('single-report-retried.json').map((e) => ({ ...e, data: { ...e.data, messageId: a.solapiId } }));
    expect(retried[0]!.retryCount).toBeGreaterThan(0);
    expect(retried[0]!.eventDataId).toBe(first!.eventDataId);

    expect((await post([first])).statusCode).toBe(200);
    const again = await post(retried);
    expect(again.statusCode).toBe(200);
    // Recorded again, but it moves nothing: the answer is already delivered.
    expect(again.json()).toEqual({ received: 1, applied: 1, moved: 0, ignored: 0, rejected: [] });
    expect(await statusOf(a.id)).toEqual({ deliveryStatus: 'delivered', errorCode: null });
  });

  it('keeps a report for an id not known yet (it beat the send API answer), answering 200', async () => {
    const res = await post(envelopes(`M4V${randomBytes(14).toString('hex').toUpperCase()}`));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 1, applied: 1, moved: 0, ignored: 0, rejected: [] });
    const kept = await ctx.db.selectFrom('delivery_reports').selectAll().where('provider', '=', 'solapi').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(kept.status).toBe('delivered');
  });

  it('one element it cannot read does not cost the others; the answer names it', async () => {
    const [a, b] = [await sentAnswer(), await sentAnswer()];
    const [good, other] = envelopes(a.solapiId, b.solapiId);
    const body = [
      good,
      { eventDataId: 'EVTD-broken', data: { groupId: 'G4V-no-message-id', statusCode: '4000' }, retryCount: 0 },
      'not a report',
      { ...other!, data: { ...other!.data, statusCode: 'XYZ' } },
      { ...other!, data: { ...other!.data, statusCode: '3000' } },
    ];

    const res = await post(body);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      received: 5,
      applied: 2,
      moved: 2,
      ignored: 0,
      rejected: [
        { index: 1, reason: 'not_a_report' },
        { index: 2, reason: 'not_a_report' },
        { index: 3, reason: 'unknown_status' },
      ],
    });
    expect((await statusOf(a.id)).deliveryStatus).toBe('delivered');
    expect((await statusOf(b.id)).deliveryStatus).toBe('sent');
  });

  it('answers 400 when no element is a report, applying nothing', async () => {
    const a = await sentAnswer();
    const res = await post([{ eventDataId: 'EVTD-x', data: { messageId: a.solapiId }, retryCount: 0 }, 42]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('reports_invalid');
    expect((await statusOf(a.id)).deliveryStatus).toBe('queued');
  });
});

describe('the flat form', () => {
  it('is still applied, as an array or as one object, with or without the event name', async () => {
    const [a, b] = [await sentAnswer(), await sentAnswer()];
    const [flat] = fixture<Flat[]>('single-report-flat.json');

    const asArray = await post([{ ...flat, messageId: a.solapiId }]);
    expect(asArray.statusCode).toBe(200);
    expect(asArray.json()).toMatchObject({ received: 1, applied: 1, moved: 1 });
    expect((await statusOf(a.id)).deliveryStatus).toBe('sent');

    const res = await ctx.app.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'application/json', 'x-solapi-secret': SECRET },
      payload: JSON.stringify({ ...flat, messageId: b.solapiId, statusCode: '4000' }),
    });
    expect(res.statusCode).toBe(200);
    expect((await statusOf(b.id)).deliveryStatus).toBe('delivered');
  });
});

describe('the secret', () => {
  it('is accepted plain or as its SHA-1 hex digest (either case); anything else is refused', async () => {
    for (const given of [SECRET, SECRET_SHA1, SECRET_SHA1.toUpperCase()]) {
      const a = await sentAnswer();
      const res = await post(envelopes(a.solapiId), { 'x-solapi-secret': given });
      expect(res.statusCode, given).toBe(200);
      expect((await statusOf(a.id)).deliveryStatus).toBe('delivered');
    }
    const sha256 = createHash('sha256').update(SECRET).digest('hex');
    for (const given of ['', 'not-the-secret', sha256, SECRET_SHA1.slice(0, 39), createHash('sha1').update(`${SECRET} `).digest('hex')]) {
      const a = await sentAnswer();
      const res = await post(envelopes(a.solapiId), { 'x-solapi-secret': given });
      expect(res.statusCode, given).toBe(403);
      expect(res.json().error.code).toBe('signature_invalid');
      expect((await statusOf(a.id)).deliveryStatus).toBe('queued');
    }
  });

  it('matcher: plain and digest forms only', () => {
    const same = solapiSecretMatcher('abc');
    expect(same('abc')).toBe(true);
    expect(same('a9993e364706816aba3e25717850c26c9cd0d89d')).toBe(true); // sha1("abc")
    expect(same('A9993E364706816ABA3E25717850C26C9CD0D89D')).toBe(true);
    expect(same('ABC')).toBe(false);
    expect(same('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')).toBe(false); // sha256("abc")
  });
});

describe('the event name', () => {
  it('takes any spelling of the single-report event', async () => {
    for (const name of ['SINGLE-REPORT', 'single-report', 'Single_Report']) {
      const a = await sentAnswer();
      const res = await post(envelopes(a.solapiId), { 'x-solapi-event-name': name });
      expect(res.statusCode, name).toBe(200);
      expect((await statusOf(a.id)).deliveryStatus, name).toBe('delivered');
    }
  });

  it('answers 200 to another event and applies nothing from it', async () => {
    const a = await sentAnswer();
    const res = await post(envelopes(a.solapiId), { 'x-solapi-event-name': 'GROUP-REPORT' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 1, applied: 0, moved: 0, ignored: 1, rejected: [] });
    expect((await statusOf(a.id)).deliveryStatus).toBe('queued');
  });

  it('is checked only after the secret', async () => {
    const res = await post([], { 'x-solapi-event-name': 'GROUP-REPORT', 'x-solapi-secret': 'wrong' });
    expect(res.statusCode).toBe(403);
  });
});

describe('logs', () => {
  it('count the reports without any phone number, secret or status message', async () => {
    const logs = captureLogs();
    const app = await buildApp(ctx.config, { logger: logs.log });
    try {
      const [a, b] = [await sentAnswer(), await sentAnswer()];
      const res = await app.inject({
        method: 'POST',
        url: PATH,
        headers: { 'content-type': 'application/json', 'x-solapi-event-name': 'SINGLE-REPORT', 'x-solapi-secret': SECRET_SHA1 },
        payload: JSON.stringify([...envelopes(a.solapiId, b.solapiId), { data: { statusCode: 'Q' } }]),
      });
      expect(res.statusCode).toBe(200);
      expect(logs.text()).toContain('solapi delivery reports partly applied');
      for (const secret of ['01012345678', '01098765432', '12345678', SECRET, SECRET_SHA1, '수신완료', '변작된']) {
        expect(logs.text(), `logs contain ${secret}`).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
  });
});
