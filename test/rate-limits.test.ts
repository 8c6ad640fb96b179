// Abuse limits: per token on the staff API, per address on failed verifications; a provider's
// validly signed burst is never limited, and a Redis outage limits nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestContext, inboundSms, postSignedTwilio, signTwilio, silentLogger, type TestContext } from './support/harness.js';
import { buildApp } from '../src/app.js';

const KAKAO_SECRET = 'kakao-skill-secret-for-tests';
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({
    STAFF_API_RATE_PER_MINUTE: '5',
    FAILED_AUTH_PER_ADDRESS: '3',
    FAILED_AUTH_WINDOW_SECONDS: '600',
    KAKAO_SKILL_SECRET: KAKAO_SECRET,
  });
});
afterAll(async () => {
  await ctx?.close();
});

const from = (address: string) => ({ 'x-forwarded-for': address });

function badlySigned(address: string) {
  const params = inboundSms();
  return ctx.app.inject({
    method: 'POST',
    url: '/webhooks/sms/twilio',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90LWEtc2lnbmF0dXJl', ...from(address) },
    payload: new URLSearchParams(params).toString(),
  });
}

describe('staff API', () => {
  it('limits requests per token; another token keeps its own allowance', async () => {
    const busy = await ctx.staffToken('staff', 'ROAD');
    const calm = await ctx.staffToken('staff', 'ROAD');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${busy}`, ...from('10.1.0.1') } });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/try again/) } });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // Same office address, other token: not limited (a district's staff share one address).
    const other = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${calm}`, ...from('10.1.0.1') } });
    expect(other.statusCode).toBe(200);
  });

  it('keeps no token in Redis, only a hash of it', async () => {
    const token = await ctx.staffToken('staff', 'ROAD');
    await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${token}` } });
    const redis = new Redis(ctx.config.redisUrl);
    try {
      const keys = await redis.keys(`${ctx.config.queuePrefix}:rate-limit:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join('\n')).not.toContain(token);
      expect(keys.join('\n')).not.toContain(token.slice(7, 20));
    } finally {
      redis.disconnect();
    }
  });

  it('answers 429 to an address that keeps presenting bad tokens', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer sotong_guess${i}`, ...from('10.2.0.1') } });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('webhooks', () => {
  it('never limits a validly signed burst from one address', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const params = inboundSms();
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/webhooks/sms/twilio',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio('/webhooks/sms/twilio', params), ...from('54.172.60.1') },
          payload: new URLSearchParams(params).toString(),
        });
        return res.statusCode;
      }),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    // ... even when the same address also sends failures past the limit.
    for (let i = 0; i < 4; i++) await badlySigned('54.172.60.1');
    expect((await postSignedTwilioFrom('54.172.60.1')).statusCode).toBe(200);
  });

  it('refuses with 429 an address that keeps failing the signature or secret check', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await badlySigned('198.51.100.7')).statusCode);
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
    const refused = await badlySigned('198.51.100.7');
    expect(refused.json()).toEqual({ error: { code: 'too_many_failures', message: expect.any(String) } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is unaffected.
    expect((await badlySigned('198.51.100.8')).statusCode).toBe(403);

    const kakao: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/webhooks/kakao/skill',
        headers: { 'x-skill-secret': 'wrong', ...from('203.0.113.9') },
        payload: { userRequest: { utterance: '안녕하세요', user: { id: 'u1' } } },
      });
      kakao.push(res.statusCode);
    }
    expect(kakao).toEqual([403, 403, 403, 429]);
  });
});

async function postSignedTwilioFrom(address: string) {
  const params = inboundSms();
  return ctx.app.inject({
    method: 'POST',
    url: '/webhooks/sms/twilio',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio('/webhooks/sms/twilio', params), ...from(address) },
    payload: new URLSearchParams(params).toString(),
  });
}

describe('addresses', () => {
  it('cannot be chosen by a client that writes its own X-Forwarded-For', async () => {
    // A client on the internet, not behind the district's (private-address) proxy.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/webhooks/sms/twilio',
        remoteAddress: '203.0.113.50',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged', 'x-forwarded-for': `192.0.2.${i}` },
        payload: new URLSearchParams(inboundSms()).toString(),
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
  });
});

describe('input size', () => {
  it('refuses a staff API body over 32 KB with 413, before reading it', async () => {
    const token = await ctx.staffToken('manager');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/cases/1/replies',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...from('10.9.0.1') },
      payload: JSON.stringify({ text: 'x'.repeat(40 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'fst_err_ctp_body_too_large', message: expect.any(String) } });
  });
});

describe('when Redis is down', () => {
  it('limits nothing: webhooks store the message, the staff API answers, failures stay 403', async () => {
    const config = { ...ctx.config, limits: { staffApiPerMinute: 1, failuresPerAddress: 1, failureWindowMs: 60_000 } };
    const app = await buildApp(config, { logger: silentLogger });
    await app.ready();
    try {
      // Redis goes away: the limiter's store (and the queues) cannot be reached.
      app.redis.disconnect();
      const token = await ctx.staffToken('staff', 'ROAD');
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(200);
      }
      for (let i = 0; i < 3; i++) {
        const res = await postSignedTwilio(app, '/webhooks/sms/twilio', inboundSms({ Body: `레디스 장애 중 민원 ${i}` }));
        expect(res.statusCode).toBe(200);
      }
      const stored = await ctx.db.selectFrom('messages').select('id').where('text', 'like', '레디스 장애 중 민원%').execute();
      expect(stored).toHaveLength(3);
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({
          method: 'POST',
          url: '/webhooks/sms/twilio',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bad' },
          payload: 'MessageSid=SM1&From=%2B821000000000',
        });
        expect(res.statusCode).toBe(403);
      }
    } finally {
      await app.close();
    }
  });
});
