// Postgres goes away under the real app and workers: a Postgres (and a Redis) of this file's
// own (test/support/own-services.ts) that the tests stop and start.
// While Postgres is away, webhooks keep residents' messages, encrypted, in Redis (the intake
// buffer) and the workers file them once it is back.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, inboundSms, postSignedTwilioOnly, silentLogger, type TestContext } from './support/harness.js';
import { createOwnServicesContext, type OwnPostgres, type OwnRedis, type OwnServicesContext } from './support/own-services.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import { jobIds } from '../src/queues/queues.js';
import { SMS_ACKNOWLEDGEMENT } from '../src/intake/acknowledgement.js';
import { IntakeBuffer } from '../src/intake/intake-buffer.js';
import { postSkillOnly, skillRequest, SKILL_SECRET } from './support/kakao.js';
import { Redis } from 'ioredis';

let own: OwnServicesContext;
let ctx: TestContext;
let postgres: OwnPostgres;
let redis: OwnRedis;
let workers: RunningWorkers;
let phoneSeq = 0;

beforeAll(async () => {
  own = await createOwnServicesContext(
    { SWEEP_INTERVAL_MS: '1000', SWEEP_MIN_AGE_MS: '1000', KAKAO_SKILL_SECRET: SKILL_SECRET, INTAKE_BUFFER_SECRET: 'faults-postgres buffer secret' },
    { redis: true, postgres: true },
  );
  ctx = own.ctx;
  postgres = own.postgres!;
  redis = own.redis!;
  workers = await startWorkers(ctx.config, silentLogger);
}, 60_000);

afterAll(async () => {
  if (postgres && !postgres.running) await postgres.start();
  if (redis && !redis.running) await redis.start();
  await workers?.close();
  await own?.close();
});

async function readyz() {
  const res = await ctx.app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json<Record<string, string>>() };
}

/** Until /readyz sees both Postgres and Redis again (it answers 200 as soon as either is up). */
async function bothUp(timeoutMs = 15_000) {
  await eventually(async () => {
    const { body } = await readyz();
    return body.postgres === 'up' && body.redis === 'up';
  }, timeoutMs);
}

/** The resident messages (direction in) filed for these inbox rows' provider ids. */
async function messagesFor(provider: string, providerMessageIds: string[]) {
  return ctx.db
    .selectFrom('messages')
    .select(['id', 'provider_message_id'])
    .where('direction', '=', 'in')
    .where('provider', '=', provider)
    .where('provider_message_id', 'in', providerMessageIds)
    .execute();
}

/** A resident texts; the webhook stores it in the inbox, queues its filing job and answers at once. */
async function smsIn(): Promise<{ sid: string; inboundId: number }> {
  phoneSeq += 1;
  const phone = `+8210${String(6666_0000 + phoneSeq)}`;
  const params = inboundSms({ From: phone, Body: '명동 골목 가로등이 며칠째 꺼져 있어요' });
  const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params);
  expect(res.statusCode).toBe(200);
  // Postgres is there: the acknowledgement names the reserved case number.
  expect(res.body).toMatch(/접수번호 \d{4}-\d{6}/);
  const row = await ctx.db
    .selectFrom('inbound_messages')
    .select('id')
    .where('provider', '=', 'twilio')
    .where('provider_message_id', '=', params.MessageSid!)
    .executeTakeFirstOrThrow();
  return { sid: params.MessageSid!, inboundId: row.id };
}

/** A resident texts; returns the message's id once the routing worker has filed it into a case. */
async function textIn(): Promise<number> {
  const { sid } = await smsIn();
  return (await filedSms([sid]))[0]!;
}

/** The messages these SMS (by MessageSid) were filed as, once each is filed exactly once. */
async function filedSms(sids: string[]): Promise<number[]> {
  const rows = await eventually(async () => {
    const found = await messagesFor('twilio', sids);
    return found.length >= sids.length ? found : undefined;
  }, 40_000);
  expect(rows.map((r) => r.provider_message_id).sort()).toEqual([...sids].sort());
  return sids.map((sid) => rows.find((r) => r.provider_message_id === sid)!.id);
}

