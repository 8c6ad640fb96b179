// Postgres away: webhooks keep the message, encrypted, in Redis and answer the provider; the
// workers file it once Postgres answers again. Both away: 503 for the provider's fallback.
// "Away" here is a real refused connection (nothing listens on the port), not a mock; the
// stop-and-start tests with a Postgres of their own are in test/faults-*.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { createTestContext, fileInbox, inboundSms, postSignedTwilioOnly, silentLogger, type TestContext } from './support/harness.js';
import { postSkillOnly, skillRequest, SKILL_SECRET } from './support/kakao.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { IntakeBuffer } from '../src/intake/intake-buffer.js';
import { drainIntakeBuffer } from '../src/intake/drain-buffer.js';
import { SMS_ACKNOWLEDGEMENT } from '../src/intake/acknowledgement.js';

const NOWHERE_POSTGRES = 'postgres://postgres@127.0.0.1:1/sotong';
const NOWHERE_REDIS = 'redis://127.0.0.1:1';

let ctx: TestContext;
let redis: Redis;

beforeAll(async () => {
  ctx = await createTestContext({ KAKAO_SKILL_SECRET: SKILL_SECRET, INTAKE_BUFFER_SECRET: 'test buffer secret' });
  redis = new Redis(ctx.config.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await ctx?.close();
});

/** The same app, with Postgres (and perhaps Redis) unreachable. */
async function appWithout(env: Record<string, string>): Promise<FastifyInstance> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: ctx.config.databaseUrl,
    REDIS_URL: ctx.config.redisUrl,
    QUEUE_PREFIX: ctx.config.queuePrefix,
    PUBLIC_BASE_URL: ctx.config.publicBaseUrl,
    TWILIO_AUTH_TOKEN: ctx.config.twilioAuthToken!,
    KAKAO_SKILL_SECRET: SKILL_SECRET,
    INTAKE_BUFFER_SECRET: 'test buffer secret',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp(config, { logger: silentLogger });
  await app.ready();
  return app;
}

const bufferKey = () => IntakeBuffer.keyFor(ctx.config.queuePrefix);

