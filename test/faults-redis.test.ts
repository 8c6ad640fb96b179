// Redis goes away, or comes back empty, under the real app and workers: a Redis of this
// file's own (test/support/own-services.ts) that the tests stop, kill and start again.
// Postgres is the shared one. Answers go to a local fake Twilio that counts every send.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { eventually, inboundSms, postSignedTwilioOnly, silentLogger, type TestContext } from './support/harness.js';
import { createOwnServicesContext, type OwnRedis, type OwnServicesContext } from './support/own-services.js';
import { startFakeTwilio, type FakeTwilioServer } from './support/fake-twilio-server.js';
import { postSkillOnly, skillRequest, SKILL_SECRET } from './support/kakao.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import { sweepStoredWork } from '../workers/sweeper.js';
import { messageQueues } from '../src/ops/queue-health.js';
import { jobIds } from '../src/queues/queues.js';
import { SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';

let own: OwnServicesContext;
let ctx: TestContext;
let redis: OwnRedis;
let fake: FakeTwilioServer;
let managerToken: string;
let workers: RunningWorkers | null = null;
let phoneSeq = 0;

beforeAll(async () => {
  fake = await startFakeTwilio(() => ({ kind: 'accept', delayMs: 20 }));
  own = await createOwnServicesContext(
    {
      ...fake.env,
      KAKAO_SKILL_SECRET: SKILL_SECRET,
      // The sweeper looks every second for work a second old, instead of every minute for 30 s.
      SWEEP_INTERVAL_MS: '1000',
      SWEEP_MIN_AGE_MS: '1000',
      OUTBOUND_RATE_PER_SECOND: '100',
    },
    // Append-only with fsync on every write: a crash keeps the jobs; restartEmpty() loses them.
    { redis: { appendonly: true }, postgres: false },
  );
  ctx = own.ctx;
  redis = own.redis!;
  managerToken = await ctx.staffToken('manager');
}, 60_000);

afterAll(async () => {
  // Workers close cleanly only with their Redis there.
  if (redis && !redis.running) await redis.start();
  await workers?.close();
  await own?.close();
  await fake?.close();
});

async function runWorkers(): Promise<void> {
  workers ??= await startWorkers(ctx.config, silentLogger);
}
async function stopWorkers(): Promise<void> {
  await workers?.close();
  workers = null;
}

// ---------------------------------------------------------------------------------------
// Residents and staff

function nextPhone(): string {
  phoneSeq += 1;
  return `+8210${String(3333_0000 + phoneSeq)}`;
}

interface Sent {
  /** The inbox row the webhook wrote: all it stores before answering. */
  inboundId: number;
}

interface Filed {
  /** The message the inbox row was filed as. */
  messageId: number;
  caseId: number;
}

/** The one inbox row of this resident's message, filed yet or not (filing blanks its sender). */
async function inboxOf(where: { phone: string } | { userKey: string }): Promise<Sent> {
  const who =
    'phone' in where
      ? sql`(i.sender ->> 'phone' = ${where.phone} or r.phone = ${where.phone})`
      : sql`(i.sender -> 'kakao' ->> 'userKey' = ${where.userKey} or r.kakao_user_key = ${where.userKey})`;
  const { rows } = await sql<{ id: number }>`
    select i.id from inbound_messages i
      left join messages m on m.id = i.message_id
      left join cases c on c.id = m.case_id
      left join residents r on r.id = c.resident_id
     where ${who}
  `.execute(ctx.db);
  expect(rows).toHaveLength(1);
  return { inboundId: Number(rows[0]!.id) };
}

/** A resident texts; the webhook must answer 200 with the acknowledgement, whatever Redis is doing. */
async function textIn(): Promise<Sent> {
  const phone = nextPhone();
  const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '명동 골목 가로등이 며칠째 꺼져 있어요' }));
  expect(res.statusCode).toBe(200);
  // Answered before the message is filed into a case, with the number the inbox statement reserved for it.
  const sent = await inboxOf({ phone });
  const { case_number } = await ctx.db.selectFrom('inbound_messages').select('case_number').where('id', '=', sent.inboundId).executeTakeFirstOrThrow();
  expect(res.body).toContain(`<Message>${withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, case_number!)}</Message>`);
  return sent;
}

/** A resident writes through the KakaoTalk channel's skill. */
async function kakaoIn(): Promise<Sent> {
  const userKey = randomBytes(16).toString('hex');
  const res = await postSkillOnly(ctx.app, skillRequest({ userKey, utterance: '신당동 주택가에 쓰레기가 무단으로 버려져 있어요' }));
  expect(res.statusCode).toBe(200);
  // Postgres is there: the chat answer names the case number reserved for the message.
  const sent = await inboxOf({ userKey });
  const { case_number } = await ctx.db.selectFrom('inbound_messages').select('case_number').where('id', '=', sent.inboundId).executeTakeFirstOrThrow();
  expect(res.body).toContain(`민원이 접수되었습니다(접수번호 ${case_number!})`);
  return sent;
}

