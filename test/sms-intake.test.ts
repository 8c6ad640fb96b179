import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, fileInbox, inboundSms, postSignedTwilio, signTwilio, PUBLIC_BASE_URL, TEST_AUTH_TOKEN, type TestContext } from './support/harness.js';
import { buildApp } from '../src/app.js';
import { SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';
import { acceptResidentMessage } from './support/accept-message.js';
import { captureLogs } from './support/log-capture.js';

const PATH = '/webhooks/sms/twilio';
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function casesOf(phone: string) {
  return ctx.db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .where('residents.phone', '=', phone)
    .orderBy('cases.id')
    .execute();
}

async function messagesOf(caseId: number) {
  return ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

describe('Twilio signature', () => {
  it('accepts a correctly signed request with a Korean body and answers TwiML with the acknowledgement, which the case keeps', async () => {
    const params = inboundSms({ From: '+821011110001', Body: '신당동 골목에 쓰레기가 쌓여 있어요 😢 치워주세요' });
    const res = await postSignedTwilio(ctx.app, PATH, params);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const [theCase] = await casesOf('+821011110001');
    expect(theCase).toBeDefined();
    expect(theCase!.case_number).toMatch(/^\d{4}-\d{6}$/);
    // The acknowledgement names the number of the case the message became.
    expect(res.body).toContain(`<Response><Message>${withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, theCase!.case_number)}</Message></Response>`);
    const messages = await messagesOf(theCase!.id);
    expect(messages.map((m) => [m.direction, m.kind])).toEqual([
      ['in', 'resident'],
      ['out', 'acknowledgement'],
    ]);
    expect(messages[0]!.text).toBe('신당동 골목에 쓰레기가 쌓여 있어요 😢 치워주세요');
    // Every parameter Twilio sent is kept, including ones we do not use.
    expect(messages[0]!.raw).toMatchObject({ ToCountry: 'KR', NumSegments: '1', MessageSid: params.MessageSid });
  });

  it('refuses a request whose signature does not match, storing nothing', async () => {
    const params = inboundSms({ From: '+821011110002' });
    const res = await ctx.app.inject({
      method: 'POST',
      url: PATH,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilio(PATH, { ...params, Body: 'something else' }),
      },
      payload: new URLSearchParams(params).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'signature_invalid', message: expect.any(String) } });
    expect(await casesOf('+821011110002')).toHaveLength(0);
  });

  it('refuses a request signed with another auth token', async () => {
    const params = inboundSms({ From: '+821011110003' });
    const res = await ctx.app.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(PATH, params, 'other-token') },
      payload: new URLSearchParams(params).toString(),
    });
    expect(res.statusCode).toBe(403);
  });

  it('refuses a request without a signature', async () => {
    const params = inboundSms({ From: '+821011110004' });
    const res = await ctx.app.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(params).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('signature_missing');
    expect(await casesOf('+821011110004')).toHaveLength(0);
  });

  it('verifies against PUBLIC_BASE_URL, not the host the proxy forwarded to', async () => {
    const params = inboundSms({ From: '+821011110005' });
    // Twilio signed the public https URL; the request reaches us over plain http on an internal host.
    const res = await ctx.app.inject({
      method: 'POST',
      url: PATH,
      headers: {
        host: '10.0.0.12:3000',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': new URL(PUBLIC_BASE_URL).host,
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilio(PATH, params),
      },
      payload: new URLSearchParams(params).toString(),
    });
    expect(res.statusCode).toBe(200);
    await fileInbox(ctx.app);
    expect(await casesOf('+821011110005')).toHaveLength(1);

    // A signature over the internal URL (what the request itself shows) is not accepted.
    const internal = inboundSms({ From: '+821011110005' });
    const { default: twilio } = await import('twilio');
    const res2 = await ctx.app.inject({
      method: 'POST',
      url: PATH,
      headers: {
        host: '10.0.0.12:3000',
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(ctx.config.twilioAuthToken!, `http://10.0.0.12:3000${PATH}`, internal),
      },
      payload: new URLSearchParams(internal).toString(),
    });
    expect(res2.statusCode).toBe(403);
  });

  it('logs, once and at warn, the URL a refused signature was checked against: never the signature, token, sender or text', async () => {
    const logs = captureLogs();
    // The classic mistake: PUBLIC_BASE_URL left at the local default while Twilio calls the public https address.
    const app = await buildApp({ ...ctx.config, publicBaseUrl: 'http://127.0.0.1:3000' }, { logger: logs.log });
    try {
      const phone = '+821011110099';
      const params = inboundSms({ From: phone, Body: '비밀스러운 민원 내용' });
      const url = `${PATH}?deployment=blue-7f3a`;
      const signature = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, PUBLIC_BASE_URL + url, params);
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams(params).toString(),
      });
      expect(res.statusCode).toBe(403);

      const lines = logs.lines();
      const warnings = lines.filter((l) => 'checkedUrl' in l);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.level).toBe(40);
      // The host and scheme it was checked against show the mismatch; the query's value is masked.
      expect(warnings[0]!.checkedUrl).toBe('http://127.0.0.1:3000/webhooks/sms/twilio?deployment=***');
      expect(warnings[0]!.msg).toMatch(/Twilio console/);
      const captured = JSON.stringify(lines);
      for (const secret of [signature, TEST_AUTH_TOKEN, phone, phone.slice(3), '비밀스러운', 'blue-7f3a']) {
        expect(captured, `logs contain ${secret}`).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
  });

  it('answers 400 with a clear error for a signed request that lacks MessageSid', async () => {
    const params = inboundSms({ From: '+821011110006' });
    delete (params as Partial<Record<string, string>>).MessageSid;
    const res = await postSignedTwilio(ctx.app, PATH, params);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});

