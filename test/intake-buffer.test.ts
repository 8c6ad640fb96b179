// Postgres away: webhooks keep the message, encrypted, in Redis and answer the provider; the
// workers file it once Postgres answers again. Both away: 503 for the provider's fallback.
// "Away" here is a real refused connection (nothing listens on the port), not a mock; the
// stop-and-start tests with a Postgres of their own are in test/faults-*.test.ts.
import { randomBytes } from 'node:crypto';
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
import type { InboundRow } from '../src/intake/inbox-repository.js';

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
const orderKey = () => `${bufferKey()}:order`;
const clearBuffer = () => redis.del(bufferKey(), orderKey(), `${bufferKey()}:seq`);

/** An SMS as a webhook keeps it while Postgres is away. */
function bufferedSms(i: number, row: Partial<InboundRow>): InboundRow {
  return {
    channel: 'sms',
    provider: 'twilio',
    providerMessageId: `SM${randomBytes(16).toString('hex')}`,
    sender: { phone: `+8210${String(5600_0000 + i)}` },
    text: `공지 문자에 대한 답장 ${i}번`,
    raw: { Body: `공지 문자에 대한 답장 ${i}번` },
    acknowledgement: SMS_ACKNOWLEDGEMENT,
    acknowledgementStatus: null,
    receivedAt: new Date(),
    ...row,
  };
}

/** Provider ids of the inbox rows whose id starts so, in inbox order. */
async function inboxOrder(prefix: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('inbound_messages').select('provider_message_id').where('provider_message_id', 'like', `${prefix}%`).orderBy('id').execute();
  return rows.map((r) => r.provider_message_id);
}

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

      // /readyz keeps the API in the load balancer (the buffer keeps messages) and names what is down.
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', postgres: 'down', redis: 'up' });
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
    // And the filing job is queued for the worker.
    const inbound = await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', params.MessageSid!).executeTakeFirstOrThrow();
    expect(await ctx.app.queues.routing.getJob(`file-${inbound.id}`)).toBeDefined();
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

  it('leaves a message it cannot decrypt (another secret) in Redis and reports it, rather than dropping it, and files those behind it', async () => {
    await clearBuffer();
    const other = new IntakeBuffer(redis, bufferKey(), 'another secret');
    await other.put(bufferedSms(0, { providerMessageId: 'SMunreadable', text: '다른 비밀로 암호화된 메시지' }));
    const buffer = new IntakeBuffer(redis, bufferKey(), 'test buffer secret');
    const behind = [1, 2, 3].map((i) => bufferedSms(i, { providerMessageId: `SMbehind-unreadable-${i}` }));
    for (const row of behind) await buffer.put(row);
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30, 2)).toEqual({ filed: 3, unreadable: 1 });
    expect(await redis.hkeys(bufferKey())).toEqual(['twilio:SMunreadable']);
    expect(await inboxOrder('SMbehind-unreadable-')).toEqual(behind.map((r) => r.providerMessageId));
    // With the right secret it is filed.
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, other, 30)).toEqual({ filed: 1, unreadable: 0 });
    expect(await redis.hlen(bufferKey())).toBe(0);
  });
});

