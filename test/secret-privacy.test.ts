// Beyond test/log-privacy.test.ts: with every channel configured and the outside APIs faked,
// the logs and everything in Redis (job data, rate-limit keys) hold no phone number,
// message text, Kakao user key, staff token or provider secret, on the happy path and on
// every failure path we can provoke.
import { randomBytes, randomUUID } from 'node:crypto';
import nock from 'nock';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, signTwilio, TEST_AUTH_TOKEN, type TestContext } from './support/harness.js';
import { skillRequest } from './support/kakao.js';
import { buildApp } from '../src/app.js';
import { startWorkers } from '../workers/index.js';
import { captureLogs } from './support/log-capture.js';

const TWILIO = 'http://twilio.fake.local';
const ACCOUNT_SID = 'AC33333333333333333333333333333333';
const KAKAO = 'http://kakao.fake.local';
const BOT_ID = '6a0e1d2c3b4a596877665599';
const REST_KEY = 'kakao-rest-key-SECRET-9f8e7d';
const SKILL_SECRET = 'kakao-skill-secret-SECRET-1a2b3c';
const PHONE = '+821044445555';
const SMS_TEXT = '카드빚 독촉 전화 때문에 잠을 못 잡니다 비밀문장하나';
const KAKAO_TEXT = '옆집에서 매일 밤 싸우는 소리가 납니다 비밀문장둘';
const USER_KEY = `uk${randomBytes(16).toString('hex')}`;

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_FROM: '+82215550100',
    TWILIO_API_BASE_URL: TWILIO,
    KAKAO_SKILL_SECRET: SKILL_SECRET,
    KAKAO_BOT_ID: BOT_ID,
    KAKAO_REST_API_KEY: REST_KEY,
    KAKAO_EVENT_NAME: 'answer_ready',
    KAKAO_API_BASE_URL: KAKAO,
    FAILED_AUTH_PER_ADDRESS: '2',
    OUTBOUND_ATTEMPTS: '1',
  });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await ctx?.close();
});

function jsonReply(status: number, body: object): [number, string, Record<string, string>] {
  const text = JSON.stringify(body);
  return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
}