/** How many of these inbox rows are filed into a case (by the routing worker). */
async function filedCount(sent: Sent[]): Promise<number> {
  const rows = await ctx.db
    .selectFrom('inbound_messages')
    .select('id')
    .where('id', 'in', sent.map((s) => s.inboundId))
    .where('message_id', 'is not', null)
    .execute();
  return rows.length;
}

const answerText = (caseId: number) => `[중구청] ${caseId}번 민원의 가로등을 교체했습니다. 감사합니다.`;

/** Staff close the case with an answer; the API answers 200 with Redis up or down. */
async function closeCase(caseId: number): Promise<number> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: `/api/cases/${caseId}/close`,
    headers: { authorization: `Bearer ${managerToken}` },
    payload: { disposition: 'resolved', text: answerText(caseId) },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ messageId: number }>().messageId;
}

async function readyz() {
  const res = await ctx.app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json<Record<string, string>>() };
}

/** Until /readyz sees Redis again (with Postgres up it answers 200 all along). */
async function redisUp(timeoutMs = 10_000) {
  await eventually(async () => (await readyz()).body.redis === 'up', timeoutMs);
}

// ---------------------------------------------------------------------------------------
// What must hold once everything settled

async function routedCase(caseId: number) {
  return ctx.db.selectFrom('cases').select(['department_code', 'routed_at']).where('id', '=', caseId).executeTakeFirstOrThrow();
}

/**
 * Every inbox row filed into exactly one message of its case, routed, the case given a
 * department by exactly one routing event. Returns what each was filed as.
 */
async function expectRoutedOnce(sent: Sent[]): Promise<Filed[]> {
  const inboundIds = sent.map((s) => s.inboundId);
  const filed = await eventually(async () => {
    const rows = await ctx.db
      .selectFrom('inbound_messages')
      .innerJoin('messages', 'messages.id', 'inbound_messages.message_id')
      .select(['inbound_messages.id as inboundId', 'messages.id as messageId', 'messages.case_id as caseId', 'messages.routed_at'])
      .where('inbound_messages.id', 'in', inboundIds)
      .execute();
    return rows.length === sent.length && rows.every((r) => r.routed_at !== null) ? rows : undefined;
  }, 30_000);
  // Filed once: one resident message per inbox row (a second filing would be a second message).
  const copies = await ctx.db
    .selectFrom('inbound_messages')
    .innerJoin('messages', (join) =>
      join
        .onRef('messages.provider', '=', 'inbound_messages.provider')
        .onRef('messages.provider_message_id', '=', 'inbound_messages.provider_message_id')
        .on('messages.direction', '=', 'in'),
    )
    .select(['inbound_messages.id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('inbound_messages.id', 'in', inboundIds)
    .groupBy('inbound_messages.id')
    .execute();
  expect(Object.fromEntries(copies.map((c) => [c.id, Number(c.n)]))).toEqual(Object.fromEntries(inboundIds.map((id) => [id, 1])));
  const caseIds = filed.map((f) => f.caseId);
  for (const caseId of caseIds) {
    expect((await routedCase(caseId)).department_code).not.toBeNull();
  }
  const events = await ctx.db
    .selectFrom('case_events')
    .select(['case_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('type', '=', 'routed')
    .where('case_id', 'in', caseIds)
    .groupBy('case_id')
    .execute();
  expect(Object.fromEntries(events.map((e) => [e.case_id, Number(e.n)]))).toEqual(Object.fromEntries(caseIds.map((id) => [id, 1])));
  const byInbound = new Map(filed.map((f) => [f.inboundId, { messageId: f.messageId, caseId: f.caseId }]));
  return sent.map((s) => byInbound.get(s.inboundId)!);
}

/** Every answer reached the fake Twilio and was recorded with the sid the fake gave it. */
async function expectAnswersSent(answers: { caseId: number; messageId: number }[]): Promise<void> {
  await eventually(async () => {
    const rows = await ctx.db
      .selectFrom('messages')
      .select('id')
      .where('id', 'in', answers.map((a) => a.messageId))
      .where('provider_message_id', 'is not', null)
      .execute();
    return rows.length === answers.length;
  }, 30_000);
  for (const { caseId, messageId } of answers) {
    const row = await ctx.db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    const reached = fake.requests.filter((r) => r.body === answerText(caseId));
    expect(reached.map((r) => r.sid)).toEqual([row.provider_message_id]);
    expect(row.delivery_status).toBe('queued');
  }
}

/** The sweeper, run twice more, and every queue drained: nothing left that could still send or route twice. */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await sweepStoredWork(ctx.db, ctx.app.queues, 0);
    await eventually(async () => {
      const counts = await Promise.all(
        messageQueues(ctx.app.queues).map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')),
      );
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    }, 20_000);
  }
}

/** The filing job of each inbox row, waiting for a worker. */
async function expectFilingJobsWaiting(sent: Sent[]): Promise<void> {
  const states = await Promise.all(sent.map((s) => ctx.app.queues.routing.getJobState(jobIds.file(s.inboundId))));
  expect(states).toEqual(sent.map(() => 'waiting'));
}

async function waitingJobs(): Promise<{ routing: number; sms: number }> {
  const [routing, sms] = await Promise.all([
    ctx.app.queues.routing.getWaitingCount(),
    ctx.app.queues.outbound.sms.getWaitingCount(),
  ]);
  return { routing, sms };
}

// ---------------------------------------------------------------------------------------

describe('Redis down', () => {
  it('webhooks and staff still answer 200 with everything in Postgres (the inbox); once Redis is back, empty, all is filed, routed and sent exactly once', async () => {
    await runWorkers();
    // Cases staff will answer while Redis is away, filed and routed by the workers.
    const toAnswerSent = [await textIn(), await textIn(), await textIn()];
    const toAnswer = await expectRoutedOnce(toAnswerSent);

    await redis.stop('kill');
    // Postgres keeps every message (the inbox): still ready, Redis named as down.
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', postgres: 'up', redis: 'down' } });

    const received: Sent[] = [];
    for (let i = 0; i < 8; i++) received.push(await textIn());
    for (let i = 0; i < 4; i++) received.push(await kakaoIn());
    const answers: { caseId: number; messageId: number }[] = [];
    for (const { caseId } of toAnswer) answers.push({ caseId, messageId: await closeCase(caseId) });

    // In the inbox, not yet filed into a case, routed or sent: no filing job could reach a
    // queue, and the workers' sweeper cannot queue one either while Redis is away.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await filedCount(received)).toBe(0);
    const pending = await ctx.db
      .selectFrom('messages')
      .select(['delivery_status', 'provider_message_id'])
      .where('id', 'in', answers.map((a) => a.messageId))
      .execute();
    expect(pending).toEqual(answers.map(() => ({ delivery_status: 'pending', provider_message_id: null })));
    expect(fake.requests.filter((r) => answers.some((a) => r.body === answerText(a.caseId)))).toHaveLength(0);

    // Back, with nothing in it: the workers' own sweeper finds the inbox rows and the answers.
    await redis.start({ empty: true });
    await redisUp();
    expect((await readyz()).body).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });

    await expectRoutedOnce(received);
    await expectAnswersSent(answers);
    await settle();
    await expectRoutedOnce([...toAnswerSent, ...received]);
    await expectAnswersSent(answers);
  }, 60_000);
});