/** Each message routed, its case given a department by exactly one routing event. */
async function expectRoutedOnce(messageIds: number[]): Promise<void> {
  const rows = await eventually(async () => {
    const found = await ctx.db.selectFrom('messages').select(['case_id', 'routed_at']).where('id', 'in', messageIds).execute();
    return found.every((m) => m.routed_at !== null) ? found : undefined;
  }, 40_000);
  const caseIds = rows.map((r) => r.case_id);
  const cases = await ctx.db.selectFrom('cases').select('department_code').where('id', 'in', caseIds).execute();
  expect(cases.filter((c) => c.department_code === null)).toEqual([]);
  const events = await ctx.db
    .selectFrom('case_events')
    .select(['case_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('type', '=', 'routed')
    .where('case_id', 'in', caseIds)
    .groupBy('case_id')
    .execute();
  expect(Object.fromEntries(events.map((e) => [e.case_id, Number(e.n)]))).toEqual(Object.fromEntries(caseIds.map((id) => [id, 1])));
}

describe('Postgres down', () => {
  it('/readyz stays ready while Postgres is down (the buffer keeps messages) and names it; once it is back the same pools serve again', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'up', redis: 'up' } });
    await postgres.stop('fast');
    // A load balancer keeps the API in: the webhooks answer 200 and buffer in Redis.
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'down', redis: 'up' } });

    await postgres.start();
    await bothUp();
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'up', redis: 'up' } });
    // The app and the workers' pools reconnect by themselves: a new message is stored and routed.
    await expectRoutedOnce([await textIn()]);
  }, 60_000);

  it('queries in flight when Postgres goes away fail; the process does not (no uncaught pg client error)', async () => {
    const uncaught: unknown[] = [];
    const collect = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', collect);
    try {
      for (const mode of ['immediate', 'fast'] as const) {
        let busy = true;
        let failed = 0;
        // The app's own pool, kept busy: some queries are on the wire when Postgres goes.
        const loops = Array.from({ length: 8 }, async () => {
          while (busy) {
            await sql`select pg_sleep(0.005)`.execute(ctx.db).catch(async () => {
              failed += 1;
              await new Promise((resolve) => setTimeout(resolve, 20));
            });
          }
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        await postgres.stop(mode);
        await new Promise((resolve) => setTimeout(resolve, 200));
        busy = false;
        await Promise.all(loops);
        expect(failed).toBeGreaterThan(0);
        await postgres.start();
      }
      expect(uncaught).toEqual([]);
      // The same pool serves again.
      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'up', redis: 'up' } });
    } finally {
      process.off('uncaughtException', collect);
    }
  }, 60_000);

  it('/readyz names both when Redis is down too', async () => {
    await postgres.stop('immediate');
    await redis.stop('kill');
    expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', postgres: 'down', redis: 'down' } });
    await redis.start();
    // Redis alone can keep a message: ready again before Postgres is.
    await eventually(async () => (await readyz()).status === 200, 15_000);
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'down', redis: 'up' } });
    await postgres.start();
    await bothUp();
    await expectRoutedOnce([await textIn()]);
  }, 60_000);

  it('crashing under the workers: filing jobs that failed meanwhile, even for good, are tried again by the sweeper, and each message is filed and routed once', async () => {
    // The filing jobs wait until Postgres is gone, then the workers get them.
    await ctx.app.queues.routing.pause();
    const sent: { sid: string; inboundId: number }[] = [];
    for (let i = 0; i < 8; i++) sent.push(await smsIn());
    // This test Postgres commits asynchronously (own-services.ts, for speed), so a crash could
    // lose the last commits; a production one keeps every committed inbox row: be one here.
    await sql`checkpoint`.execute(ctx.db);
    await postgres.stop('immediate');
    await ctx.app.queues.routing.resume();

    // Every job has failed at least once against the missing database...
    const jobsOf = () => Promise.all(sent.map((s) => ctx.app.queues.routing.getJob(jobIds.file(s.inboundId))));
    await eventually(async () => (await jobsOf()).every((job) => job !== undefined && job.attemptsMade >= 1), 20_000);
    // ...and then for good, all its attempts spent: only the sweeper's retry files them now.
    await eventually(async () => {
      const states = await Promise.all(sent.map((s) => ctx.app.queues.routing.getJobState(jobIds.file(s.inboundId))));
      return states.every((state) => state === 'failed');
    }, 30_000);

    await postgres.start();
    await expectRoutedOnce(await filedSms(sent.map((s) => s.sid)));
    // Retried, not replaced: the same job ran to completion.
    // (The case is written before its job is marked completed: wait for the jobs too.)
    await eventually(async () => (await Promise.all((await jobsOf()).map((job) => job!.getState()))).every((state) => state === 'completed'));
  }, 70_000);
});

// ---------------------------------------------------------------------------------------
// Residents writing while Postgres is away

/** Every value this file's own Redis holds, as text, with its key: what someone reading Redis would see. */
async function everythingInRedis(): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    const seen: string[] = [];
    for (const key of await client.keys('*')) {
      seen.push(key);
      const type = await client.type(key);
      if (type === 'string') seen.push((await client.get(key)) ?? '');
      else if (type === 'hash') seen.push(...Object.entries(await client.hgetall(key)).flat());
      else if (type === 'list') seen.push(...(await client.lrange(key, 0, -1)));
      else if (type === 'set') seen.push(...(await client.smembers(key)));
      else if (type === 'zset') seen.push(...(await client.zrange(key, 0, -1)));
      else if (type === 'stream') seen.push(JSON.stringify(await client.xrange(key, '-', '+')));
    }
    // Base64 hides nothing: read every value decoded too.
    return [...seen, ...seen.map((v) => Buffer.from(v, 'base64').toString('utf8'))];
  } finally {
    client.disconnect();
  }
}

