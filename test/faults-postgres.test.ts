// Postgres goes away under the real app and workers: a Postgres (and a Redis) of this file's
// own (test/support/own-services.ts) that the tests stop and start.
// (What webhooks do while Postgres is away is issue 5's intake work and is tested with it.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, inboundSms, postSignedTwilio, silentLogger, type TestContext } from './support/harness.js';
import { createOwnServicesContext, type OwnPostgres, type OwnRedis, type OwnServicesContext } from './support/own-services.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import { jobIds } from '../src/queues/queues.js';

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

/** A resident texts; returns the stored message's id. */
async function textIn(): Promise<number> {
  phoneSeq += 1;
  const phone = `+8210${String(6666_0000 + phoneSeq)}`;
  const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '명동 골목 가로등이 며칠째 꺼져 있어요' }));
  expect(res.statusCode).toBe(200);
  const row = await ctx.db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .select('messages.id')
    .where('residents.phone', '=', phone)
    .executeTakeFirstOrThrow();
  return row.id;
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

  it('crashing under the workers: routing jobs that failed meanwhile are tried again, and each message is routed once', async () => {
    // The jobs wait until Postgres is gone, then the workers get them.
    await ctx.app.queues.routing.pause();
    const messageIds: number[] = [];
    for (let i = 0; i < 8; i++) messageIds.push(await textIn());
    await postgres.stop('immediate');
    await ctx.app.queues.routing.resume();

    // Every job has failed at least once against the missing database.
    await eventually(async () => {
      const jobs = await Promise.all(messageIds.map((id) => ctx.app.queues.routing.getJob(jobIds.route(id))));
      return jobs.every((job) => job !== undefined && job.attemptsMade >= 1);
    }, 20_000);

    await postgres.start();
    await expectRoutedOnce(messageIds);
  }, 60_000);
});
