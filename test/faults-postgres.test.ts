// Postgres goes away under the real app and workers: a Postgres (and a Redis) of this file's
// own (test/support/own-services.ts) that the tests stop and start.
// (What webhooks do while Postgres is away is issue 5's intake work and is tested with it.)
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, inboundSms, postSignedTwilioOnly, silentLogger, type TestContext } from './support/harness.js';
import { createOwnServicesContext, type OwnPostgres, type OwnRedis, type OwnServicesContext } from './support/own-services.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import { jobIds } from '../src/queues/queues.js';
import { SMS_ACKNOWLEDGEMENT } from '../src/intake/acknowledgement.js';

let own: OwnServicesContext;
let ctx: TestContext;
let postgres: OwnPostgres;
let redis: OwnRedis;
let workers: RunningWorkers;
let phoneSeq = 0;

beforeAll(async () => {
  own = await createOwnServicesContext({ SWEEP_INTERVAL_MS: '1000', SWEEP_MIN_AGE_MS: '1000' }, { redis: true, postgres: true });
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

/** A resident texts; the webhook stores it in the inbox, queues its intake job and answers at once. */
async function smsIn(): Promise<{ sid: string; inboundId: number }> {
  phoneSeq += 1;
  const phone = `+8210${String(6666_0000 + phoneSeq)}`;
  const params = inboundSms({ From: phone, Body: '명동 골목 가로등이 며칠째 꺼져 있어요' });
  const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params);
  expect(res.statusCode).toBe(200);
  expect(res.body).toContain(SMS_ACKNOWLEDGEMENT);
  const row = await ctx.db
    .selectFrom('inbound_messages')
    .select('id')
    .where('provider', '=', 'twilio')
    .where('provider_message_id', '=', params.MessageSid!)
    .executeTakeFirstOrThrow();
  return { sid: params.MessageSid!, inboundId: row.id };
}

/** A resident texts; returns the message's id once the intake worker has filed it into a case. */
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
  it('/readyz says Postgres is down (503, Redis up); once it is back the same pools serve again', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'up', redis: 'up' } });
    await postgres.stop('fast');
    expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', postgres: 'down', redis: 'up' } });

    await postgres.start();
    await eventually(async () => (await readyz()).status === 200, 15_000);
    expect((await readyz()).body).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
    // The app and the workers' pools reconnect by themselves: a new message is stored and routed.
    await expectRoutedOnce([await textIn()]);
  }, 60_000);

  it('/readyz names both when Redis is down too', async () => {
    await postgres.stop('immediate');
    await redis.stop('kill');
    expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', postgres: 'down', redis: 'down' } });
    await redis.start();
    await postgres.start();
    await eventually(async () => (await readyz()).status === 200, 15_000);
    await expectRoutedOnce([await textIn()]);
  }, 60_000);

  it('crashing under the workers: intake jobs that failed meanwhile, even for good, are tried again by the sweeper, and each message is filed and routed once', async () => {
    // The intake jobs wait until Postgres is gone, then the workers get them.
    await ctx.app.queues.routing.pause();
    const sent: { sid: string; inboundId: number }[] = [];
    for (let i = 0; i < 8; i++) sent.push(await smsIn());
    // This test Postgres commits asynchronously (own-services.ts, for speed), so a crash could
    // lose the last commits; a production one keeps every committed inbox row: be one here.
    await sql`checkpoint`.execute(ctx.db);
    await postgres.stop('immediate');
    await ctx.app.queues.routing.resume();

    // Every job has failed at least once against the missing database...
    const jobsOf = () => Promise.all(sent.map((s) => ctx.app.queues.routing.getJob(jobIds.intake(s.inboundId))));
    await eventually(async () => (await jobsOf()).every((job) => job !== undefined && job.attemptsMade >= 1), 20_000);
    // ...and then for good, all its attempts spent: only the sweeper's retry files them now.
    await eventually(async () => {
      const states = await Promise.all(sent.map((s) => ctx.app.queues.routing.getJobState(jobIds.intake(s.inboundId))));
      return states.every((state) => state === 'failed');
    }, 30_000);

    await postgres.start();
    await expectRoutedOnce(await filedSms(sent.map((s) => s.sid)));
    // Retried, not replaced: the same job ran to completion.
    for (const job of await jobsOf()) expect(await job!.getState()).toBe('completed');
  }, 70_000);
});
