import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentSendError, RateLimitedError, TransientSendError, type SmsProvider } from '../../channel.js';
import type { TwilioConfig } from '../../../config/config.js';
import { createTwilioSmsProvider, mapTwilioStatus } from './twilio-sms-provider.js';

const BASE = 'http://twilio.fake.local';
const ACCOUNT_SID = 'AC11111111111111111111111111111111';
const AUTH_TOKEN = 'unit-test-auth-token';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const STATUS_CALLBACK = 'https://sotong.junggu.example.go.kr/webhooks/sms/twilio/status';
const KOREAN_TEXT = '[중구청 소통민원] 2026-000123 민원에 답변드립니다. 을지로3가역 2번 출구 보도블럭을 오늘 교체했습니다. 감사합니다.';

function config(overrides: Partial<TwilioConfig> = {}): TwilioConfig {
  return { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: '+82215550100', apiBaseUrl: BASE, ...overrides };
}

function provider(overrides: Partial<TwilioConfig> = {}): SmsProvider {
  return createTwilioSmsProvider(config(overrides));
}

const sms = { to: '+821012345678', text: KOREAN_TEXT, statusCallbackUrl: STATUS_CALLBACK };

/**
 * A reply with an explicit Content-Length. The twilio client sends `Connection: keep-alive`,
 * and nock 14 leaves such a mocked response unterminated without one (nock/nock#3001).
 */
function replyOf(status: number, body: object | string, headers: Record<string, string> = {}): [number, string, Record<string, string>] {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return [
    status,
    text,
    {
      'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json',
      ...headers,
      'Content-Length': String(Buffer.byteLength(text)),
    },
  ];
}

