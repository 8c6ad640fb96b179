// Notices never delay answers (docs/notices.md, "Separate from answers"): with the real workers
// (workers/index.ts) sending a notice whose backlog of batches takes a minute at its rate, and
// Solapi slow to answer (nock), a resident's SMS is filed and routed within seconds, and a staff
// answer reaches Twilio (nock) while the notice still has batches waiting in its queue.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Worker, WorkerOptions } from 'bullmq';
import { createTestContext, eventually, inboundSms, postSignedTwilioOnly, type TestContext } from './support/harness.js';
import { noticeProgress } from '../src/notices/notices.js';
import { QUEUE_NAMES, jobIds } from '../src/queues/queues.js';
import { CHANNELS } from '../src/domain/channel.js';

// Every BullMQ worker the program starts, with the options it was given: the limiter and the
// concurrency are a worker's options, not its queue's, so this is where they can be seen.
const started = vi.hoisted(() => [] as { name: string; opts: Partial<WorkerOptions>; worker: Worker }[]);
vi.mock('bullmq', async (importOriginal) => {
  const bullmq = await importOriginal<typeof import('bullmq')>();
  class RecordedWorker extends bullmq.Worker {
    constructor(...args: ConstructorParameters<typeof bullmq.Worker>) {
      super(...args);
      started.push({ name: args[0], opts: args[2] ?? {}, worker: this });
    }
  }
  return { ...bullmq, Worker: RecordedWorker };
});

const SOLAPI = 'http://solapi.separation.test';
const TWILIO = 'http://twilio.separation.test';
const ACCOUNT_SID = 'AC33333333333333333333333333333333';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
/** 1,000 recipients in batches of 10 at 20 a second: one batch every 500 ms, 50 s at the least. */
const RECIPIENTS = 1000;
const BATCH_SIZE = 10;
const RATE = 20;
const NOTICE_MIN_MS = (RECIPIENTS / RATE) * 1000;
/** Solapi takes this long to answer each send-many request. */
const SOLAPI_DELAY_MS = 400;
const SOLAPI_WEBHOOK_SECRET = 'separation-webhook-secret-0123456789';

let ctx: TestContext;
let manager: string;
let admin: string;
/** Every request the fake Twilio received, with when. */
const twilioCalls: { to: string; body: string; at: number }[] = [];
let solapiRequests = 0;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  ctx = await createTestContext({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_FROM: '+82215550100',
    TWILIO_API_BASE_URL: TWILIO,
    SOLAPI_API_KEY: 'NCSSEPARATIONKEY',
    SOLAPI_API_SECRET: 'SEPARATIONSECRET0123456789ABCDEFG',
    SOLAPI_FROM: '0233964114',
    SOLAPI_API_BASE_URL: SOLAPI,
    NOTICE_KAKAO_PF_ID: 'KA01PF2612060000000000000000001',
    NOTICE_KAKAO_TEMPLATE_ID: 'KA01TP2612060000000000000000001',
    NOTICE_OPT_OUT_NUMBER: '080-123-4567',
    NOTICE_BATCH_SIZE: String(BATCH_SIZE),
    NOTICE_RATE_PER_SECOND: String(RATE),
    SOLAPI_WEBHOOK_SECRET: SOLAPI_WEBHOOK_SECRET,
  });
  manager = await ctx.staffToken('manager');
  admin = await ctx.staffToken('admin');
  nock(TWILIO)
    .persist()
    .post(MESSAGES_PATH)
    .reply((_uri, body) => {
      const form = new URLSearchParams(String(body));
      twilioCalls.push({ to: form.get('To')!, body: form.get('Body')!, at: Date.now() });
      const text = JSON.stringify({ sid: `SM${String(twilioCalls.length).padStart(32, '0')}`, account_sid: ACCOUNT_SID, status: 'queued', error_code: null, error_message: null });
      // An explicit length: nock 14 leaves a keep-alive response unterminated without one (nock/nock#3001).
      return [201, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
    });
  // A slow gateway: every send-many request is answered only after SOLAPI_DELAY_MS.
  nock(SOLAPI)
    .persist()
    .post('/messages/v4/send-many/detail')
    .delay(SOLAPI_DELAY_MS)
    .reply(200, (_uri, body) => {
      solapiRequests += 1;
      const messages = (body as { messages: { to: string }[] }).messages;
      return {
        groupInfo: { groupId: `G4V${solapiRequests}` },
        messageList: messages.map((m, i) => ({ messageId: `M4V-${solapiRequests}-${i}`, to: m.to, type: 'ATA', statusCode: '2000' })),
        failedMessageList: [],
      };
    });
  await ctx.startWorkers();
});
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
  nock.enableNetConnect();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const phoneOf = (n: number) => `+82107${String(n).padStart(7, '0')}`;