describe('Redis restarted while jobs wait', () => {
  it('restarted empty: the lost jobs are enqueued again by the sweeper and each runs once', async () => {
    await runWorkers();
    const toAnswerSent = [await textIn(), await textIn(), await textIn()];
    const toAnswer = await expectRoutedOnce(toAnswerSent);
    // No worker takes the jobs: they wait in Redis when it goes.
    await stopWorkers();

    const received: Sent[] = [];
    for (let i = 0; i < 6; i++) received.push(await textIn());
    for (let i = 0; i < 3; i++) received.push(await kakaoIn());
    const answers: { caseId: number; messageId: number }[] = [];
    for (const { caseId } of toAnswer) answers.push({ caseId, messageId: await closeCase(caseId) });
    await expectFilingJobsWaiting(received);
    expect(await waitingJobs()).toEqual({ routing: received.length, sms: answers.length });

    await redis.restartEmpty();
    await redisUp();
    expect(await waitingJobs()).toEqual({ routing: 0, sms: 0 });
    expect(await filedCount(received)).toBe(0);

    await runWorkers();
    await expectRoutedOnce(received);
    await expectAnswersSent(answers);
    await settle();
    await expectRoutedOnce([...toAnswerSent, ...received]);
    await expectAnswersSent(answers);
  }, 60_000);

  it('killed and back with its append-only file: the kept jobs and the sweeper\'s own adds make one run each', async () => {
    await runWorkers();
    const toAnswerSent = [await textIn(), await textIn(), await textIn()];
    const toAnswer = await expectRoutedOnce(toAnswerSent);
    await stopWorkers();

    const received: Sent[] = [];
    for (let i = 0; i < 6; i++) received.push(await textIn());
    for (let i = 0; i < 3; i++) received.push(await kakaoIn());
    const answers: { caseId: number; messageId: number }[] = [];
    for (const { caseId } of toAnswer) answers.push({ caseId, messageId: await closeCase(caseId) });

    await redis.stop('kill');
    await redis.start();
    await redisUp();
    await expectFilingJobsWaiting(received);
    expect(await waitingJobs()).toEqual({ routing: received.length, sms: answers.length });

    // The sweeper adds the same work again before any worker runs: the job ids make it one job each.
    expect((await sweepStoredWork(ctx.db, ctx.app.queues, 0)).file).toBe(received.length);
    await expectFilingJobsWaiting(received);
    expect(await waitingJobs()).toEqual({ routing: received.length, sms: answers.length });

    await runWorkers();
    await expectRoutedOnce(received);
    await expectAnswersSent(answers);
    await settle();
    await expectRoutedOnce([...toAnswerSent, ...received]);
    await expectAnswersSent(answers);
  }, 60_000);
});