function twilioError(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function accepted(sid: string, status = 'queued') {
  return {
    sid,
    status,
    error_code: null,
    error_message: null,
    account_sid: ACCOUNT_SID,
    to: sms.to,
    from: '+82215550100',
    body: KOREAN_TEXT,
    num_segments: '2',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: 'Thu, 26 Nov 2026 07:00:00 +0000',
    date_updated: 'Thu, 26 Nov 2026 07:00:00 +0000',
    date_sent: null,
    uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
  };
}

interface Captured {
  form: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

/** One interceptor on the fake base URL that records what the provider sent. */
function expectOneSend(reply: [number, object], captured: Captured[]) {
  const [status, answer] = reply;
  return nock(BASE)
    .post(MESSAGES_PATH)
    .reply(function (_uri, requestBody) {
      captured.push({ form: new URLSearchParams(String(requestBody)), headers: { ...this.req.headers } });
      return replyOf(status, answer);
    });
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('mapTwilioStatus', () => {
  it.each([
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ] as const)('maps %s to %s', (twilioStatus, expected) => {
    expect(mapTwilioStatus(twilioStatus)).toBe(expected);
  });

  it.each(['receiving', 'received', 'partially_delivered', '', 'DELIVERED'])('has no status for %j', (status) => {
    expect(mapTwilioStatus(status)).toBeNull();
  });
});

describe('createTwilioSmsProvider: sending', () => {
  it('POSTs the message form to TWILIO_API_BASE_URL with Basic auth, never to api.twilio.com', async () => {
    // The real Twilio host must never be called when TWILIO_API_BASE_URL points elsewhere.
    const realTwilio = nock('https://api.twilio.com').post(/.*/).reply(...replyOf(201, accepted('SMreal')));
    const captured: Captured[] = [];
    const scope = expectOneSend([201, accepted('SM0123456789abcdef0123456789abcdef')], captured);

    const result = await provider().send(sms);

    expect(result).toEqual({ providerMessageId: 'SM0123456789abcdef0123456789abcdef', status: 'queued' });
    expect(scope.isDone()).toBe(true);
    expect(realTwilio.isDone()).toBe(false);
    expect(captured).toHaveLength(1);
    const [{ form, headers }] = captured as [Captured];
    const expectedAuth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    expect(headers.authorization).toBe(expectedAuth);
    expect(headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(form)).toEqual({
      To: '+821012345678',
      From: '+82215550100',
      Body: KOREAN_TEXT,
      StatusCallback: STATUS_CALLBACK,
    });
  });

  it('keeps Korean text and emoji intact byte for byte', async () => {
    const captured: Captured[] = [];
    expectOneSend([201, accepted('SMkorean')], captured);
    const text = '신당동 골목 쓰레기 수거 완료했습니다 🙏 뷁 똠방각하';
    await provider().send({ ...sms, text });
    expect(captured[0]!.form.get('Body')).toBe(text);
  });

  it('sends MessagingServiceSid instead of From when TWILIO_FROM is a Messaging Service', async () => {
    const captured: Captured[] = [];
    expectOneSend([201, accepted('SMservice', 'accepted')], captured);
    const result = await provider({ from: 'MG00000000000000000000000000000000' }).send(sms);
    expect(result).toEqual({ providerMessageId: 'SMservice', status: 'queued' });
    const form = captured[0]!.form;
    expect(form.get('MessagingServiceSid')).toBe('MG00000000000000000000000000000000');
    expect(form.has('From')).toBe(false);
  });

  it('omits StatusCallback when no callback URL is given', async () => {
    const captured: Captured[] = [];
    expectOneSend([201, accepted('SMnocallback')], captured);
    await provider().send({ to: sms.to, text: sms.text });
    expect(captured[0]!.form.has('StatusCallback')).toBe(false);
  });

  it('reports the status Twilio answered with, mapped to ours', async () => {
    expectOneSend([201, accepted('SMsent', 'sent')], []);
    expect(await provider().send(sms)).toEqual({ providerMessageId: 'SMsent', status: 'sent' });
  });

  it('accepts a base URL with a path prefix and keeps it', async () => {
    const captured: Captured[] = [];
    const scope = nock(BASE)
      .post(`/twilio${MESSAGES_PATH}`)
      .reply(function (_uri, body) {
        captured.push({ form: new URLSearchParams(String(body)), headers: {} });
        return replyOf(201, accepted('SMprefixed'));
      });
    const result = await provider({ apiBaseUrl: `${BASE}/twilio` }).send(sms);
    expect(result.providerMessageId).toBe('SMprefixed');
    expect(scope.isDone()).toBe(true);
    expect(captured).toHaveLength(1);
  });
});

describe('createTwilioSmsProvider: error classification', () => {
  async function sendExpectingError(reply: () => nock.Scope): Promise<unknown> {
    const scope = reply();
    const error = await provider()
      .send(sms)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(scope.isDone()).toBe(true);
    expect(error).toBeInstanceOf(Error);
    return error;
  }

  it.each([
    [21211, "The 'To' number is not a valid phone number."],
    [21610, 'Attempt to send to unsubscribed recipient'],
    [21614, "'To' number is not a valid mobile number"],
  ])('400 with code %i is a PermanentSendError carrying that code', async (code, message) => {
    const error = await sendExpectingError(() => nock(BASE).post(MESSAGES_PATH).reply(...replyOf(400, twilioError(400, code, message))));
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe(String(code));
    expect((error as PermanentSendError).message).toBe(message);
  });

  it('429 with code 20429 is a RateLimitedError with a wait', async () => {
    const error = await sendExpectingError(() =>
      nock(BASE).post(MESSAGES_PATH).reply(...replyOf(429, twilioError(429, 20429, 'Too Many Requests'))),
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).code).toBe('20429');
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
  });

  it('429 without a Twilio body is still a RateLimitedError', async () => {
    const error = await sendExpectingError(() => nock(BASE).post(MESSAGES_PATH).reply(...replyOf(429, 'slow down')));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).code).toBe('429');
  });

  it('code 20429 on another status is a RateLimitedError', async () => {
    const error = await sendExpectingError(() =>
      nock(BASE).post(MESSAGES_PATH).reply(...replyOf(400, twilioError(400, 20429, 'Too Many Requests'))),
    );
    expect(error).toBeInstanceOf(RateLimitedError);
  });

  it.each([
    [500, 20500, 'Internal Server Error'],
    [503, 20503, 'Service Unavailable'],
  ])('%i is a TransientSendError', async (status, code, message) => {
    const error = await sendExpectingError(() => nock(BASE).post(MESSAGES_PATH).reply(...replyOf(status, twilioError(status, code, message))));
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe(String(code));
  });

  it('a 502 from a proxy with an HTML body is a TransientSendError', async () => {
    const error = await sendExpectingError(() =>
      nock(BASE).post(MESSAGES_PATH).reply(...replyOf(502, '<html><body>Bad Gateway</body></html>', { 'Content-Type': 'text/html' })),
    );
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe('502');
  });

  it('a network error is a TransientSendError', async () => {
    const error = await sendExpectingError(() =>
      // An Error instance: nock 14 never settles the request when given a plain object.
      nock(BASE).post(MESSAGES_PATH).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    );
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe('ECONNRESET');
  });

  // The twilio package throws TwilioServiceException, not RestException, for RFC 9457 problem bodies.
  it('an RFC 9457 problem body with a permanent code is a PermanentSendError', async () => {
    const problem = {
      type: 'https://www.twilio.com/docs/errors/21211',
      title: "Invalid 'To' Phone Number",
      status: 400,
      code: 21211,
      detail: "The 'To' number +8210 is not a valid phone number.",
    };
    const error = await sendExpectingError(() => nock(BASE).post(MESSAGES_PATH).reply(...replyOf(400, problem)));
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe('21211');
    expect((error as PermanentSendError).message).toBe(problem.detail);
  });

  it('an RFC 9457 problem body on 503 is a TransientSendError, on 429 a RateLimitedError', async () => {
    const problem = (status: number, code: number) => ({ type: `https://www.twilio.com/docs/errors/${code}`, title: 'x', status, code });
    const unavailable = await sendExpectingError(() => nock(BASE).post(MESSAGES_PATH).reply(...replyOf(503, problem(503, 20503))));
    expect(unavailable).toBeInstanceOf(TransientSendError);
    expect((unavailable as TransientSendError).code).toBe('20503');
    const limited = await sendExpectingError(() => nock(BASE).post(MESSAGES_PATH).reply(...replyOf(429, problem(429, 20429))));
    expect(limited).toBeInstanceOf(RateLimitedError);
  });

  it('a refused request (bad credentials) is permanent: retrying sends the same request', async () => {
    const error = await sendExpectingError(() =>
      nock(BASE).post(MESSAGES_PATH).reply(...replyOf(401, twilioError(401, 20003, 'Authenticate'))),
    );
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe('20003');
  });
});
