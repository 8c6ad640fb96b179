// Answers to KakaoTalk friends leave through the real outbound worker and the real Event API
// provider; only Kakao's HTTP API is faked (nock, which also intercepts global fetch), at
// KAKAO_API_BASE_URL.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import pg from 'pg';
import { sql } from 'kysely';
import type { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { casesOfKakaoResident } from './support/cases.js';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { askSkill, longAnswer, skillRequest, squash } from './support/kakao.js';
import { enqueueSend, jobIds, type OutboundJob } from '../src/queues/queues.js';
import { insertMessage } from '../src/cases/message-repository.js';
import { createOutboundChannels } from '../src/outbound/channels.js';
import { PULL_NOTICE, confirmKakaoPush, deliverKakaoAnswer, type PushConfirmation } from '../src/outbound/kakao-push.js';
import type { ChatPushProvider } from '../src/outbound/channel.js';
import { KAKAO_PUSH_TEXT_LIMIT } from '../src/outbound/providers/kakao/kakao-event-provider.js';
import { CHECK_ANSWERS } from '../webhooks/kakao/skill-response.js';
import { kakaoAcknowledgement } from '../webhooks/kakao/replies.js';
import { withCaseNumber } from '../src/intake/acknowledgement.js';

const KAKAO = 'http://kakao.fake.local';
const BOT_ID = '5f0e1d2c3b4a596877665544';
const REST_KEY = 'test-rest-key';
const TALK_PATH = `/v2/bots/${BOT_ID}/talk`;
const ATTEMPTS = 3;

/** test/fixtures/kakao-*.json: copies of shared/fixtures/kakao/. */
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`fixtures/kakao-${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

let ctx: TestContext;
let managerToken: string;
let provider: ChatPushProvider;

beforeAll(async () => {
  ctx = await createTestContext({
    KAKAO_SKILL_SECRET: 'test-secret',
    KAKAO_BOT_ID: BOT_ID,
    KAKAO_REST_API_KEY: REST_KEY,
    KAKAO_EVENT_NAME: 'answer_ready',
    KAKAO_API_BASE_URL: KAKAO,
    OUTBOUND_BACKOFF_MS: '50',
    OUTBOUND_ATTEMPTS: String(ATTEMPTS),
    // Every message of a batch has its own job, which finds it already pushed; the default
    // 10 jobs a second would make the 120-resident batch below take 12 s.
    OUTBOUND_RATE_PER_SECOND: '1000',
  });
  await ctx.startWorkers();
  managerToken = await ctx.staffToken('manager');
  provider = (await createOutboundChannels(ctx.config)).kakao!;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(async () => {
  await ctx?.close();
  nock.enableNetConnect();
});

// ---------------------------------------------------------------------------------------
// The fake Event API

interface PushBody {
  event: { name: string; data: { text: string } };
  user: { type: string; id: string; properties: { caseNumber: string } }[];
}
type PushAnswer = { status: number; body: object } | 'network-error' | 'accepted';
type StatusBody = (task: { taskId: string; userKeys: string[] }) => object;

interface FakeKakao {
  /** Every push that reached the fake, in order, accepted or not. */
  pushes: { body: PushBody; authorization: string | undefined; contentType: string | undefined }[];
  /** Pushes the fake accepted: task id and the residents named. */
  tasks: { taskId: string; text: string; userKeys: string[] }[];
  /** Task status requests, by task id. */
  statusCalls: { taskId: string; authorization: string | undefined }[];
}

/** The task status of the fixture (ALL SUCCESS), for this task. */
const allSuccess: StatusBody = ({ taskId, userKeys }) => ({
  ...fixture('event-task-status.json'),
  _endpoint: undefined,
  taskId,
  allRequestCount: userKeys.length,
  successCount: userKeys.length,
});

/** "N FAIL", naming the failed residents in the list (or not). */
const someFailed =
  (failed: string[], options: { named: boolean } = { named: true }): StatusBody =>
  ({ taskId, userKeys }) => ({
    taskId,
    status: `${failed.length} FAIL`,
    allRequestCount: userKeys.length,
    successCount: userKeys.length - failed.length,
    userKeyResolvingFailCount: 0,
    fail: {
      count: failed.length,
      list: options.named ? failed.map((id) => ({ id, type: 'botUserKey', errorType: 'BLOCKED_USER' })) : [],
    },
  });

function jsonReply(status: number, body: object): [number, string, Record<string, string>] {
  const text = JSON.stringify(body);
  // nock 14 needs an explicit length to end a keep-alive response (nock/nock#3001).
  return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
}

/**
 * Answers the n-th push with answers[n] (the last one repeats), and every task status with
 * `status` for the pushes it accepted.
 */
function fakeKakao(answers: PushAnswer[] = ['accepted'], status: StatusBody = allSuccess): FakeKakao {
  const fake: FakeKakao = { pushes: [], tasks: [], statusCalls: [] };
  nock(KAKAO)
    .persist()
    .post(TALK_PATH)
    // async: a throw becomes a failed request (a network error), not an uncaught exception.
    .reply(async function (_uri, requestBody) {
      const body = (typeof requestBody === 'string' ? JSON.parse(requestBody) : requestBody) as PushBody;
      fake.pushes.push({ body, authorization: this.req.headers.authorization, contentType: this.req.headers['content-type'] });
      const answer = answers[Math.min(fake.pushes.length - 1, answers.length - 1)]!;
      if (answer === 'network-error') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      if (answer !== 'accepted') return jsonReply(answer.status, answer.body);
      const taskId = randomUUID();
      fake.tasks.push({ taskId, text: body.event.data.text, userKeys: body.user.map((u) => u.id) });
      return jsonReply(200, { ...fixture('event-api-response.json'), taskId });
    });
  nock(KAKAO)
    .persist()
    .get(/^\/v1\/tasks\/[^/]+$/)
    .reply(function (uri) {
      const taskId = decodeURIComponent(uri.split('/').at(-1)!);
      fake.statusCalls.push({ taskId, authorization: this.req.headers.authorization });
      const task = fake.tasks.find((t) => t.taskId === taskId);
      if (!task) return jsonReply(404, { code: -404, message: 'task not found' });
      return jsonReply(200, status(task));
    });
  return fake;
}

// ---------------------------------------------------------------------------------------
// Residents, cases and staff actions

interface Friend {
  userKey: string;
  caseId: number;
  caseNumber: string;
}

/** A resident writes on the channel (a friend of it unless told otherwise); returns their case. */
async function resident(isFriend = true): Promise<Friend> {
  const userKey = randomBytes(32).toString('hex');
  const { texts } = await askSkill(ctx.app, skillRequest({ userKey, isFriend, utterance: '퇴계로 버스정류장 의자가 부서졌어요' }));
  const row = (await casesOfKakaoResident(ctx.db, userKey))[0]!;
  // The Event API is configured here: a friend of the channel is promised the push; the case's number is named.
  expect(texts[0]).toBe(withCaseNumber(kakaoAcknowledgement(isFriend, isFriend).numbered.newCase, row.case_number));
  return { userKey, caseId: row.id, caseNumber: row.case_number };
}

function api(url: string, payload: object) {
  return ctx.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${managerToken}` }, payload });
}