describe('deduplication by MessageSid', () => {
  it('stores a re-sent webhook once and acknowledges it once', async () => {
    const params = inboundSms({ From: '+821011110010' });
    const first = await postSignedTwilio(ctx.app, PATH, params);
    const second = await postSignedTwilio(ctx.app, PATH, params);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).not.toContain('<Message>');
    const cases = await casesOf('+821011110010');
    expect(cases).toHaveLength(1);
    const inbound = (await messagesOf(cases[0]!.id)).filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(1);
  });

  it('stores one message when the same MessageSid arrives concurrently', async () => {
    const params = inboundSms({ From: '+821011110011' });
    const responses = await Promise.all(Array.from({ length: 5 }, () => postSignedTwilio(ctx.app, PATH, params)));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const cases = await casesOf('+821011110011');
    expect(cases).toHaveLength(1);
    expect((await messagesOf(cases[0]!.id)).filter((m) => m.direction === 'in')).toHaveLength(1);
  });
});

describe('threading', () => {
  it('joins a follow-up within the window to the open case', async () => {
    const phone = '+821011110020';
    await postSignedTwilio(ctx.app, PATH, inboundSms({ From: phone, Body: '역 앞 보도블록이 깨졌어요' }));
    const res = await postSignedTwilio(ctx.app, PATH, inboundSms({ From: phone, Body: '사진도 보내드릴게요' }));
    const cases = await casesOf(phone);
    expect(cases).toHaveLength(1);
    expect(res.body).toContain(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.followUp, cases[0]!.case_number));
    const inbound = (await messagesOf(cases[0]!.id)).filter((m) => m.direction === 'in').map((m) => m.text);
    expect(inbound).toEqual(['역 앞 보도블록이 깨졌어요', '사진도 보내드릴게요']);
  });

  it('opens a new case after the window, or when the case is closed, and keeps residents apart', async () => {
    const base = new Date('2026-11-20T01:00:00Z');
    const send = (phone: string, minutesLater: number) =>
      acceptResidentMessage(
        ctx.db,
        {
          channel: 'sms',
          provider: 'twilio',
          providerMessageId: `SM-thread-${phone}-${minutesLater}`,
          from: { kind: 'phone', phone },
          text: '민원',
          raw: {},
          receivedAt: new Date(base.getTime() + minutesLater * 60_000),
        },
        { threadWindowMinutes: 30 },
      );
    const a = await send('+821011110021', 0);
    const b = await send('+821011110021', 29); // within 30 minutes of the last message
    const c = await send('+821011110021', 58); // 29 minutes after b: still within
    const d = await send('+821011110021', 100); // 42 minutes after c: a new case
    expect(a.newCase).toBe(true);
    expect([b.caseId, c.caseId]).toEqual([a.caseId, a.caseId]);
    expect(d.newCase).toBe(true);
    expect(d.caseId).not.toBe(a.caseId);

    const other = await send('+821011110022', 1);
    expect(other.caseId).not.toBe(a.caseId);

    await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date() }).where('id', '=', d.caseId).execute();
    const e = await send('+821011110021', 101);
    expect(e.newCase).toBe(true);
    expect(e.caseId).not.toBe(d.caseId);
  });

  it('gives concurrent first messages from one resident a single case', async () => {
    const phone = '+821011110023';
    await Promise.all(
      ['하나', '둘', '셋', '넷'].map((Body) => postSignedTwilio(ctx.app, PATH, inboundSms({ From: phone, Body }))),
    );
    const cases = await casesOf(phone);
    expect(cases).toHaveLength(1);
    expect((await messagesOf(cases[0]!.id)).filter((m) => m.direction === 'in')).toHaveLength(4);
  });

  it('numbers cases one after another within the year', async () => {
    await postSignedTwilio(ctx.app, PATH, inboundSms({ From: '+821011110030' }));
    await postSignedTwilio(ctx.app, PATH, inboundSms({ From: '+821011110031' }));
    const n1 = /(\d{4})-(\d{6})/.exec((await casesOf('+821011110030'))[0]!.case_number)!;
    const n2 = /(\d{4})-(\d{6})/.exec((await casesOf('+821011110031'))[0]!.case_number)!;
    expect(n2[1]).toBe(n1[1]);
    expect(Number(n2[2])).toBe(Number(n1[2]) + 1);
  });
});
