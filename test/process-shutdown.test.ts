// How the real processes end. SIGTERM: stop taking requests, finish what is in flight
// (requests and jobs), close the pools, exit 0. SIGKILL of the single process (API and
// workers together) mid-burst: whatever was answered 200 is kept and routed after a restart.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, postSignedTwilio, type TestContext } from './support/harness.js';
import { freePort } from './support/own-services.js';
import { startFakeTwilio, type FakeTwilioServer } from './support/fake-twilio-server.js';
import { exitOf, inParallel, postSms } from './support/processes.js';
import { isOk, OUTBOUND_CONCURRENCY, processFixture, type ProcessFixture } from './support/process-fixture.js';
import { jobIds } from '../src/queues/queues.js';
import { CASE_NUMBER, SMS_NUMBERED_ACKNOWLEDGEMENT } from '../src/intake/acknowledgement.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let ctx: TestContext;
let fake: FakeTwilioServer;
let fx: ProcessFixture;
let managerToken: string;

beforeAll(async () => {
  fake = await startFakeTwilio();
  ctx = await createTestContext(fake.env);
  fx = processFixture(ctx, fake, 5555);
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

/** A GET on a new connection: its status and body, or the network error (ECONNREFUSED once the server stopped listening). */
function getOnNewConnection(port: number, path: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

/** GET /healthz on a new connection: its status, or the network error. */
async function probeNewConnection(port: number): Promise<number | string> {
  const result = await getOnNewConnection(port, '/healthz');
  return 'error' in result ? result.error : result.status;
}

/**
 * Until the API has taken all `count` messages and is storing them (its sotong_intake_storing
 * gauge) and Postgres holds its inserts at the lock: messages that arrive together share one
 * statement, so there are fewer waiting statements than messages.
 */
async function heldAtTheirInsert(port: number, blocker: pg.Client, count: number): Promise<void> {
  await eventually(async () => {
    const metrics = await getOnNewConnection(port, '/metrics');
    if (!('body' in metrics) || !new RegExp(`^sotong_intake_storing ${count}$`, 'm').test(metrics.body)) return false;
    // Inside a transaction the activity view is a snapshot unless cleared.
    await blocker.query('select pg_stat_clear_snapshot()');
    const { rows } = await blocker.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    return Number(rows[0]!.n) >= 1;
  });
}

async function closeCase(caseId: number, text: string): Promise<number> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: `/api/cases/${caseId}/close`,
    headers: { authorization: `Bearer ${managerToken}` },
    payload: { disposition: 'resolved', text },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ messageId: number }>().messageId;
}

// ---------------------------------------------------------------------------------------

describe('SIGTERM to the API', () => {
  it('finishes the requests it took with 200 and their jobs queued, refuses new connections, closes and exits 0', async () => {
    const port = await freePort();
    // The held inserts must stay inserts, not give up and go to the Redis buffer meanwhile.
    const api = await fx.runHttp('src/server.ts', port, { INTAKE_STORE_TIMEOUT_MS: '4000' });

    // Hold every webhook at its one write: Postgres makes their inbox inserts wait.
    const blocker = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table inbound_messages in share mode');
      const burst = fx.smsBurst(5);
      const agent = new http.Agent({ keepAlive: true });
      const inFlight = Promise.all(burst.map((params) => postSms(port, params, agent)));
      await heldAtTheirInsert(port, blocker, burst.length);

      api.child.kill('SIGTERM');
      // No new connection is taken, while the five are still being handled.
      await eventually(async () => (await probeNewConnection(port)) === 'ECONNREFUSED');
      expect(api.alive).toBe(true);

      await blocker.query('commit');
      const results = await inFlight;
      agent.destroy();
      expect(results.map((r) => ('status' in r ? r.status : r.error))).toEqual(burst.map(() => 200));
      // Each acknowledgement names the case number reserved by its insert.
      const acknowledged = new RegExp(`<Message>${escapeRegExp(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase).replace(escapeRegExp(CASE_NUMBER), '\\d{4}-\\d{6}')}</Message>`);
      for (const r of results) expect('body' in r && r.body).toMatch(acknowledged);
      expect(await exitOf(api, 15_000)).toEqual({ code: 0, signal: null });

      // In the inbox, and its filing job handed to the routing queue before the queue connection closed.
      const stored = await fx.inboxRows(burst.map((p) => p.MessageSid!));
      expect(stored).toHaveLength(burst.length);
      for (const { id } of stored) expect(await ctx.app.queues.routing.getJobState(jobIds.file(id))).toBe('waiting');
      expect(api.output()).not.toMatch(/queue unavailable|Connection is closed/);
    } finally {
      await blocker.end().catch(() => undefined);
    }
  }, 60_000);

  it('finishes a request whose caller gave up, queueing its message before the pools close; a half-sent one holds nothing up', async () => {
    const port = await freePort();
    // The held inserts must stay inserts, not give up and go to the Redis buffer meanwhile.
    const api = await fx.runHttp('src/server.ts', port, { INTAKE_STORE_TIMEOUT_MS: '4000' });
    const blocker = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table inbound_messages in share mode');
      // Three callers time out while their messages wait in Postgres (as Kakao does after 5 s).
      const burst = fx.smsBurst(3);
      const agent = new http.Agent({ keepAlive: true });
      const inFlight = Promise.all(burst.map((params) => postSms(port, params, agent)));
      await heldAtTheirInsert(port, blocker, burst.length);
      agent.destroy();
      expect((await inFlight).map((r) => ('error' in r ? r.error : r.status))).toEqual(burst.map(() => 'ECONNRESET'));
      // A fourth never finishes sending its body.
      const halfSent = net.connect(port, '127.0.0.1');
      await once(halfSent, 'connect');
      halfSent.write('POST /webhooks/sms/twilio HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nFrom=');
      halfSent.destroy();

      api.child.kill('SIGTERM');
      await eventually(async () => (await probeNewConnection(port)) === 'ECONNREFUSED');
      expect(api.alive).toBe(true);
      await blocker.query('commit');
      expect(await exitOf(api, 15_000)).toEqual({ code: 0, signal: null });

      const stored = await fx.inboxRows(burst.map((p) => p.MessageSid!));
      expect(stored).toHaveLength(burst.length);
      for (const { id } of stored) expect(await ctx.app.queues.routing.getJobState(jobIds.file(id))).toBe('waiting');
      expect(api.output()).not.toMatch(/queue unavailable|Connection is closed|still running at shutdown/);
    } finally {
      await blocker.end().catch(() => undefined);
    }
  }, 60_000);

  it.each(['src/server.ts', 'src/main.ts'] as const)('%s mid-burst with keep-alive clients: every request is answered 200 and kept, or refused before it was read; none cut off, none 500', async (entry) => {
    const port = await freePort();
    const api = await fx.runHttp(entry, port);

    const burst = fx.smsBurst(200);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let answered = 0;
    const results = await inParallel(burst, 16, async (params) => {
      const outcome = await postSms(port, params, agent);
      answered += 1;
      if (answered === 60) api.child.kill('SIGTERM');
      return outcome;
    });
    agent.destroy();
    expect(await exitOf(api, 15_000)).toEqual({ code: 0, signal: null });

    const accepted = burst.filter((_, i) => isOk(results[i]!)).map((p) => p.MessageSid!);
    const refused = results.filter((r) => !isOk(r));
    expect(accepted.length).toBeGreaterThanOrEqual(60);
    // Refused: 503 while closing (Twilio then tries its fallback URL), or no connection: refused,
    // or reset while still in the listen backlog or idle in keep-alive, before the app read it.
    for (const r of refused) {
      if ('status' in r) expect(r.status).toBe(503);
      else expect(r.error).toMatch(/^(ECONNREFUSED|ECONNRESET|EPIPE|socket hang up)$/);
    }
    // That a reset came before the app read the request: exactly the requests answered 200
    // reached the inbox, so none was cut off after the app took it.
    const stored = await fx.inboxRows(burst.map((p) => p.MessageSid!));
    expect(new Set(stored.map((m) => m.provider_message_id))).toEqual(new Set(accepted));
    // Each with its filing job; main.ts runs the workers too, which may have filed it already.
    for (const { id, message_id } of stored) {
      const state = await ctx.app.queues.routing.getJobState(jobIds.file(id));
      if (entry === 'src/server.ts') expect(state).toBe('waiting');
      else expect(state).toBeOneOf(['waiting', 'completed']);
      if (state === 'completed') expect(message_id).not.toBeNull();
    }
    expect(api.output()).not.toMatch(/queue unavailable|Connection is closed/);
    const kinds: Record<string, number> = {};
    for (const r of refused) {
      const kind = 'status' in r ? String(r.status) : r.error;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    console.info(`SIGTERM to ${entry} mid-burst: ${accepted.length} answered 200, refused ${JSON.stringify(kinds)}`);
  }, 60_000);
});

