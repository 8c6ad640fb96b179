// The real processes (src/main.ts, src/server.ts, src/worker.ts) killed with SIGKILL in the
// middle of a burst of webhooks or of sending answers, then started again: nothing a
// resident was told we received is lost, nothing is routed twice, and an answer goes out
// twice only inside the documented window (the provider accepted it, we had not recorded
// it yet). Answers go to a local fake Twilio that counts every send it receives.
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, postSignedTwilio, type TestContext } from './support/harness.js';
import { freePort } from './support/own-services.js';
import { startFakeTwilio, type FakeTwilioServer } from './support/fake-twilio-server.js';
import { inParallel, postSms } from './support/processes.js';
import { isOk, OUTBOUND_CONCURRENCY, processFixture, type ProcessFixture } from './support/process-fixture.js';

let ctx: TestContext;
let fake: FakeTwilioServer;
let fx: ProcessFixture;
let managerToken: string;

beforeAll(async () => {
  fake = await startFakeTwilio();
  // The app here is only a producer and the staff API: the workers are the child processes.
  ctx = await createTestContext(fake.env);
  fx = processFixture(ctx, fake, 4444);
  managerToken = await ctx.staffToken('manager');
});

afterEach(async () => {
  await fx?.killAll();
});

afterAll(async () => {
  await fx?.killAll();
  await ctx?.close();
  await fake?.close();
});

// ---------------------------------------------------------------------------------------

describe('SIGKILL in the middle of a burst of webhooks', () => {
  it('worker killed: every message answered 200 is routed after the restart, none twice', async () => {
    const port = await freePort();
    const [, worker] = await Promise.all([fx.runHttp('src/server.ts', port), fx.runWorker()]);

    const burst = fx.smsBurst(300);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let answered = 0;
    const outcomes = inParallel(burst, 16, async (params) => {
      const outcome = await postSms(port, params, agent);
      answered += 1;
      return outcome;
    });
    const sids = burst.map((p) => p.MessageSid!);
    // Kill once the worker is visibly routing, while webhooks are still arriving.
    await eventually(async () => (await fx.storedMessages(sids)).filter((m) => m.routed_at !== null).length >= 40, 30_000);
    await worker.kill();
    const answeredAtKill = answered;
    const routedAtKill = (await fx.storedMessages(sids)).filter((m) => m.routed_at !== null).length;

    const results = await outcomes;
    agent.destroy();
    expect(answeredAtKill).toBeLessThan(burst.length);
    expect(routedAtKill).toBeLessThan(burst.length);
    expect(results.filter((r) => !isOk(r))).toEqual([]);

    await fx.runWorker();
    await fx.expectStoredAndRoutedOnce(sids);
  }, 60_000);
});

describe('SIGKILL in the middle of sending answers', () => {
  it('every answer reaches Twilio; only the sends in flight at the kill can go twice, and none recorded before it', async () => {
    fake.requests.length = 0;
    const worker = await fx.runWorker();
    // 40 residents write (through the in-process app); the worker routes their cases.
    const burst = fx.smsBurst(40);
    for (const params of burst) expect((await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', params)).statusCode).toBe(200);
    await fx.expectStoredAndRoutedOnce(burst.map((p) => p.MessageSid!));
    const caseIds = (await fx.storedMessages(burst.map((p) => p.MessageSid!))).map((m) => m.case_id);

    // Twilio takes 100 ms per send; at the 15th send it accepts, answers, and the worker dies at once.
    const KILL_AT = 15;
    fake.reply = (n) => (n === KILL_AT ? { kind: 'accept' } : { kind: 'accept', delayMs: 100 });
    const killed = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        const request = fake.requests[KILL_AT];
        if (request?.answered) {
          clearInterval(check);
          worker.child.kill('SIGKILL');
          resolve();
        }
      }, 1);
    });

    const answerText = (caseId: number) => `[중구청] ${caseId}번 민원을 처리했습니다. 감사합니다.`;
    const answers = new Map<string, number>();
    for (const caseId of caseIds) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: `/api/cases/${caseId}/close`,
        headers: { authorization: `Bearer ${managerToken}` },
        payload: { disposition: 'resolved', text: answerText(caseId) },
      });
      expect(res.statusCode).toBe(200);
      answers.set(answerText(caseId), res.json<{ messageId: number }>().messageId);
    }

    await killed;
    await worker.exited;
    // The dead worker's connections are gone: what reached the fake is all it will ever get from it.
    await eventually(async () => fake.openConnections() === 0);
    const reachedBeforeKill = new Set(fake.requests.map((r) => r.body));
    const rows = await ctx.db
      .selectFrom('messages')
      .select(['id', 'text', 'provider_message_id'])
      .where('id', 'in', [...answers.values()])
      .execute();
    const recordedBeforeKill = new Set(rows.filter((r) => r.provider_message_id !== null).map((r) => r.text));
    // The window: a send that reached Twilio while its acceptance was not yet recorded.
    const window = [...reachedBeforeKill].filter((text) => !recordedBeforeKill.has(text));
    expect(recordedBeforeKill.size).toBeGreaterThan(0);
    expect(recordedBeforeKill.size).toBeLessThan(answers.size);
    expect(window.length).toBeGreaterThanOrEqual(1);
    expect(window.length).toBeLessThanOrEqual(OUTBOUND_CONCURRENCY);

    fake.reply = () => ({ kind: 'accept', delayMs: 20 });
    await fx.runWorker();
    await eventually(async () => {
      const sent = await ctx.db
        .selectFrom('messages')
        .select('id')
        .where('id', 'in', [...answers.values()])
        .where('provider_message_id', 'is not', null)
        .execute();
      return sent.length === answers.size;
    }, 40_000);
    await fx.settle();

    const counts = fake.countsByBody();
    const duplicated = [...answers.keys()].filter((text) => (counts.get(text) ?? 0) > 1);
    for (const text of answers.keys()) expect(counts.get(text) ?? 0, text).toBeGreaterThanOrEqual(1);
    // Recorded as sent before the kill: never sent again.
    for (const text of recordedBeforeKill) expect(counts.get(text), text).toBe(1);
    // Only the window's sends can repeat, once each at most.
    expect(duplicated.filter((text) => !window.includes(text))).toEqual([]);
    const extraSends = duplicated.reduce((sum, text) => sum + counts.get(text)! - 1, 0);
    expect(extraSends).toBeLessThanOrEqual(window.length);
    console.info(`killed mid-send: ${recordedBeforeKill.size} recorded before, ${window.length} in the window, ${extraSends} sent twice`);
    // Each answer carries a sid Twilio gave for that very text.
    const final = await ctx.db.selectFrom('messages').select(['text', 'provider_message_id', 'delivery_status']).where('id', 'in', [...answers.values()]).execute();
    for (const row of final) {
      expect(fake.requests.filter((r) => r.body === row.text).map((r) => r.sid)).toContain(row.provider_message_id);
      expect(row.delivery_status).toBe('queued');
    }
  }, 60_000);
});