async function subscribers(n: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    phone: phoneOf(i + 1),
    dong: '신당동',
    status: 'active' as const,
    consented_at: new Date(),
    consent_channel: 'import' as const,
    consent_text: '구청 소식 알림 수신에 동의합니다',
    source: 'test.csv',
  }));
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insertInto('notice_consents').values(rows.slice(i, i + 500)).execute();
}

/** A resident's SMS through the real Twilio webhook; resolves with the ms until its message was routed, and its case. */
async function residentWrites(phone: string, text: string): Promise<{ ms: number; caseId: number }> {
  const params = inboundSms({ From: phone, Body: text });
  const t0 = Date.now();
  const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params);
  expect(res.statusCode, res.body).toBe(200);
  const routed = await eventually(
    () =>
      ctx.db
        .selectFrom('messages')
        .select(['case_id', 'routed_at'])
        .where('provider_message_id', '=', params.MessageSid!)
        .where('routed_at', 'is not', null)
        .executeTakeFirst(),
    NOTICE_MIN_MS,
  );
  return { ms: Date.now() - t0, caseId: routed.case_id };
}

/** The notice's batches still waiting in its queue (not yet taken by the worker). */
async function noticeBatchesWaiting(): Promise<number> {
  const counts = await ctx.app.queues.notices.getJobCounts('waiting', 'prioritized', 'delayed');
  return counts.waiting! + counts.prioritized! + counts.delayed!;
}