async function closeCase(caseId: number, text: string): Promise<number> {
  const res = await api(`/api/cases/${caseId}/close`, { disposition: 'resolved', text });
  expect(res.statusCode).toBe(200);
  return res.json<{ messageId: number }>().messageId;
}

/** An answer stored and ready to send, not yet handed to any queue. */
async function pendingAnswer(caseId: number, text: string): Promise<number> {
  const message = await insertMessage(ctx.db, {
    case_id: caseId,
    direction: 'out',
    kind: 'answer',
    channel: 'kakao',
    text,
    provider: 'pending',
    delivery_status: 'pending',
  });
  return message.id;
}

async function messageRow(messageId: number) {
  return ctx.db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
}

/** A job of the Kakao queue once it has finished in `state`; fails if it ends otherwise. */
async function finishedJob(jobId: string, state: 'completed' | 'failed', timeoutMs?: number): Promise<Job<OutboundJob>> {
  return eventually(async () => {
    const current = await ctx.app.queues.outbound.kakao.getJobState(jobId);
    if (current !== 'completed' && current !== 'failed') return undefined;
    const job = await ctx.app.queues.outbound.kakao.getJob(jobId);
    if (current !== state) throw new Error(`job ${jobId} is ${current} (${job?.failedReason ?? String(job?.returnvalue)})`);
    return job;
  }, timeoutMs);
}