const bufferSize = async () => {
  const client = new Redis(redis.url);
  try {
    return await client.hlen(IntakeBuffer.keyFor(ctx.config.queuePrefix));
  } finally {
    client.disconnect();
  }
};

/** The resident messages (direction in) a Kakao user has, with their cases. */
async function kakaoMessages(userKey: string) {
  return ctx.db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .select(['messages.id', 'messages.text'])
    .where('messages.direction', '=', 'in')
    .where('residents.kakao_user_key', '=', userKey)
    .execute();
}

describe('Postgres down: residents still reach us', () => {
  it('SMS and KakaoTalk webhooks answer 200 with the acknowledgement, keep the messages unreadable in Redis, and the workers file and route each exactly once when Postgres is back', async () => {
    await postgres.stop('fast');
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'down', redis: 'up' } });

    const sms = Array.from({ length: 5 }, (_, i) => {
      phoneSeq += 1;
      return inboundSms({ From: `+8210${String(6666_0000 + phoneSeq)}`, Body: `황학동 ${i + 1}번 골목 하수구에서 악취가 심하게 나요` });
    });
    for (const params of sms) {
      const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`<Message>${SMS_ACKNOWLEDGEMENT}</Message>`);
    }
    // Twilio re-sends two of them (it saw no answer in time): the same MessageSid, still 200.
    for (const params of sms.slice(0, 2)) expect((await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params)).statusCode).toBe(200);
    const kakao = [
      { userKey: 'pg-down-resident-a1b2c3', utterance: '다산로 횡단보도 신호등이 고장났어요' },
      { userKey: 'pg-down-resident-d4e5f6', utterance: '약수역 3번 출구 계단 난간이 흔들려요' },
    ];
    for (const k of kakao) {
      const res = await postSkillOnly(ctx.app, skillRequest(k));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('민원이 접수되었습니다');
    }

    // Kept in the buffer, one entry per message (the re-sends are the same entry)...
    expect(await bufferSize()).toBe(sms.length + kakao.length);
    // ...and nowhere in Redis can a number, a user key or a word of them be read.
    const inRedis = await everythingInRedis();
    const secrets = [
      ...sms.flatMap((p) => [p.From!, p.From!.slice(-8), p.Body!, p.Body!.split(' ')[2]!]),
      ...kakao.flatMap((k) => [k.userKey, k.utterance, k.utterance.split(' ')[0]!]),
    ];
    for (const secret of secrets) expect(inRedis.filter((v) => v.includes(secret)), secret).toEqual([]);

    // Postgres is back: the in-process workers drain the buffer into the inbox within seconds,
    // file each message into its case and route it.
    await postgres.start();
    await eventually(async () => (await bufferSize()) === 0, 20_000);
    const messageIds = await filedSms(sms.map((p) => p.MessageSid!));
    for (const k of kakao) {
      const [message, ...more] = await eventually(async () => {
        const found = await kakaoMessages(k.userKey);
        return found.length > 0 ? found : undefined;
      }, 20_000);
      expect(more).toEqual([]);
      expect(message!.text).toBe(k.utterance);
      messageIds.push(message!.id);
    }
    await expectRoutedOnce(messageIds);
    // One inbox row per message, each filed.
    const inbox = await ctx.db
      .selectFrom('inbound_messages')
      .select(['provider_message_id', 'message_id'])
      .where('provider', '=', 'twilio')
      .where('provider_message_id', 'in', sms.map((p) => p.MessageSid!))
      .execute();
    expect(inbox).toHaveLength(sms.length);
    expect(inbox.every((r) => r.message_id !== null)).toBe(true);

    // Nothing more turns up later: a sweep and a drain on top find nothing to file twice.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await messagesFor('twilio', sms.map((p) => p.MessageSid!))).length).toBe(sms.length);
    for (const k of kakao) expect(await kakaoMessages(k.userKey)).toHaveLength(1);
    await expectRoutedOnce(messageIds);
  }, 60_000);

  it('with Redis down too, webhooks answer 503 with a JSON error; the provider\'s later retry is taken once', async () => {
    await postgres.stop('fast');
    await redis.stop('kill');
    expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', postgres: 'down', redis: 'down' } });

    phoneSeq += 1;
    const params = inboundSms({ From: `+8210${String(6666_0000 + phoneSeq)}`, Body: '청구역 앞 자전거 거치대가 부서졌어요' });
    const refused = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
    const refusedChat = await postSkillOnly(ctx.app, skillRequest({ userKey: 'pg-redis-down-resident', utterance: '동화동 공원 벤치가 부서졌어요' }));
    expect(refusedChat.statusCode).toBe(503);
    expect(refusedChat.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });

    await redis.start();
    await postgres.start();
    await bothUp();
    // Nothing was kept of a refused message: the provider retries it, and then it is taken once.
    expect(await kakaoMessages('pg-redis-down-resident')).toEqual([]);
    expect((await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params)).statusCode).toBe(200);
    await expectRoutedOnce(await filedSms([params.MessageSid!]));
  }, 60_000);
});