describe('notices are separate from answers', () => {
  it('puts notices on a queue of their own, with a limiter and concurrency that only its worker has', () => {
    const answerQueues = [QUEUE_NAMES.routing, ...CHANNELS.map((c) => QUEUE_NAMES.outbound(c))];
    expect(answerQueues).not.toContain(QUEUE_NAMES.notices);
    expect(ctx.app.queues.notices.name).toBe(QUEUE_NAMES.notices);
    // BullMQ keeps a limiter's count under its queue's own key: the notices' never throttles another queue.
    const answerLimiterKeys = [ctx.app.queues.routing, ...Object.values(ctx.app.queues.outbound)].map((q) => q.keys.limiter);
    expect(answerLimiterKeys).not.toContain(ctx.app.queues.notices.keys.limiter);

    const noticeWorkers = started.filter((w) => w.name === QUEUE_NAMES.notices);
    expect(noticeWorkers).toHaveLength(1);
    expect(noticeWorkers[0]!.opts.limiter).toEqual({ max: 1, duration: (BATCH_SIZE * 1000) / RATE });
    expect(noticeWorkers[0]!.worker.concurrency).toBe(2);

    for (const channel of CHANNELS) {
      const outbound = started.filter((w) => w.name === QUEUE_NAMES.outbound(channel));
      expect(outbound, channel).toHaveLength(1);
      // The answers' own rate per provider, not the notices' one batch per 500 ms.
      expect(outbound[0]!.opts.limiter).toEqual({ max: ctx.config.outbound.ratePerSecond, duration: 1000 });
      expect(outbound[0]!.worker.concurrency).toBe(4);
    }
    const routing = started.filter((w) => w.name === QUEUE_NAMES.routing);
    expect(routing).toHaveLength(1);
    expect(routing[0]!.opts.limiter).toBeUndefined();
  });

  it('routes a resident at once and delivers an answer while a notice has most of its batches still waiting', async () => {
    await subscribers(RECIPIENTS);
    // Before the notice: how long intake takes on this machine now.
    const before = await residentWrites('+821055500001', '명동 골목 가로등이 며칠째 꺼져 있어요');

    const draft = await ctx.app.inject({
      method: 'POST',
      url: '/api/notices',
      headers: auth(manager),
      payload: { title: '대청소 안내', body: '이번 주 토요일 오전 9시 동네 대청소가 있습니다.', audience: { kind: 'dong', dongs: ['신당동'] } },
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const noticeId = draft.json<{ id: number }>().id;
    const approved = await ctx.app.inject({ method: 'POST', url: `/api/notices/${noticeId}/approve`, headers: auth(admin), payload: { urgent: true } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().progress).toMatchObject({ total: RECIPIENTS, queued: RECIPIENTS });
    // The notice is under way: the gateway has taken a few batches, the rest wait their turn.
    await eventually(async () => (await noticeProgress(ctx.db, noticeId)).sent >= 2 * BATCH_SIZE);

    // Replies to the notice come back meanwhile: Solapi's delivery reports, a recipient's opt-out.
    const sent = await ctx.db.selectFrom('notice_recipients').select('provider_message_id').where('notice_id', '=', noticeId).where('status', '=', 'sent').limit(5).execute();
    const reports = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/sms/solapi/status',
      headers: { 'x-solapi-secret': SOLAPI_WEBHOOK_SECRET, 'x-solapi-event-name': 'SINGLE-REPORT' },
      payload: sent.map((r) => ({ eventDataId: `E${r.provider_message_id}`, data: { messageId: r.provider_message_id, statusCode: '4000', type: 'ATA', to: '01000000000' }, retryCount: 0 })),
    });
    expect(reports.statusCode, reports.body).toBe(200);
    const optOut = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phoneOf(RECIPIENTS), Body: '수신거부' }));
    expect(optOut.statusCode).toBe(200);

    // (a) A resident writes while the notice sends: filed and routed within seconds.
    const during = await residentWrites('+821055500002', '신당동 시장 앞 불법 주차 때문에 통행이 어려워요');
    const atRouted = await noticeProgress(ctx.db, noticeId);
    const waitingAtRouted = await noticeBatchesWaiting();
    expect(during.ms).toBeLessThan(5_000);
    expect(during.ms).toBeLessThan(NOTICE_MIN_MS / 10);
    expect(atRouted.queued).toBeGreaterThan(RECIPIENTS / 2);
    expect(waitingAtRouted).toBeGreaterThan(RECIPIENTS / BATCH_SIZE / 2);

    // (b) Staff close the case with an answer: Twilio has it while notice batches still wait.
    const t0 = Date.now();
    const close = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${during.caseId}/close`,
      headers: auth(manager),
      payload: { disposition: 'resolved', text: '단속반이 현장을 확인하고 조치했습니다. 감사합니다.' },
    });
    expect(close.statusCode, close.body).toBe(200);
    const messageId = close.json<{ messageId: number }>().messageId;
    await eventually(async () => (await ctx.app.queues.outbound.sms.getJobState(jobIds.send(messageId))) === 'completed', NOTICE_MIN_MS);
    const answerMs = Date.now() - t0;
    const atAnswered = await noticeProgress(ctx.db, noticeId);
    const waitingAtAnswered = await noticeBatchesWaiting();
    const delivered = twilioCalls.filter((c) => c.to === '+821055500002' && c.body.startsWith('단속반이'));
    expect(delivered).toHaveLength(1);
    expect(await ctx.db.selectFrom('messages').select(['delivery_status', 'provider']).where('id', '=', messageId).executeTakeFirstOrThrow()).toEqual({
      delivery_status: 'queued',
      provider: 'twilio',
    });
    expect(answerMs).toBeLessThan(5_000);
    expect(atAnswered.queued).toBeGreaterThan(RECIPIENTS / 2);
    expect(waitingAtAnswered).toBeGreaterThan(RECIPIENTS / BATCH_SIZE / 2);
    // Its opt-out was honoured, and the reports applied, all without the notice in the way.
    expect(await ctx.db.selectFrom('notice_consents').select('status').where('phone', '=', phoneOf(RECIPIENTS)).executeTakeFirstOrThrow()).toEqual({ status: 'withdrawn' });
    expect(atAnswered.delivered).toBe(sent.length);

    console.info(
      `intake before the notice ${before.ms} ms, during ${during.ms} ms; answer delivered ${answerMs} ms after closing; ` +
        `notice then at ${atAnswered.total - atAnswered.queued}/${RECIPIENTS} with ${waitingAtAnswered} batches waiting`,
    );
    const cancelled = await ctx.app.inject({ method: 'POST', url: `/api/notices/${noticeId}/cancel`, headers: auth(admin) });
    expect(cancelled.statusCode).toBe(200);
  }, 60_000);
});