const sendJob = (messageId: number, state: 'completed' | 'failed' = 'completed') => finishedJob(jobIds.send(messageId), state);

/** Runs the delayed confirm job now, through the worker; returns what it found. */
async function confirmNow(taskId: string): Promise<PushConfirmation> {
  const job = await ctx.app.queues.outbound.kakao.getJob(jobIds.confirmPush(taskId));
  expect(job?.data).toEqual({ taskId });
  if (await job!.isDelayed()) await job!.promote();
  return (await finishedJob(jobIds.confirmPush(taskId), 'completed')).returnvalue as PushConfirmation;
}

const checkAnswers = (userKey: string) => askSkill(ctx.app, skillRequest({ userKey, utterance: CHECK_ANSWERS }));

// ---------------------------------------------------------------------------------------

describe('answers to friends of the channel are pushed', () => {
  it('pushes a closing answer once with the Event API, then confirms its delivery', async () => {
    const fake = fakeKakao();
    const friend = await resident();
    const answer = '[중구청] 퇴계로 정류장 의자를 오늘 교체했습니다. 감사합니다.';

    const messageId = await closeCase(friend.caseId, answer);
    const job = await sendJob(messageId);

    expect(job.returnvalue).toBe('sent');
    expect(job.data).toEqual({ messageId }); // ids only in Redis
    expect(fake.pushes).toHaveLength(1);
    const [push] = fake.pushes;
    expect(push!.authorization).toBe(`KakaoAK ${REST_KEY}`);
    expect(push!.contentType).toMatch(/^application\/json/);
    expect(push!.body).toEqual({
      event: { name: 'answer_ready', data: { text: answer } },
      user: [{ type: 'botUserKey', id: friend.userKey, properties: { caseNumber: friend.caseNumber } }],
    });
    const [task] = fake.tasks;
    expect(await messageRow(messageId)).toMatchObject({
      provider: 'kakao',
      provider_message_id: `${task!.taskId}:${friend.userKey}`,
      delivery_status: 'sent',
      error_code: null,
    });
    expect((await messageRow(messageId)).sent_at).not.toBeNull();

    // The confirm job runs on its own a few seconds later.
    await eventually(async () => (await messageRow(messageId)).delivery_status === 'delivered', 15_000);
    expect(fake.statusCalls.filter((c) => c.taskId === task!.taskId)).toEqual([{ taskId: task!.taskId, authorization: `KakaoAK ${REST_KEY}` }]);
    const confirm = await finishedJob(jobIds.confirmPush(task!.taskId), 'completed');
    expect(confirm.returnvalue).toEqual({ delivered: 1, heldForPull: 0, unconfirmed: 0 });
    // Delivered: "답변 확인" does not pull it as a new answer; the case shows closed, its answer there to reread.
    const shown = (await checkAnswers(friend.userKey)).texts.join('\n');
    expect(shown).not.toContain(`[접수번호 ${friend.caseNumber} 답변]`);
    expect(shown).toContain(`[접수번호 ${friend.caseNumber} 처리 완료 · 답변 다시 보기]\n${answer}`);
    expect((await messageRow(messageId)).delivery_status).toBe('delivered');
  });

  it('promised the push in the acknowledgement', async () => {
    const userKey = randomBytes(32).toString('hex');
    const { texts } = await askSkill(ctx.app, skillRequest({ userKey }));
    expect(texts[0]).toContain('이 채팅방으로 답변드리겠습니다');
  });

  it('pushes an interim reply, then the closing answer, as two tasks', async () => {
    const fake = fakeKakao();
    const friend = await resident();

    const reply = await api(`/api/cases/${friend.caseId}/replies`, { text: '현장을 확인하고 있습니다.' });
    expect(reply.statusCode).toBe(202);
    const interimId = reply.json<{ messageId: number }>().messageId;
    await sendJob(interimId);
    const answerId = await closeCase(friend.caseId, '의자를 교체했습니다.');
    await sendJob(answerId);

    expect(fake.tasks.map((t) => [t.text, t.userKeys])).toEqual([
      ['현장을 확인하고 있습니다.', [friend.userKey]],
      ['의자를 교체했습니다.', [friend.userKey]],
    ]);
    expect((await messageRow(interimId)).provider_message_id).toBe(`${fake.tasks[0]!.taskId}:${friend.userKey}`);
    expect((await messageRow(answerId)).provider_message_id).toBe(`${fake.tasks[1]!.taskId}:${friend.userKey}`);
    expect(await confirmNow(fake.tasks[0]!.taskId)).toEqual({ delivered: 1, heldForPull: 0, unconfirmed: 0 });
    expect(await confirmNow(fake.tasks[1]!.taskId)).toEqual({ delivered: 1, heldForPull: 0, unconfirmed: 0 });
    expect((await messageRow(interimId)).delivery_status).toBe('delivered');
    expect((await messageRow(answerId)).delivery_status).toBe('delivered');
  });

  it('does not push to a resident who has not added the channel: the answer waits for pull', async () => {
    const fake = fakeKakao();
    const stranger = await resident(false);

    const messageId = await closeCase(stranger.caseId, '의자를 교체했습니다.');
    const job = await sendJob(messageId);

    expect(job.returnvalue).toBe('awaiting-pull');
    expect(fake.pushes).toHaveLength(0);
    expect(await messageRow(messageId)).toMatchObject({ delivery_status: 'awaiting_pull', provider_message_id: null, error_code: null });

    const { texts } = await checkAnswers(stranger.userKey);
    expect(texts.join('\n')).toContain('의자를 교체했습니다.');
    expect((await messageRow(messageId)).delivery_status).toBe('delivered');
  });

  it('pushes PULL_NOTICE for an answer too long for one bubble; the answer itself is pulled', async () => {
    const fake = fakeKakao();
    const friend = await resident();
    const answer = longAnswer(1500, 3);

    const messageId = await closeCase(friend.caseId, answer);
    expect((await sendJob(messageId)).returnvalue).toBe('sent');

    expect(fake.tasks).toHaveLength(1);
    expect(fake.pushes[0]!.body.event.data.text).toBe(PULL_NOTICE);
    expect(fake.pushes[0]!.body.user.map((u) => u.id)).toEqual([friend.userKey]);
    const taskId = fake.tasks[0]!.taskId;
    expect(await messageRow(messageId)).toMatchObject({ delivery_status: 'awaiting_pull', provider_message_id: `${taskId}:${friend.userKey}` });
    // The notice arrived; the answer still waits for "답변 확인".
    expect(await confirmNow(taskId)).toEqual({ delivered: 0, heldForPull: 0, unconfirmed: 0 });
    expect((await messageRow(messageId)).delivery_status).toBe('awaiting_pull');

    const { texts } = await checkAnswers(friend.userKey);
    expect(squash(texts.join(''))).toContain(squash(answer));
    expect((await messageRow(messageId)).delivery_status).toBe('delivered');
  });

  it('pushes an answer of exactly KAKAO_PUSH_TEXT_LIMIT characters whole, and one character more as PULL_NOTICE', async () => {
    const fake = fakeKakao();
    const [a, b] = [await resident(), await resident()];
    const fits = '가'.repeat(KAKAO_PUSH_TEXT_LIMIT);
    const aId = await pendingAnswer(a.caseId, fits);
    const bId = await pendingAnswer(b.caseId, `${fits}나`);

    expect((await deliverKakaoAnswer(ctx.db, provider, aId)).outcome).toBe('pushed');
    expect((await deliverKakaoAnswer(ctx.db, provider, bId)).outcome).toBe('pushed');

    expect(fake.pushes.map((p) => p.body.event.data.text)).toEqual([fits, PULL_NOTICE]);
    expect((await messageRow(aId)).delivery_status).toBe('sent');
    expect((await messageRow(bId)).delivery_status).toBe('awaiting_pull');
  });
});

