// Twilio keeps its 1,600 characters per message: a longer answer leaves as numbered parts,
// and an answer to a Korean number carries KS X 1001 characters only. Twilio's REST API is
// faked with nock at TWILIO_API_BASE_URL; its status callbacks are posted signed.
import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { isKsX1001 } from '../src/outbound/sms-text.js';
import { jobIds } from '../src/queues/queues.js';

const TWILIO = 'http://twilio-korea.fake.local';
const ACCOUNT_SID = 'AC33333333333333333333333333333333';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

let ctx: TestContext;
let managerToken: string;
let phoneSeq = 0;
const sent: { to: string; body: string; sid: string }[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_FROM: '+82215550100', TWILIO_API_BASE_URL: TWILIO });
  await ctx.startWorkers();
  managerToken = await ctx.staffToken('manager');
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  nock(TWILIO)
    .persist()
    .post(MESSAGES_PATH)
    .reply((_uri, requestBody) => {
      const form = new URLSearchParams(String(requestBody));
      const sid = `SM${randomBytes(16).toString('hex')}`;
      sent.push({ to: form.get('To')!, body: form.get('Body')!, sid });
      const text = JSON.stringify({ sid, status: 'queued', account_sid: ACCOUNT_SID, error_code: null });
      return [201, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
    });
});

afterAll(async () => {
  await ctx?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

function api(method: 'GET' | 'POST', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: { authorization: `Bearer ${managerToken}` }, ...(payload ? { payload } : {}) });
}

/** A resident (Korean or not) writes by Twilio; the case is answered and closed with `text`. */
async function answer(phone: string, text: string): Promise<{ caseId: number; messageId: number; bodies: { body: string; sid: string }[] }> {
  expect((await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '가로등이 꺼져 있어요' }))).statusCode).toBe(200);
  const { id: caseId } = await ctx.db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .select('cases.id')
    .where('residents.phone', '=', phone)
    .executeTakeFirstOrThrow();
  await eventually(async () => (await api('GET', `/api/cases/${caseId}`)).json<{ department: string | null }>().department !== null);
  const res = await api('POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text });
  expect(res.statusCode).toBe(200);
  const { messageId } = res.json<{ messageId: number }>();
  await eventually(async () => (await ctx.app.queues.outbound.sms.getJobState(jobIds.send(messageId))) === 'completed');
  return { caseId, messageId, bodies: sent.filter((s) => s.to === phone) };
}

async function deliveryStatus(caseId: number, messageId: number) {
  const theCase = (await api('GET', `/api/cases/${caseId}`)).json<{ messages: { id: number; deliveryStatus: string }[] }>();
  return theCase.messages.find((m) => m.id === messageId)!.deliveryStatus;
}

function statusCallback(sid: string, status: string) {
  return postSignedTwilio(ctx.app, '/webhooks/sms/twilio/status', { MessageSid: sid, MessageStatus: status, AccountSid: ACCOUNT_SID });
}

describe('Twilio answers to Korean numbers', () => {
  it('strips emoji and spells rare syllables in jamo for a Korean number, but not for a foreign one', async () => {
    phoneSeq += 1;
    const korean = `+8210${String(4444_0000 + phoneSeq)}`;
    const { bodies } = await answer(korean, '똠방각하 골목 청소를 마쳤습니다 🙏');
    expect(bodies.map((b) => b.body)).toEqual(['ㄸㅗㅁ방각하 골목 청소를 마쳤습니다']);
    expect(isKsX1001(bodies[0]!.body)).toBe(true);

    const foreign = `+1415555${String(1000 + phoneSeq)}`;
    const abroad = await answer(foreign, '골목 청소를 마쳤습니다 🙏');
    expect(abroad.bodies.map((b) => b.body)).toEqual(['골목 청소를 마쳤습니다 🙏']);
  });

  it('splits an answer over 1,600 characters into numbered messages, delivered when both are', async () => {
    phoneSeq += 1;
    const phone = `+8210${String(4444_0000 + phoneSeq)}`;
    const text = `${'가'.repeat(1200)}\n\n${'나'.repeat(1200)}`;
    const { caseId, messageId, bodies } = await answer(phone, text);

    expect(bodies.map((b) => b.body)).toEqual([`(1/2) ${'가'.repeat(1200)}`, `(2/2) ${'나'.repeat(1200)}`]);
    expect(bodies.every((b) => [...b.body].length <= 1600)).toBe(true);
    expect(await deliveryStatus(caseId, messageId)).toBe('queued');

    await statusCallback(bodies[0]!.sid, 'delivered');
    expect(await deliveryStatus(caseId, messageId)).toBe('queued');
    await statusCallback(bodies[1]!.sid, 'sent');
    expect(await deliveryStatus(caseId, messageId)).toBe('sent');
    await statusCallback(bodies[1]!.sid, 'delivered');
    expect(await deliveryStatus(caseId, messageId)).toBe('delivered');
    // Callbacks arrive out of order: a late 'sent' never moves the answer back.
    await statusCallback(bodies[0]!.sid, 'sent');
    expect(await deliveryStatus(caseId, messageId)).toBe('delivered');
  });
});
