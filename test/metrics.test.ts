import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, fileInbox, inboundSms, postSignedTwilio, postSignedTwilioOnly, silentLogger, type TestContext } from './support/harness.js';
import { allQueues } from '../src/ops/queue-health.js';
import { BOARD_COOKIE } from '../src/ops/board.js';
import { startWorkers } from '../workers/index.js';
import { freePort } from './support/own-services.js';
import { find, samples, valueOf } from './support/prometheus.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function scrape() {
  const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return { res, all: samples(res.body) };
}

const PHONE = '+821033330001';
const TEXT = '신당동 골목 가로등이 꺼져서 밤길이 무서워요 메트릭비밀문구';

describe('GET /metrics (API process)', () => {
  it('is open, Prometheus text, with default Node metrics and the HTTP histogram by route pattern', async () => {
    const staff = await ctx.staffToken('staff', 'ROAD');
    for (const id of [101, 202, 303]) {
      await ctx.app.inject({ method: 'GET', url: `/api/cases/${id}?x=${id}`, headers: { authorization: `Bearer ${staff}` } });
    }
    await ctx.app.inject({ method: 'GET', url: '/healthz' });
    const { res, all } = await scrape();
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(find(all, 'process_cpu_user_seconds_total').length).toBe(1);
    expect(find(all, 'nodejs_eventloop_lag_seconds').length).toBe(1);
    const byCase = valueOf(all, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/cases/:id', status_code: '404' });
    expect(byCase).toBe(3);
    expect(valueOf(all, 'http_request_duration_seconds_count', { method: 'GET', route: '/healthz', status_code: '200' })).toBe(1);
    // Never the raw URL.
    const routes = new Set(find(all, 'http_request_duration_seconds_count').map((s) => s.labels.route));
    for (const route of routes) expect(route).not.toMatch(/\d{3}|\?/);
  });

  it('counts messages, undelivered answers, open cases and queue jobs, with no personal data', async () => {
    const manager = await ctx.staffToken('manager');
    const posted = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: PHONE, Body: TEXT }));
    expect(posted.statusCode).toBe(200);
    // Received, not yet filed into a case: the inbox shows it; nothing waits in the Redis buffer.
    const before = (await scrape()).all;
    expect(valueOf(before, 'sotong_inbox_unfiled')).toBe(1);
    expect(valueOf(before, 'sotong_intake_buffered')).toBe(0);
    await fileInbox(ctx.app);
    const kase = await ctx.db
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select('cases.id')
      .where('residents.phone', '=', PHONE)
      .executeTakeFirstOrThrow();

    let { all } = await scrape();
    expect(valueOf(all, 'sotong_messages', { direction: 'in', channel: 'sms', delivery_status: 'none' })).toBe(1);
    expect(valueOf(all, 'sotong_open_cases')).toBe(1);
    expect(valueOf(all, 'sotong_inbox_unfiled')).toBe(0);
    expect(valueOf(all, 'sotong_undelivered_answers', { channel: 'sms' }) ?? 0).toBe(0);
    for (const queue of allQueues(ctx.app.queues)) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(valueOf(all, 'sotong_queue_jobs', { queue: queue.name, state }), `${queue.name} ${state}`).toBeGreaterThanOrEqual(0);
      }
      expect(valueOf(all, 'sotong_queue_oldest_waiting_seconds', { queue: queue.name })).toBeGreaterThanOrEqual(0);
    }
    // No workers run here: the routing job waits.
    expect(valueOf(all, 'sotong_queue_jobs', { queue: 'routing', state: 'waiting' })).toBe(1);

    // Closed with an answer while no worker sends it: one undelivered answer.
    const closed = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${kase.id}/close`,
      headers: { authorization: `Bearer ${manager}` },
      payload: { disposition: 'resolved', text: '가로등을 고쳤습니다 답변비밀문구' },
    });
    expect(closed.statusCode).toBe(200);
    const second = await scrape();
    all = second.all;
    expect(valueOf(all, 'sotong_undelivered_answers', { channel: 'sms' })).toBe(1);
    expect(valueOf(all, 'sotong_open_cases')).toBe(0);
    const outbound = find(all, 'sotong_messages', { direction: 'out', channel: 'sms' }).reduce((n, s) => n + s.value, 0);
    expect(outbound).toBeGreaterThanOrEqual(1);

    for (const secret of [PHONE, PHONE.slice(3), '33330001', '가로등', '메트릭비밀문구', '답변비밀문구', manager]) {
      expect(second.res.body).not.toContain(secret);
    }
  });
});

describe('GET /ops/queues', () => {
  it('gives operators every queue with its counts and the age of its oldest waiting job', async () => {
    const operator = await ctx.staffToken('operator');
    const posted = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: '+821033330099', Body: '큐 상태 확인용 민원' }));
    expect(posted.statusCode).toBe(200);
    const res = await ctx.app.inject({ method: 'GET', url: '/ops/queues', headers: { authorization: `Bearer ${operator}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, Record<string, number>>>();
    expect(Object.keys(body).sort()).toEqual(['attachments', 'deadlines', 'notices', 'outbound-kakao', 'outbound-sms', 'retention', 'routing']);
    for (const [name, health] of Object.entries(body)) {
      expect(Object.keys(health).sort(), name).toEqual(['active', 'completed', 'delayed', 'failed', 'oldestWaitingAgeSeconds', 'waiting']);
      for (const value of Object.values(health)) expect(value).toBeGreaterThanOrEqual(0);
    }
    // No worker runs here: the message's filing job waits on the routing queue.
    expect(body.routing!.waiting).toBeGreaterThanOrEqual(1);
    // Ids and counts only.
    expect(res.body).not.toContain('33330099');
  });
});

