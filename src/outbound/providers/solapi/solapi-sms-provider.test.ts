import { createHmac } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentSendError, RateLimitedError, TransientSendError } from '../../channel.js';
import type { SolapiConfig } from '../../../config/config.js';
import { isKsX1001 } from '../../sms-text.js';
import { createSolapiSmsProvider, mapSolapiStatus, solapiAuthorization } from './solapi-sms-provider.js';

const BASE = 'http://solapi.fake.local';
const API_KEY = 'NCSUNITTESTKEY01';
const API_SECRET = 'UNITTESTSECRET0123456789ABCDEFGH';
const CONFIG: SolapiConfig = { apiKey: API_KEY, apiSecret: API_SECRET, from: '0233964114', apiBaseUrl: BASE, lmsSubject: '구청장 소통폰' };
const TO = '+821012345678';

function replyOf(status: number, body: object | string): [number, string, Record<string, string>] {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return [
    status,
    text,
    { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', 'Content-Length': String(Buffer.byteLength(text)) },
  ];
}

/** What Solapi answers to POST /messages/v4/send (docs.solapi.com, 단일 메시지 발송). */
function accepted(messageId: string, type = 'SMS') {
  return {
    groupId: 'G4V20261126120000ABCDEFGHIJKLMNO',
    to: '01012345678',
    from: '0233964114',
    type,
    statusMessage: '정상 접수(이통사로 접수 예정) ',
    country: '82',
    messageId,
    statusCode: '2000',
    accountId: '12925149',
  };
}

interface Captured {
  body: { message: Record<string, string> };
  authorization: string;
}

function expectSend(reply: [number, string, Record<string, string>], captured: Captured[] = []) {
  return nock(BASE)
    .post('/messages/v4/send')
    .reply(function (_uri, requestBody) {
      captured.push({ body: requestBody as Captured['body'], authorization: String(this.req.headers.authorization) });
      return reply;
    });
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

describe('solapiAuthorization', () => {
  it('signs date + salt with HMAC-SHA256 of the API secret, hex', () => {
    const header = solapiAuthorization('KEY', 'SECRET', new Date('2019-07-01T00:41:48.000Z'), 'jqsba2jxjnrjor');
    const expected = createHmac('sha256', 'SECRET').update('2019-07-01T00:41:48.000Zjqsba2jxjnrjor').digest('hex');
    expect(header).toBe(`HMAC-SHA256 apiKey=KEY, date=2019-07-01T00:41:48.000Z, salt=jqsba2jxjnrjor, signature=${expected}`);
  });
});

describe('mapSolapiStatus', () => {
  it.each([
    ['2000', 'queued'],
    ['3000', 'sent'],
    ['4000', 'delivered'],
    ['3059', 'undelivered'],
    ['3104', 'undelivered'],
    ['1062', 'failed'],
    ['2230', 'failed'],
  ] as const)('maps %s to %s', (code, expected) => {
    expect(mapSolapiStatus(code)).toBe(expected);
  });

  it.each(['', 'TEST1000', '40000', 'ok'])('has no status for %j', (code) => {
    expect(mapSolapiStatus(code)).toBeNull();
  });
});

describe('createSolapiSmsProvider: sending', () => {
  it('sends a short answer as SMS from the registered number to the domestic form of the number, signed', async () => {
    const realSolapi = nock('https://api.solapi.com').post(/.*/).reply(...replyOf(200, accepted('Mreal')));
    const captured: Captured[] = [];
    const scope = expectSend(replyOf(200, accepted('M4V20261126120000AAAAAAAAAAAAAAA')), captured);

    const result = await createSolapiSmsProvider(CONFIG).send({ to: TO, text: '포트홀 보수를 마쳤습니다.' });

    expect(result).toEqual({ providerMessageId: 'M4V20261126120000AAAAAAAAAAAAAAA', status: 'queued' });
    expect(scope.isDone()).toBe(true);
    expect(realSolapi.isDone()).toBe(false);
    const [{ body, authorization }] = captured as [Captured];
    expect(body).toEqual({ message: { to: '01012345678', from: '0233964114', text: '포트홀 보수를 마쳤습니다.', type: 'SMS' } });
    // The signature is HMAC-SHA256(secret, date + salt) of the values it names.
    const match = /^HMAC-SHA256 apiKey=(\S+), date=(\S+), salt=(\S+), signature=([0-9a-f]{64})$/.exec(authorization);
    expect(match).not.toBeNull();
    const [, key, date, salt, signature] = match!;
    expect(key).toBe(API_KEY);
    expect(Math.abs(Date.parse(date!) - Date.now())).toBeLessThan(60_000);
    expect(signature).toBe(createHmac('sha256', API_SECRET).update(date! + salt!).digest('hex'));
  });

  it('sends more than 90 EUC-KR bytes as LMS with the subject', async () => {
    const captured: Captured[] = [];
    expectSend(replyOf(200, accepted('Mlms', 'LMS')), captured);
    const text = '가'.repeat(46); // 92 bytes
    await createSolapiSmsProvider(CONFIG).send({ to: TO, text });
    expect(captured[0]!.body.message).toEqual({ to: '01012345678', from: '0233964114', text, type: 'LMS', subject: '구청장 소통폰' });
  });

  it('45 Hangul (90 bytes) is still one SMS', async () => {
    const captured: Captured[] = [];
    expectSend(replyOf(200, accepted('Msms')), captured);
    await createSolapiSmsProvider(CONFIG).send({ to: TO, text: '가'.repeat(45) });
    expect(captured[0]!.body.message.type).toBe('SMS');
    expect(captured[0]!.body.message.subject).toBeUndefined();
  });

  it('never sends characters outside KS X 1001', async () => {
    const captured: Captured[] = [];
    expectSend(replyOf(200, accepted('Mclean')), captured);
    await createSolapiSmsProvider(CONFIG).send({ to: TO, text: '신당동 골목 청소 완료 🙏 똠방각하 — 감사합니다' });
    const sent = captured[0]!.body.message.text!;
    expect(sent).toBe('신당동 골목 청소 완료 ㄸㅗㅁ방각하 - 감사합니다');
    expect(isKsX1001(sent)).toBe(true);
  });

  it('refuses a foreign number without calling Solapi', async () => {
    const scope = expectSend(replyOf(200, accepted('Mnever')));
    const error = await createSolapiSmsProvider(CONFIG)
      .send({ to: '+15005550006', text: '답변' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe('not_domestic');
    expect(scope.isDone()).toBe(false);
  });

  it('refuses a text over 2,000 bytes (callers split first) without calling Solapi', async () => {
    const scope = expectSend(replyOf(200, accepted('Mnever')));
    const error = await createSolapiSmsProvider(CONFIG)
      .send({ to: TO, text: '가'.repeat(1001) })
      .catch((e: unknown) => e);
    expect((error as PermanentSendError).code).toBe('too_long');
    expect(scope.isDone()).toBe(false);
  });
});

describe('createSolapiSmsProvider: errors', () => {
  async function sendExpectingError(setup: () => nock.Scope, timeoutMs?: number): Promise<unknown> {
    const scope = setup();
    const error = await createSolapiSmsProvider(CONFIG, timeoutMs === undefined ? {} : { timeoutMs })
      .send({ to: TO, text: '답변드립니다' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(scope.isDone()).toBe(true);
    return error;
  }

  it.each([
    [400, 'ValidationError', '발신번호가 등록되지 않았습니다'],
    [401, 'InvalidApiKey', 'Invalid API Key'],
    [403, 'Forbidden', '허용되지 않은 IP'],
  ])('%i %s is a PermanentSendError with Solapi\'s code', async (status, errorCode, errorMessage) => {
    const error = await sendExpectingError(() => expectSend(replyOf(status, { errorCode, errorMessage })));
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe(errorCode);
    expect((error as PermanentSendError).message).toBe(errorMessage);
  });

  it('a 200 whose statusCode is a refusal is a PermanentSendError', async () => {
    const refused = { ...accepted('Mrefused'), statusCode: '2230', statusMessage: '잔액 부족' };
    const error = await sendExpectingError(() => expectSend(replyOf(200, refused)));
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe('2230');
  });

  it('429 is a RateLimitedError', async () => {
    const error = await sendExpectingError(() => expectSend(replyOf(429, { errorCode: 'TooManyRequests', errorMessage: 'slow down' })));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
  });

  it.each([500, 503])('%i is a TransientSendError', async (status) => {
    const error = await sendExpectingError(() => expectSend(replyOf(status, { errorCode: 'InternalError', errorMessage: 'oops' })));
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe('InternalError');
  });

  it('a 502 from a proxy with an HTML body is a TransientSendError', async () => {
    const error = await sendExpectingError(() => expectSend(replyOf(502, '<html>Bad Gateway</html>')));
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe('502');
  });

  it('a 200 without a messageId is a TransientSendError, not a silent success', async () => {
    const error = await sendExpectingError(() => expectSend(replyOf(200, { statusCode: '2000' })));
    expect(error).toBeInstanceOf(TransientSendError);
  });

  it('a network error is a TransientSendError', async () => {
    const error = await sendExpectingError(() =>
      nock(BASE).post('/messages/v4/send').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    );
    expect(error).toBeInstanceOf(TransientSendError);
  });

  it('a slow answer times out as a TransientSendError', async () => {
    const error = await sendExpectingError(
      () => nock(BASE).post('/messages/v4/send').delay(500).reply(...replyOf(200, accepted('Mlate'))),
      50,
    );
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe('timeout');
  });
});