async function inboundCount(): Promise<number> {
  const row = await ctx.db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('Postgres unreachable', () => {
  it('answers the SMS webhook 200 with the acknowledgement and keeps the message in Redis, encrypted', async () => {
    const app = await appWithout({ DATABASE_URL: NOWHERE_POSTGRES });
    try {
      const before = await inboundCount();
      const params = inboundSms({ From: '+821055550001', Body: '무학봉 공원 가로등이 꺼져 있어요' });
      const res = await postSignedTwilioOnly(app, '/webhooks/sms/twilio', params);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(SMS_ACKNOWLEDGEMENT);
      expect(await inboundCount()).toBe(before);

      const stored = await redis.hgetall(bufferKey());
      expect(Object.keys(stored)).toEqual([`twilio:${params.MessageSid}`]);
      const sealed = Object.values(stored)[0]!;
      // Neither the number nor the words are readable in Redis.
      expect(sealed).not.toContain('5555');
      expect(Buffer.from(sealed, 'base64').toString('utf8')).not.toContain('가로등');
      expect(Buffer.from(sealed, 'base64').toString('utf8')).not.toContain('821055550001');

      // /readyz names what is down.
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'unavailable', postgres: 'down', redis: 'up' });
    } finally {
      await app.close();
    }
  });

  it('keeps a re-sent message once, and files everything into cases when Postgres answers again', async () => {
    const app = await appWithout({ DATABASE_URL: NOWHERE_POSTGRES });
    const params = inboundSms({ From: '+821055550002', Body: '신당동 주택가 골목에 대형 폐기물이 버려져 있어요' });
    try {
      expect((await postSignedTwilioOnly(app, '/webhooks/sms/twilio', params)).statusCode).toBe(200);
      // Twilio re-sends the same MessageSid: still one message in the buffer.
      expect((await postSignedTwilioOnly(app, '/webhooks/sms/twilio', params)).statusCode).toBe(200);
      const kakao = await postSkillOnly(app, skillRequest({ userKey: 'buffered-resident-key', utterance: '황학동 도로에 포트홀이 생겼어요' }));
      expect(kakao.statusCode).toBe(200);
      expect(await redis.hlen(bufferKey())).toBeGreaterThanOrEqual(2);
    } finally {
      await app.close();
    }

    // Postgres is back (the context's own database): the workers' drain files them.
    const buffer = new IntakeBuffer(redis, bufferKey(), 'test buffer secret');
    const { filed, unreadable } = await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30);
    expect(filed).toBeGreaterThanOrEqual(2);
    expect(unreadable).toBe(0);
    expect(await redis.hlen(bufferKey())).toBe(0);
    // A second drain (another worker, a restart) finds nothing and stores nothing twice.
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: 0, unreadable: 0 });
    await fileInbox(ctx.app);

    const sms = await ctx.db
      .selectFrom('messages')
      .innerJoin('cases', 'cases.id', 'messages.case_id')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select(['messages.text', 'messages.provider_message_id', 'residents.phone'])
      .where('messages.direction', '=', 'in')
      .where('residents.phone', '=', '+821055550002')
      .execute();
    expect(sms).toEqual([{ text: '신당동 주택가 골목에 대형 폐기물이 버려져 있어요', provider_message_id: params.MessageSid, phone: '+821055550002' }]);
    const chat = await ctx.db
      .selectFrom('messages')
      .innerJoin('cases', 'cases.id', 'messages.case_id')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select(['messages.text', 'messages.kind'])
      .where('residents.kakao_user_key', '=', 'buffered-resident-key')
      .orderBy('messages.id')
      .execute();
    // The acknowledgement the resident saw is kept with the case, as for any message.
    expect(chat.map((m) => m.kind)).toEqual(['resident', 'acknowledgement']);
    expect(chat[0]!.text).toBe('황학동 도로에 포트홀이 생겼어요');
    // And the intake job is queued for the worker.
    const inbound = await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', params.MessageSid!).executeTakeFirstOrThrow();
    expect(await ctx.app.queues.routing.getJob(`intake-${inbound.id}`)).toBeDefined();
  });

  it('counts no flood while Postgres is away (the count lives there): every message gets its acknowledgement and is kept', async () => {
    const app = await appWithout({ DATABASE_URL: NOWHERE_POSTGRES, SENDER_FLOOD_MESSAGES: '2' });
    try {
      const before = await redis.hlen(bufferKey());
      for (let i = 1; i <= 4; i++) {
        const res = await postSignedTwilioOnly(app, '/webhooks/sms/twilio', inboundSms({ From: '+821055550003', Body: `같은 골목 쓰레기 ${i}` }));
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain(SMS_ACKNOWLEDGEMENT);
      }
      expect(await redis.hlen(bufferKey())).toBe(before + 4);
    } finally {
      await app.close();
    }
  });

  it('leaves a message it cannot decrypt (another secret) in Redis and reports it, rather than dropping it', async () => {
    await redis.del(bufferKey());
    const other = new IntakeBuffer(redis, bufferKey(), 'another secret');
    await other.put({
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: 'SMunreadable',
      sender: { phone: '+821055550003' },
      text: '다른 비밀로 암호화된 메시지',
      raw: {},
      acknowledgement: null,
      acknowledgementStatus: null,
      receivedAt: new Date(),
    });
    const buffer = new IntakeBuffer(redis, bufferKey(), 'test buffer secret');
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: 0, unreadable: 1 });
    expect(await redis.hlen(bufferKey())).toBe(1);
    // With the right secret it is filed.
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, other, 30)).toEqual({ filed: 1, unreadable: 0 });
  });
});

describe('Postgres and Redis both unreachable', () => {
  it('answers 503 with a JSON error, so the provider retries or uses its fallback URL', async () => {
    const app = await appWithout({ DATABASE_URL: NOWHERE_POSTGRES, REDIS_URL: NOWHERE_REDIS });
    try {
      const sms = await postSignedTwilioOnly(app, '/webhooks/sms/twilio', inboundSms({ From: '+821055550004' }));
      expect(sms.statusCode).toBe(503);
      expect(sms.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
      const kakao = await postSkillOnly(app, skillRequest({ userKey: 'nowhere-resident' }));
      expect(kakao.statusCode).toBe(503);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json()).toEqual({ status: 'unavailable', postgres: 'down', redis: 'down' });
    } finally {
      await app.close();
    }
  });
});