// A district notice reaches 37,500 residents; Postgres away for those minutes leaves tens of
// thousands of acknowledged messages in the buffer. Every one must reach the inbox.
describe('a burst kept while Postgres was away', () => {
  const BURST = 20_000;

  /** Fills the buffer as webhooks do, in this order: one connection keeps the order of its commands. */
  async function fill(buffer: IntakeBuffer, rows: InboundRow[]) {
    for (let i = 0; i < rows.length; i += 2_000) await Promise.all(rows.slice(i, i + 2_000).map((row) => buffer.put(row)));
  }

  it(`files all ${BURST.toLocaleString('en')} messages exactly once, in order of arrival, and empties the buffer`, async () => {
    await clearBuffer();
    const buffer = new IntakeBuffer(redis, bufferKey(), 'test buffer secret');
    // Fifty arrive in each millisecond: their order is the buffer's, not the clock's.
    const started = Date.now() - 60_000;
    const rows = Array.from({ length: BURST }, (_, i) =>
      bufferedSms(i, { providerMessageId: `SMburst-${String(i).padStart(5, '0')}`, receivedAt: new Date(started + Math.floor(i / 50)) }),
    );
    // Arrivals are not in id order: every tenth is put before the rest.
    const arrival = [...rows.filter((_, i) => i % 10 === 0), ...rows.filter((_, i) => i % 10 !== 0)];
    await fill(buffer, arrival);
    // Twilio re-sends some while Postgres is still away: still one entry each, in its first place.
    await fill(buffer, arrival.slice(0, 100));
    expect(await buffer.size()).toBe(BURST);

    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: BURST, unreadable: 0 });
    expect(await redis.exists(bufferKey(), orderKey())).toBe(0);
    expect(await inboxOrder('SMburst-')).toEqual(arrival.map((r) => r.providerMessageId));
    // Each has its filing job, and a second drain (another worker) finds nothing.
    const inbound = await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', 'like', 'SMburst-%').orderBy('id').execute();
    for (const { id } of [inbound[0]!, inbound[BURST / 2]!, inbound.at(-1)!]) expect(await ctx.app.queues.routing.getJob(`file-${id}`)).toBeDefined();
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: 0, unreadable: 0 });
  }, 120_000);

  it('files a kept message whose text, sender and payload carry NULs or a lone surrogate half, as the webhooks would store it', async () => {
    await clearBuffer();
    const buffer = new IntakeBuffer(redis, bufferKey(), 'test buffer secret');
    const rows = [
      bufferedSms(1, { providerMessageId: 'SModd-nul', sender: { phone: '+82101234\u00005678' }, text: '가로등\u0000 고장', raw: { Body: 'a\u0000b', note: 'x\u0000y' } }),
      bufferedSms(2, { providerMessageId: 'SModd-half', text: '깨진 글자 \ud800 끝', raw: { Body: '\udfff' } }),
    ];
    await fill(buffer, rows);
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: 2, unreadable: 0 });
    const stored = await ctx.db
      .selectFrom('inbound_messages')
      .select(['provider_message_id', 'text', 'sender', 'raw', 'case_number'])
      .where('provider_message_id', 'like', 'SModd-%')
      .orderBy('id')
      .execute();
    expect(stored.map(({ provider_message_id, text, sender, raw }) => ({ provider_message_id, text, sender, raw }))).toEqual([
      { provider_message_id: 'SModd-nul', text: '가로등 고장', sender: { phone: '+821012345678' }, raw: { Body: 'ab', note: 'xy' } },
      { provider_message_id: 'SModd-half', text: '깨진 글자 \ufffd 끝', sender: rows[1]!.sender, raw: { Body: '\ufffd' } },
    ]);
    // Each numbered, as a webhook's message would be.
    for (const row of stored) expect(row.case_number).toMatch(/^\d{4}-\d{6}$/);
  });

  it('files messages an older version kept without an order (hash only), oldest first, then those kept since', async () => {
    await clearBuffer();
    const buffer = new IntakeBuffer(redis, bufferKey(), 'test buffer secret');
    const started = Date.now() - 60_000;
    const before = Array.from({ length: 3_000 }, (_, i) =>
      bufferedSms(i, { providerMessageId: `SMlegacy-${String(i).padStart(4, '0')}`, receivedAt: new Date(started + i) }),
    );
    await fill(buffer, [...before].reverse());
    // What the old version left: the hash alone.
    await redis.del(orderKey());
    const since = [0, 1, 2].map((i) => bufferedSms(i, { providerMessageId: `SMlegacy-since-${i}`, receivedAt: new Date() }));
    await fill(buffer, since);

    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: before.length + since.length, unreadable: 0 });
    expect(await redis.hlen(bufferKey())).toBe(0);
    expect(await inboxOrder('SMlegacy-')).toEqual([...before, ...since].map((r) => r.providerMessageId));
  }, 60_000);
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
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'unavailable', postgres: 'down', redis: 'down' });
    } finally {
      await app.close();
    }
  });
});