describe('SIGTERM to the worker', () => {
  it('lets the sends in progress finish and record, starts no new one, and exits 0; the rest go out once later', async () => {
    const worker = await fx.runWorker();
    const residents = fx.smsBurst(8);
    for (const params of residents) expect((await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', params)).statusCode).toBe(200);
    const sids = residents.map((p) => p.MessageSid!);
    await fx.expectStoredAndRoutedOnce(sids);
    const caseIds = (await fx.storedMessages(sids)).map((m) => m.case_id);

    // Twilio is slow: each send takes 1.5 s, so the worker is caught with a full hand.
    fake.requests.length = 0;
    fake.reply = () => ({ kind: 'accept', delayMs: 1500 });
    const answers = new Map<number, string>();
    for (const caseId of caseIds) {
      const text = `[중구청] ${caseId}번 민원 답변입니다.`;
      answers.set(await closeCase(caseId, text), text);
    }
    await eventually(async () => fake.inFlight() === OUTBOUND_CONCURRENCY);

    worker.child.kill('SIGTERM');
    expect(await exitOf(worker, 20_000)).toEqual({ code: 0, signal: null });

    // The sends under way were answered and recorded; no job was left active, none started after the signal.
    expect(fake.requests).toHaveLength(OUTBOUND_CONCURRENCY);
    expect(fake.inFlight()).toBe(0);
    const queue = ctx.app.queues.outbound.sms;
    const states = await Promise.all([...answers.keys()].map((id) => queue.getJobState(jobIds.send(id))));
    expect(states.filter((s) => s === 'completed')).toHaveLength(OUTBOUND_CONCURRENCY);
    expect(states.filter((s) => s === 'waiting')).toHaveLength(answers.size - OUTBOUND_CONCURRENCY);
    expect(await queue.getActiveCount()).toBe(0);
    const rows = await ctx.db.selectFrom('messages').select(['id', 'text', 'provider_message_id']).where('id', 'in', [...answers.keys()]).execute();
    const recorded = rows.filter((r) => r.provider_message_id !== null);
    expect(recorded.map((r) => r.text).sort()).toEqual(fake.requests.map((r) => r.body).sort());
    for (const r of recorded) expect(fake.requests.find((q) => q.body === r.text)!.sid).toBe(r.provider_message_id);
    expect(worker.output()).not.toMatch(/Connection is closed|"level":50/);

    // The next worker sends the rest, each once.
    fake.reply = () => ({ kind: 'accept', delayMs: 20 });
    await fx.runWorker();
    await fx.settle();
    expect(fake.requests.map((r) => r.body).sort()).toEqual([...answers.values()].sort());
  }, 60_000);
});

describe('SIGKILL to the single process', () => {
  it('mid-burst: every message answered 200 is kept and routed after the restart; those cut off are taken once when re-sent', async () => {
    const port = await freePort();
    const main = await fx.runHttp('src/main.ts', port);

    const burst = fx.smsBurst(300);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let answered = 0;
    const results = await inParallel(burst, 16, async (params) => {
      const outcome = await postSms(port, params, agent);
      answered += 1;
      if (answered === 100) void main.kill();
      return outcome;
    });
    agent.destroy();
    await main.exited;

    const accepted = burst.filter((_, i) => isOk(results[i]!)).map((p) => p.MessageSid!);
    const cutOff = burst.filter((_, i) => !isOk(results[i]!));
    expect(accepted.length).toBeGreaterThanOrEqual(100);
    expect(cutOff.length).toBeGreaterThan(0);
    for (const r of results) if (!isOk(r)) expect(r).toMatchObject({ error: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET|socket hang up)$/) });

    await fx.runHttp('src/main.ts', port);
    await fx.expectStoredAndRoutedOnce(accepted);

    // Twilio re-sends what got no answer, with the same MessageSid: each is taken once,
    // whether or not the killed process had stored it.
    const again = await inParallel(cutOff, 8, (params) => postSms(port, params, false));
    expect(again.filter((r) => !isOk(r))).toEqual([]);
    const all = burst.map((p) => p.MessageSid!);
    await fx.expectStoredAndRoutedOnce(all);
    await fx.settle();
    await fx.expectStoredAndRoutedOnce(all);
  }, 60_000);
});
