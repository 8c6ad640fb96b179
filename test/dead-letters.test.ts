// Dead letters: answers no provider took. Operators list them (no content) and send them again, once.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';

const TWILIO = 'http://twilio.fake.local';
const ACCOUNT_SID = 'AC00000000000000000000000000000000';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const PHONE = '+821077770001';

let ctx: TestContext;
let manager: string;
let operator: string;
let calls = 0;

beforeAll(async () => {
  ctx = await createTestContext({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_FROM: '+82215550100',
    TWILIO_API_BASE_URL: TWILIO,
    OUTBOUND_BACKOFF_MS: '50',
    OUTBOUND_ATTEMPTS: '2',
  });
  await ctx.startWorkers();
  manager = await ctx.staffToken('manager');
  operator = await ctx.staffToken('operator');
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterEach(() => {
  nock.cleanAll();
  calls = 0;
});
afterAll(async () => {
  nock.enableNetConnect();
  await ctx?.close();
});

/** Twilio answering each send with the next status: 400 21211 (invalid number) or 201. */
function twilioAnswers(...statuses: (400 | 201)[]) {
  nock(TWILIO)
    .persist()
    .post(MESSAGES_PATH)
    .reply(() => {
      const status = statuses[Math.min(calls, statuses.length - 1)]!;
      calls += 1;
      const body =
        status === 201
          ? { sid: `SM${String(calls).padStart(32, '0')}`, status: 'queued', error_code: null }
          : { code: 21211, message: `The 'To' number ${PHONE} is not a valid phone number.`, status: 400 };
      const text = JSON.stringify(body);
      return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
    });
}

async function failedAnswer(): Promise<{ caseId: number; messageId: number }> {
  await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: PHONE, Body: '보도블록이 깨졌어요' }));
  const theCase = await eventually(async () =>
    ctx.db.selectFrom('cases').selectAll().where('status', '=', 'assigned').orderBy('id', 'desc').executeTakeFirst(),
  );
  const closed = await ctx.app.inject({
    method: 'POST',
    url: `/api/cases/${theCase.id}/close`,
    headers: { authorization: `Bearer ${manager}` },
    payload: { disposition: 'resolved', text: '보수했습니다.' },
  });
  const messageId = closed.json().messageId as number;
  await eventually(async () => {
    const m = await ctx.db.selectFrom('messages').select('delivery_status').where('id', '=', messageId).executeTakeFirst();
    return m?.delivery_status === 'failed';
  });
  return { caseId: theCase.id, messageId };
}

const asOperator = (method: 'GET' | 'POST', url: string, token = operator) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

describe('dead letters', () => {
  it('lists answers no provider took, without their text or the number, for operators only', async () => {
    twilioAnswers(400);
    const { messageId } = await failedAnswer();
    const res = await asOperator('GET', '/api/ops/dead-letters');
    expect(res.statusCode).toBe(200);
    const item = res.json().items.find((i: { messageId: number }) => i.messageId === messageId);
    expect(item).toMatchObject({ channel: 'sms', kind: 'answer', errorCode: '21211' });
    expect(res.body).not.toContain('보수했습니다');
    expect(res.body).not.toContain(PHONE);
    expect(res.body).not.toContain(PHONE.slice(3));
    const staff = await ctx.staffToken('staff', 'ROAD');
    expect((await asOperator('GET', '/api/ops/dead-letters', staff)).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/ops/dead-letters' })).statusCode).toBe(401);
  });

  it('sends a dead letter again once the cause is fixed, exactly once, however often retry is pressed', async () => {
    twilioAnswers(400);
    const { caseId, messageId } = await failedAnswer();
    expect(calls).toBe(1);
    nock.cleanAll();
    calls = 0;
    twilioAnswers(201);

    const [first, second] = await Promise.all([
      asOperator('POST', `/api/ops/dead-letters/${messageId}/retry`),
      asOperator('POST', `/api/ops/dead-letters/${messageId}/retry`),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([202, 409]);
    const sent = await eventually(async () => {
      const m = await ctx.db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirst();
      return m?.provider_message_id ? m : undefined;
    });
    expect(sent.delivery_status).toBe('queued');
    expect(sent.error_code).toBeNull();
    // Once sent it is no dead letter: a further retry is refused and nothing is sent again.
    expect((await asOperator('POST', `/api/ops/dead-letters/${messageId}/retry`)).statusCode).toBe(409);
    expect(calls).toBe(1);
    const events = await ctx.db.selectFrom('case_events').select(['type', 'staff_id']).where('case_id', '=', caseId).execute();
    expect(events.filter((e) => e.type === 'delivery_retried')).toHaveLength(1);
  });

  it('answers 404 for a message that does not exist', async () => {
    expect((await asOperator('POST', '/api/ops/dead-letters/999999/retry')).statusCode).toBe(404);
  });
});