describe('/ops/board', () => {
  it('refuses without a token and for staff', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/ops/board' })).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/ops/board/api/queues' })).statusCode).toBe(401);
    const staff = await ctx.staffToken('staff', 'ROAD');
    const res = await ctx.app.inject({ method: 'GET', url: '/ops/board', headers: { authorization: `Bearer ${staff}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    const byQuery = await ctx.app.inject({ method: 'GET', url: `/ops/board?token=${staff}` });
    expect(byQuery.statusCode).toBe(403);
    expect(byQuery.headers['set-cookie']).toBeUndefined();
  });

  it('shows the board and its queues API to an operator, with security headers', async () => {
    const operator = await ctx.staffToken('operator');
    const headers = { authorization: `Bearer ${operator}` };
    const page = await ctx.app.inject({ method: 'GET', url: '/ops/board', headers });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<base href="/ops/board/"');
    const asset = await ctx.app.inject({ method: 'GET', url: '/ops/board/static/favicon-32x32.png', headers });
    expect(asset.statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/ops/board/static/favicon-32x32.png' })).statusCode).toBe(401);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');

    const api = await ctx.app.inject({ method: 'GET', url: '/ops/board/api/queues', headers });
    expect(api.statusCode).toBe(200);
    const names = (api.json() as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(allQueues(ctx.app.queues).map((q) => q.name).sort());
  });

  it('takes ?token= once, keeps it in an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const operator = await ctx.staffToken('admin');
    const first = await ctx.app.inject({ method: 'GET', url: `/ops/board?token=${operator}` });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/ops/board');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toContain(`${BOARD_COOKIE}=`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/ops\/board/);
    const cookies = { [BOARD_COOKIE]: operator };
    expect((await ctx.app.inject({ method: 'GET', url: '/ops/board', cookies })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/ops/board/api/queues', cookies })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/ops/board', cookies: { [BOARD_COOKIE]: 'not-a-token' } })).statusCode).toBe(401);
  });
});

describe('worker metrics', () => {
  it('serves job durations and routing outcomes on the worker metrics port', async () => {
    // A port nothing else holds: a random one once met another test file's server.
    const port = await freePort();
    const workers = await startWorkers({ ...ctx.config, workerMetricsPort: port }, silentLogger);
    try {
      expect(workers.metricsPort).toBe(port);
      await postSignedTwilio(
        ctx.app,
        '/webhooks/sms/twilio',
        inboundSms({ From: '+821033330002', Body: '약수동 골목에 불법주차 차량 때문에 소방차가 못 지나가요. 단속해 주세요' }),
      );
      const all = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const parsed = samples(await res.text());
        return (valueOf(parsed, 'sotong_routing_outcomes_total', { outcome: 'routed' }) ?? 0) >= 1 ? parsed : undefined;
      });
      expect(valueOf(all, 'sotong_job_duration_seconds_count', { queue: 'routing', outcome: 'completed' })).toBeGreaterThanOrEqual(1);
      expect(find(all, 'process_cpu_user_seconds_total').length).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
    } finally {
      await workers.close();
    }
  });
});