/** Every value under the test's Redis prefix, whatever its type. */
async function dumpRedis(prefix: string): Promise<string> {
  const redis = new Redis(ctx.config.redisUrl);
  const parts: string[] = [];
  try {
    const keys = await redis.keys(`${prefix}:*`);
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    expect(keys.length).toBeGreaterThan(5);
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

describe('no personal data or secret', () => {
  it('reaches the logs or Redis, whatever the path', async () => {
    const logs = captureLogs();
    const log = logs.log;

    // Twilio refuses the answer and quotes the number; Kakao takes the push.
    nock(TWILIO)
      .persist()
      .post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`)
      .reply(() => jsonReply(400, { code: 21211, message: `The 'To' number ${PHONE} is not a valid phone number.`, status: 400 }));
    nock(KAKAO)
      .persist()
      .post(`/v2/bots/${BOT_ID}/talk`)
      .reply(() => jsonReply(200, { taskId: randomUUID(), status: 'SUCCESS', timestamp: Date.now() }));
    nock(KAKAO)
      .persist()
      .get(/^\/v1\/tasks\/[^/]+$/)
      .reply((uri) => jsonReply(200, { taskId: uri.split('/').at(-1), status: 'ALL SUCCESS', allRequestCount: 1, successCount: 1, userKeyResolvingFailCount: 0, fail: { count: 0, list: [] } }));

    const app = await buildApp(ctx.config, { logger: log });
    // A route that fails the way an unexpected database error does: its detail quotes the row.
    app.get('/test/unexpected-db-error', async () => {
      throw Object.assign(new Error('duplicate key value violates unique constraint "residents_phone_key"'), {
        code: '23505',
        severity: 'ERROR',
        detail: `Key (phone)=(${PHONE}) already exists.`,
      });
    });
    const workers = await startWorkers(ctx.config, log);
    const staffToken = await ctx.staffToken('staff', 'AUDIT');
    const managerToken = await ctx.staffToken('manager');
    try {
      // A resident by SMS and one by KakaoTalk.
      const params = inboundSms({ From: PHONE, Body: SMS_TEXT });
      const signature = signTwilio('/webhooks/sms/twilio', params);
      const sms = await app.inject({
        method: 'POST',
        url: '/webhooks/sms/twilio',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams(params).toString(),
      });
      expect(sms.statusCode).toBe(200);
      const skill = await app.inject({
        method: 'POST',
        url: '/webhooks/kakao/skill',
        headers: { 'content-type': 'application/json', 'x-skill-secret': SKILL_SECRET },
        payload: skillRequest({ userKey: USER_KEY, utterance: KAKAO_TEXT, botId: BOT_ID }),
      });
      expect(skill.statusCode).toBe(200);

      // Failures: a wrong skill secret and a forged signature, past the per-address limit.
      const wrongSecret = `wrong-${SKILL_SECRET}`;
      for (let i = 0; i < 3; i++) {
        await app.inject({
          method: 'POST',
          url: '/webhooks/kakao/skill',
          headers: { 'content-type': 'application/json', 'x-skill-secret': wrongSecret },
          payload: skillRequest({ userKey: USER_KEY, utterance: KAKAO_TEXT }),
        });
        await app.inject({
          method: 'POST',
          url: '/webhooks/sms/twilio',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': `${signature}x` },
          payload: new URLSearchParams(params).toString(),
        });
      }
      const boom = await app.inject({ method: 'GET', url: '/test/unexpected-db-error' });
      expect(boom.statusCode).toBe(500);

      // Routed, then answered: the SMS answer fails at Twilio, the Kakao one is pushed.
      const cases = await eventually(async () => {
        const rows = await ctx.db.selectFrom('cases').select(['id', 'department_code', 'channel']).where('department_code', 'is not', null).execute();
        return rows.length === 2 ? rows : undefined;
      });
      for (const c of cases) {
        const answer = await app.inject({
          method: 'POST',
          url: `/api/cases/${c.id}/close`,
          headers: { authorization: `Bearer ${managerToken}` },
          payload: { disposition: 'resolved', text: '처리했습니다 비밀답변셋' },
        });
        expect(answer.statusCode).toBe(200);
      }
      // The full number, asked for with a reason by the owning department.
      const smsCase = cases.find((c) => c.channel === 'sms')!;
      await ctx.db.updateTable('cases').set({ department_code: 'AUDIT' }).where('id', '=', smsCase.id).execute();
      const phone = await app.inject({
        method: 'POST',
        url: `/api/cases/${smsCase.id}/resident-phone`,
        headers: { authorization: `Bearer ${staffToken}` },
        payload: { reason: '주소 확인 통화 비밀사유넷' },
      });
      expect(phone.json().phone).toBe(PHONE);
      await eventually(async () => {
        const rows = await ctx.db.selectFrom('messages').select('delivery_status').where('kind', '=', 'answer').execute();
        return rows.length === 2 && rows.every((r) => r.delivery_status === 'failed' || r.delivery_status === 'delivered' || r.delivery_status === 'sent') ? rows : undefined;
      });

      // The logs did record the traffic ...
      expect(logs.text()).toContain('/webhooks/kakao/skill');
      expect(logs.text()).toContain('unhandled error');
      expect(logs.text()).toContain('refusing an address that keeps failing verification');
      const redis = await dumpRedis(ctx.config.queuePrefix);
      // ... but none of these, and neither does Redis.
      const secrets = {
        phone: PHONE,
        'phone digits': '44445555',
        'SMS text': '비밀문장하나',
        'Kakao text': '비밀문장둘',
        answer: '비밀답변셋',
        reason: '비밀사유넷',
        'Kakao user key': USER_KEY,
        'skill secret': SKILL_SECRET,
        'wrong skill secret': wrongSecret,
        'Kakao REST key': REST_KEY,
        'Twilio auth token': TEST_AUTH_TOKEN,
        'Twilio signature': signature,
        'staff token': staffToken,
        'manager token': managerToken,
      };
      for (const [what, secret] of Object.entries(secrets)) {
        expect(logs.text().includes(secret), `logs contain the ${what}`).toBe(false);
        expect(redis.includes(secret), `Redis holds the ${what}`).toBe(false);
      }
    } finally {
      await workers.close();
      await app.close();
    }
  }, 60_000);
});