describe('batching answers of the same text', () => {
  it('pushes identical answers ready at once in one call, one per resident, each recorded', async () => {
    const fake = fakeKakao();
    const friends = [await resident(), await resident(), await resident(), await resident()];
    const stranger = await resident(false);
    const other = await resident();
    const text = '[중구청] 폭설로 인한 제설 작업이 완료되었습니다.';
    const ids = await Promise.all(friends.map((f) => pendingAnswer(f.caseId, text)));
    const strangerId = await pendingAnswer(stranger.caseId, text);
    const otherId = await pendingAnswer(other.caseId, '다른 내용의 답변입니다.');

    for (const id of [...ids, strangerId, otherId]) await enqueueSend(ctx.app.queues, 'kakao', id);
    const jobs = await Promise.all([...ids, strangerId, otherId].map((id) => sendJob(id)));

    // One push for the identical answers, one for the other; none for the stranger.
    expect(fake.pushes).toHaveLength(2);
    const batch = fake.tasks.find((t) => t.text === text)!;
    expect(batch.userKeys).toHaveLength(friends.length);
    expect(new Set(batch.userKeys)).toEqual(new Set(friends.map((f) => f.userKey)));
    const batchBody = fake.pushes.find((p) => p.body.event.data.text === text)!.body;
    expect(batchBody.user).toEqual(
      expect.arrayContaining(friends.map((f) => ({ type: 'botUserKey', id: f.userKey, properties: { caseNumber: f.caseNumber } }))),
    );
    expect(fake.tasks.find((t) => t.text !== text)!.userKeys).toEqual([other.userKey]);

    for (const [i, friend] of friends.entries()) {
      expect(await messageRow(ids[i]!)).toMatchObject({
        provider: 'kakao',
        provider_message_id: `${batch.taskId}:${friend.userKey}`,
        delivery_status: 'sent',
      });
    }
    expect((await messageRow(strangerId)).delivery_status).toBe('awaiting_pull');
    // The job that pushed says so; the others found their answer already pushed.
    expect(jobs.slice(0, friends.length).map((j) => j.returnvalue).sort()).toEqual(['already-sent', 'already-sent', 'already-sent', 'sent']);

    expect(await confirmNow(batch.taskId)).toEqual({ delivered: friends.length, heldForPull: 0, unconfirmed: 0 });
    for (const id of ids) expect((await messageRow(id)).delivery_status).toBe('delivered');
  });

  describe('more than 100 residents', () => {
    let crowd: Friend[];

    beforeAll(async () => {
      crowd = [];
      for (let i = 0; i < 120; i++) crowd.push(await resident());
    }, 60_000);

    it('splits the push into calls of at most 100, naming each resident once', async () => {
      const fake = fakeKakao();
      const text = '[중구청] 이번 주 토요일 대청소 행사에 참여해 주셔서 감사합니다.';
      const ids = [];
      for (const f of crowd) ids.push(await pendingAnswer(f.caseId, text));

      const first = await deliverKakaoAnswer(ctx.db, provider, ids[0]!);
      expect(first.outcome).toBe('pushed');
      expect(fake.tasks).toHaveLength(1);
      expect(fake.tasks[0]!.userKeys).toHaveLength(100);
      expect(fake.tasks[0]!.userKeys[0]).toBe(crowd[0]!.userKey); // the message asked for goes first
      const left = [];
      for (const id of ids) if ((await messageRow(id)).delivery_status === 'pending') left.push(id);
      expect(left).toHaveLength(20);

      const second = await deliverKakaoAnswer(ctx.db, provider, left[0]!);
      expect(second.outcome).toBe('pushed');
      expect(fake.tasks).toHaveLength(2);
      expect(fake.tasks[1]!.userKeys).toHaveLength(20);

      const named = fake.tasks.flatMap((t) => t.userKeys);
      expect(new Set(named).size).toBe(named.length);
      expect(new Set(named)).toEqual(new Set(crowd.map((f) => f.userKey)));
      for (const [i, id] of ids.entries()) {
        const row = await messageRow(id);
        const task = fake.tasks.find((t) => t.userKeys.includes(crowd[i]!.userKey))!;
        expect(row).toMatchObject({ delivery_status: 'sent', provider_message_id: `${task.taskId}:${crowd[i]!.userKey}` });
      }
      // Nothing is left to push.
      expect((await deliverKakaoAnswer(ctx.db, provider, ids[119]!)).outcome).toBe('already-sent');
      expect(fake.pushes).toHaveLength(2);
    });

    it('pushes each answer once when all their jobs run together in the worker', async () => {
      const fake = fakeKakao();
      const text = '[중구청] 다음 주 월요일부터 도로 포장 공사가 시작됩니다.';
      const ids: number[] = [];
      for (const f of crowd) ids.push(await pendingAnswer(f.caseId, text));

      for (const id of ids) await enqueueSend(ctx.app.queues, 'kakao', id);
      const jobs = await Promise.all(ids.map((id) => sendJob(id)));

      expect(fake.tasks.length).toBeGreaterThanOrEqual(2);
      for (const task of fake.tasks) expect(task.userKeys.length).toBeLessThanOrEqual(100);
      const named = fake.tasks.flatMap((t) => t.userKeys);
      expect(named).toHaveLength(crowd.length);
      expect(new Set(named)).toEqual(new Set(crowd.map((f) => f.userKey)));
      const rows = await Promise.all(ids.map((id) => messageRow(id)));
      expect(rows.map((r) => r.delivery_status)).toEqual(ids.map(() => 'sent'));
      expect(new Set(rows.map((r) => r.provider_message_id)).size).toBe(crowd.length);
      expect(jobs.filter((j) => j.returnvalue === 'sent').length).toBeLessThanOrEqual(fake.tasks.length);
    });
  });

  it('pushes answers another job had claimed along with its own, when its own was taken meanwhile', async () => {
    const fake = fakeKakao();
    const [a, b] = [await resident(), await resident()];
    const text = '[중구청] 요청하신 가로수 가지치기를 마쳤습니다.';
    const aId = await pendingAnswer(a.caseId, text);
    const bId = await pendingAnswer(b.caseId, text);

    // Another batch claims A's answer and has not committed yet when this job claims.
    const other = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(`update messages set delivery_status = 'sending', status_updated_at = now() where id = $1`, [aId]);
      const delivering = deliverKakaoAnswer(ctx.db, provider, aId);
      // This job's claim now waits on A's row.
      await eventually(async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%with candidates%'
        `.execute(ctx.db);
        return rows[0]!.n > 0;
      });
      await other.query('commit');

      const result = await delivering;

      // A belongs to the other batch; B, claimed here, is pushed here rather than left "sending".
      expect(result.outcome).toBe('already-sent');
      expect(fake.tasks.map((t) => t.userKeys)).toEqual([[b.userKey]]);
      expect(result.taskId).toBe(fake.tasks[0]!.taskId);
      expect(await messageRow(bId)).toMatchObject({ delivery_status: 'sent', provider_message_id: `${fake.tasks[0]!.taskId}:${b.userKey}` });
    } finally {
      await other.query('rollback').catch(() => undefined);
      await other.end();
      await ctx.db.updateTable('messages').set({ delivery_status: 'awaiting_pull' }).where('id', '=', aId).execute();
    }
  });
});

describe('what the task status says', () => {
  /** Three friends get one batched push; returns them with their answers' ids and the task. */
  async function batchOfThree(fake: FakeKakao) {
    const friends = [await resident(), await resident(), await resident()];
    const text = `[중구청] 불법 주정차 단속을 강화하겠습니다. (${randomBytes(3).toString('hex')})`;
    const ids = await Promise.all(friends.map((f) => pendingAnswer(f.caseId, text)));
    for (const id of ids) await enqueueSend(ctx.app.queues, 'kakao', id);
    await Promise.all(ids.map((id) => sendJob(id)));
    expect(fake.tasks).toHaveLength(1);
    return { friends, ids, text, taskId: fake.tasks[0]!.taskId };
  }

  it('delivers the residents reached and falls back to pull for the one the push failed', async () => {
    const failedKey: string[] = [];
    const fake = fakeKakao(['accepted'], (task) => someFailed(failedKey)(task));
    const { friends, ids, text, taskId } = await batchOfThree(fake);
    failedKey.push(friends[1]!.userKey);

    expect(await confirmNow(taskId)).toEqual({ delivered: 2, heldForPull: 1, unconfirmed: 0 });

    expect(await messageRow(ids[0]!)).toMatchObject({ delivery_status: 'delivered', error_code: null });
    expect(await messageRow(ids[1]!)).toMatchObject({ delivery_status: 'awaiting_pull', error_code: 'kakao_push_failed' });
    expect(await messageRow(ids[2]!)).toMatchObject({ delivery_status: 'delivered', error_code: null });
    // The resident it did not reach finds it with "답변 확인".
    const { texts } = await checkAnswers(friends[1]!.userKey);
    expect(texts.join('\n')).toContain(text);
    expect((await messageRow(ids[1]!)).delivery_status).toBe('delivered');
  });

  it.each([
    // A key Kakao could not resolve is counted, never listed.
    ['a key that could not be resolved', () => fixture('event-task-status-unresolved.json')],
    ['a count with an empty list', (keys: string[]) => ({ status: `${keys.length - 2} FAIL`, allRequestCount: 3, successCount: 2, fail: { count: 1, list: [] } })],
    ['a list naming nobody it knows', () => ({ status: '1 FAIL', allRequestCount: 3, successCount: 2, fail: { count: 1, list: [{ type: 'botUserKey' }] } })],
    ['"N FAIL" with no failure list at all', () => ({ status: '1 FAIL', allRequestCount: 3, successCount: 2 })],
    ['a bare "FAIL"', () => ({ status: 'FAIL' })],
  ])('calls no one failed on failures it cannot attribute, and keeps every answer pullable: %s', async (_name, body) => {
    const fake = fakeKakao(['accepted'], ({ taskId, userKeys }) => ({ ...body(userKeys), _endpoint: undefined, taskId }));
    const { friends, ids, text, taskId } = await batchOfThree(fake);

    expect(await confirmNow(taskId)).toEqual({ delivered: 0, heldForPull: 0, unconfirmed: 3 });

    // Pushed, not known to be delivered, not failed.
    for (const id of ids) expect(await messageRow(id)).toMatchObject({ delivery_status: 'sent', error_code: null });
    // "답변 확인" still shows it to each of them.
    for (const [i, friend] of friends.entries()) {
      const { texts } = await checkAnswers(friend.userKey);
      expect(texts.join('\n')).toContain(text);
      expect((await messageRow(ids[i]!)).delivery_status).toBe('delivered');
    }
  });

  it('holds only the resident named as failed when Kakao also counts one it does not name', async () => {
    const failedKey: string[] = [];
    const fake = fakeKakao(['accepted'], ({ taskId, userKeys }) => ({
      taskId,
      status: '2 FAIL',
      allRequestCount: userKeys.length,
      successCount: userKeys.length - 2,
      userKeyResolvingFailCount: 1,
      fail: { count: 2, list: failedKey.map((id) => ({ id, type: 'botUserKey', errorType: 'BLOCKED_USER' })) },
    }));
    const { friends, ids, text, taskId } = await batchOfThree(fake);
    failedKey.push(friends[0]!.userKey);

    expect(await confirmNow(taskId)).toEqual({ delivered: 0, heldForPull: 1, unconfirmed: 2 });

    expect(await messageRow(ids[0]!)).toMatchObject({ delivery_status: 'awaiting_pull', error_code: 'kakao_push_failed' });
    for (const id of ids.slice(1)) expect(await messageRow(id)).toMatchObject({ delivery_status: 'sent', error_code: null });
    const { texts } = await checkAnswers(friends[2]!.userKey);
    expect(texts.join('\n')).toContain(text);
  });

  it('holds everyone for pull when the counts say none was reached, named or not', async () => {
    const fake = fakeKakao(['accepted'], ({ taskId, userKeys }) => ({
      taskId,
      status: `${userKeys.length} FAIL`,
      allRequestCount: userKeys.length,
      successCount: 0,
      userKeyResolvingFailCount: 0,
      fail: { count: userKeys.length, list: [] },
    }));
    const { ids, taskId } = await batchOfThree(fake);

    expect(await confirmNow(taskId)).toEqual({ delivered: 0, heldForPull: 3, unconfirmed: 0 });

    for (const id of ids) expect(await messageRow(id)).toMatchObject({ delivery_status: 'awaiting_pull', error_code: 'kakao_push_failed' });
  });

  it('waits while Kakao is still working on the task', async () => {
    const fake = fakeKakao(['accepted'], ({ taskId }) => ({ taskId, status: 'PROCESSING', allRequestCount: 3, successCount: 1, fail: { count: 0, list: [] } }));
    const { ids, taskId } = await batchOfThree(fake);
    // The worker's confirm job is not needed here: ask directly, before its delay is up.
    await (await ctx.app.queues.outbound.kakao.getJob(jobIds.confirmPush(taskId)))!.remove();

    await expect(confirmKakaoPush(ctx.db, provider, taskId)).rejects.toThrow(/still running/);

    for (const id of ids) expect((await messageRow(id)).delivery_status).toBe('sent');
    expect(fake.statusCalls.filter((c) => c.taskId === taskId)).toHaveLength(1);
  });
});

describe('Event API errors', () => {
  it('retries a server error with back-off and pushes once it passes', async () => {
    const fake = fakeKakao([{ status: 500, body: { code: -500, message: 'internal error' } }, 'network-error', 'accepted']);
    const friend = await resident();

    const messageId = await closeCase(friend.caseId, '처리했습니다.');
    const job = await sendJob(messageId);

    expect(job.returnvalue).toBe('sent');
    expect(job.attemptsMade).toBe(3);
    expect(fake.pushes).toHaveLength(3);
    expect(fake.tasks).toHaveLength(1);
    expect(await messageRow(messageId)).toMatchObject({
      delivery_status: 'sent',
      provider_message_id: `${fake.tasks[0]!.taskId}:${friend.userKey}`,
      error_code: null,
    });
  });

  it('keeps the answer for pull, not failed, once every attempt met a server error', async () => {
    const fake = fakeKakao([{ status: 503, body: { code: -503, message: 'unavailable' } }]);
    const friend = await resident();

    const messageId = await closeCase(friend.caseId, '처리했습니다.');
    const job = await sendJob(messageId, 'failed');

    expect(job.attemptsMade).toBe(ATTEMPTS);
    expect(fake.pushes).toHaveLength(ATTEMPTS);
    expect(await messageRow(messageId)).toMatchObject({ delivery_status: 'awaiting_pull', error_code: 'retries_exhausted', provider_message_id: null });
    const events = await ctx.db.selectFrom('case_events').select('type').where('case_id', '=', friend.caseId).execute();
    expect(events.map((e) => e.type)).not.toContain('delivery_failed');

    const { texts } = await checkAnswers(friend.userKey);
    expect(texts.join('\n')).toContain('처리했습니다.');
    expect((await messageRow(messageId)).delivery_status).toBe('delivered');
  });

  it.each([
    ['400', { status: 400, body: { code: -400, message: 'invalid request' } }, '400'],
    ['401', { status: 401, body: { code: -401, message: 'invalid rest api key' } }, '401'],
    ['200 that is not SUCCESS', { status: 200, body: { status: 'FAIL', message: 'event block not found' } }, 'FAIL'],
  ])('does not retry a refusal (%s): the answer waits for pull with the error code', async (_name, answer, code) => {
    const fake = fakeKakao([answer]);
    const friend = await resident();

    const messageId = await closeCase(friend.caseId, '처리했습니다.');
    const job = await sendJob(messageId);

    expect(job.returnvalue).toBe('awaiting-pull');
    expect(job.attemptsMade).toBe(1);
    expect(fake.pushes).toHaveLength(1);
    expect(await messageRow(messageId)).toMatchObject({ delivery_status: 'awaiting_pull', error_code: code, provider_message_id: null });
  });

  it('waits out a 429 without spending an attempt, then pushes once', async () => {
    const fake = fakeKakao([{ status: 429, body: { code: -429, message: 'too many requests' } }, 'accepted']);
    const friend = await resident();

    const messageId = await closeCase(friend.caseId, '처리했습니다.');
    const job = await sendJob(messageId);

    expect(job.returnvalue).toBe('sent');
    expect(job.attemptsMade).toBe(1);
    expect(fake.pushes).toHaveLength(2);
    expect(fake.tasks).toHaveLength(1);
  });
});
