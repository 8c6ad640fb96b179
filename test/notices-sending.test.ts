// Sending notices (docs/notices.md): preview and four-eyes approval, 알림톡 through Solapi's
// send-many API (mocked with nock), consent read at send time, quiet hours, cancelling midway,
// and resuming after a worker died without sending anyone twice.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { sendNoticeBatch } from '../src/notices/send-batch.js';
import { noticeProgress } from '../src/notices/notices.js';
import { optOutLine } from '../src/notices/notice-text.js';
import { seoulInstant } from '../src/domain/seoul-time.js';
import { handGatewaySmsToIntake } from '../webhooks/sms/gateway/hand-to-intake.js';

const SOLAPI = 'http://solapi.notices.test';
const PF_ID = 'KA01PF2612050000000000000000001';
const TEMPLATE_ID = 'KA01TP2612050000000000000000001';
let ctx: TestContext;
let manager: string;
let admin: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  ctx = await createTestContext({
    SOLAPI_API_KEY: 'NCSNOTICESKEY001',
    SOLAPI_API_SECRET: 'NOTICESSECRET0123456789ABCDEFGHIJ',
    SOLAPI_FROM: '0233964114',
    SOLAPI_API_BASE_URL: SOLAPI,
    NOTICE_KAKAO_PF_ID: PF_ID,
    NOTICE_KAKAO_TEMPLATE_ID: TEMPLATE_ID,
    NOTICE_OPT_OUT_NUMBER: '080-123-4567',
    NOTICE_BATCH_SIZE: '10',
    NOTICE_RATE_PER_SECOND: '1000',
    NOTICE_PRICE_ATA: '8.4',
    NOTICE_PRICE_SMS: '9',
    NOTICE_PRICE_LMS: '27',
    SOLAPI_WEBHOOK_SECRET: 'notices-webhook-secret-0123456789',
  });
  manager = await ctx.staffToken('manager');
  admin = await ctx.staffToken('admin');
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await ctx?.close();
  nock.enableNetConnect();
});

let nextPhone = 0;
/** `n` active subscribers in a 동 of their own; returns their numbers. */
async function subscribers(n: number, dong: string): Promise<string[]> {
  const phones = Array.from({ length: n }, () => `+82107${String(++nextPhone).padStart(7, '0')}`);
  await ctx.db
    .insertInto('notice_consents')
    .values(phones.map((phone) => ({ phone, dong, status: 'active' as const, consented_at: new Date(), consent_channel: 'import' as const, consent_text: '구청 소식 알림 수신에 동의합니다', source: 'test.csv' })))
    .execute();
  return phones;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function draft(dong: string, extra: Record<string, unknown> = {}) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/notices',
    headers: auth(manager),
    payload: { title: '대청소 안내', body: '이번 주 토요일 오전 9시 동네 대청소가 있습니다.', audience: { kind: 'dong', dongs: [dong] }, ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function approve(id: number, urgent = true) {
  const res = await ctx.app.inject({ method: 'POST', url: `/api/notices/${id}/approve`, headers: auth(admin), payload: { urgent } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

interface Sent {
  to: string;
  from: string;
  text: string;
  type: string;
  kakaoOptions: { pfId: string; templateId: string; variables: Record<string, string>; disableSms: boolean };
}

/** Solapi answering send-many/detail: every message accepted except those `refuse` names. */
function solapiAccepting(received: Sent[], options: { refuse?: string[]; times?: number } = {}) {
  return nock(SOLAPI)
    .post('/messages/v4/send-many/detail')
    .times(options.times ?? 1)
    .reply(200, (_uri, body) => {
      const messages = (body as { messages: Sent[] }).messages;
      received.push(...messages);
      const refused = messages.filter((m) => options.refuse?.includes(m.to));
      const accepted = messages.filter((m) => !options.refuse?.includes(m.to));
      return {
        groupInfo: { groupId: `G4V${received.length}`, count: { total: messages.length } },
        messageList: accepted.map((m, i) => ({ messageId: `M4V-${m.to}-${i}`, to: m.to, from: m.from, type: 'ATA', statusCode: '2000', statusMessage: '정상 접수' })),
        failedMessageList: refused.map((m) => ({ to: m.to, from: m.from, type: 'ATA', statusCode: '1062', statusMessage: '수신번호 형식 오류' })),
      };
    });
}

const domestic = (e164: string) => `0${e164.slice(3)}`;
const recipientsOf = (noticeId: number) =>
  ctx.db.selectFrom('notice_recipients').selectAll().where('notice_id', '=', noticeId).orderBy('id').execute();

describe('drafting and approving', () => {
  it('shows the text, the recipients and the cost before approval; the drafter cannot approve; an admin can', async () => {
    await subscribers(12, '신당동');
    const notice = await draft('신당동', { buttonLabel: '자세히 보기', buttonUrl: 'https://www.junggu.seoul.kr/clean' });
    expect(notice.status).toBe('draft');
    expect(notice.preview.recipients).toBe(12);
    expect(notice.preview.text).toContain('[구청장 소통폰] 대청소 안내');
    expect(notice.preview.text).toContain('무료 080-123-4567');
    expect(notice.preview.cost).toMatchObject({ recipients: 12, ata: 100.8, fallbackType: 'LMS', fallback: 324 });

    // A manager drafts but cannot approve, even their own; no admin can approve their own draft either.
    const own = await ctx.app.inject({ method: 'POST', url: `/api/notices/${notice.id}/approve`, headers: auth(manager) });
    expect(own.statusCode).toBe(403);
    expect((await recipientsOf(notice.id)).length).toBe(0);

    const approved = await approve(notice.id, false);
    expect(approved).toMatchObject({ status: 'sending', recipientCount: 12, approvedBy: expect.any(Number) });
    expect(approved.progress).toMatchObject({ total: 12, queued: 12 });
    const rows = await recipientsOf(notice.id);
    expect(rows.map((r) => r.batch_no)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    // Once approved, not again.
    const again = await ctx.app.inject({ method: 'POST', url: `/api/notices/${notice.id}/approve`, headers: auth(admin), payload: {} });
    expect(again.statusCode).toBe(409);
    await ctx.app.inject({ method: 'POST', url: `/api/notices/${notice.id}/cancel`, headers: auth(admin) });
  });
});

describe('sending a batch', () => {
  it('sends 알림톡 with the template, fallback enabled, and records each provider id; a refused number is failed', async () => {
    const phones = await subscribers(10, '회현동');
    const notice = await draft('회현동');
    await approve(notice.id);
    const received: Sent[] = [];
    const scope = solapiAccepting(received, { refuse: [domestic(phones[3]!)] });
    const outcome = await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0);
    expect(scope.isDone()).toBe(true);
    expect(outcome).toEqual({ kind: 'done', sent: 9, failed: 1, skipped: 0, unknown: 0 });
    expect(received.map((m) => m.to).sort()).toEqual(phones.map(domestic).sort());
    expect(received[0]).toMatchObject({
      from: '0233964114',
      type: 'ATA',
      kakaoOptions: {
        pfId: PF_ID,
        templateId: TEMPLATE_ID,
        disableSms: false,
        variables: { '#{제목}': '대청소 안내', '#{내용}': '이번 주 토요일 오전 9시 동네 대청소가 있습니다.', '#{링크}': '', '#{수신거부}': optOutLine('080-123-4567') },
      },
    });
    expect(received[0]!.text).toContain('이번 주 토요일');
    const rows = await recipientsOf(notice.id);
    expect(rows.filter((r) => r.status === 'sent').every((r) => r.provider_message_id?.startsWith('M4V-') && r.provider_group_id !== null)).toBe(true);
    expect(rows.find((r) => r.status === 'failed')).toMatchObject({ error_code: '1062', provider_message_id: null });
    expect((await ctx.db.selectFrom('notices').select('status').where('id', '=', notice.id).executeTakeFirstOrThrow()).status).toBe('sent');
  });

  it('never sends to a resident who withdrew after approval (consent is read at send time)', async () => {
    const phones = await subscribers(5, '명동');
    const notice = await draft('명동');
    await approve(notice.id);
    await ctx.db.updateTable('notice_consents').set({ status: 'withdrawn', withdrawn_at: new Date(), withdrawal_channel: 'sms', withdrawal_text: '수신거부' }).where('phone', '=', phones[2]!).execute();
    const received: Sent[] = [];
    solapiAccepting(received);
    const outcome = await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0);
    expect(outcome).toMatchObject({ kind: 'done', sent: 4, skipped: 1 });
    expect(received.map((m) => m.to)).not.toContain(domestic(phones[2]!));
  });

  it('resumes after a worker died mid-request without sending anyone twice', async () => {
    const phones = await subscribers(10, '필동');
    const notice = await draft('필동');
    await approve(notice.id);
    // The dead worker had marked three recipients `sending` and called the gateway: it may have sent them.
    const rows = await recipientsOf(notice.id);
    await ctx.db.updateTable('notice_recipients').set({ status: 'sending', attempt_at: new Date() }).where('id', 'in', rows.slice(0, 3).map((r) => r.id)).execute();
    const received: Sent[] = [];
    solapiAccepting(received);
    const outcome = await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0);
    expect(outcome).toEqual({ kind: 'done', sent: 7, failed: 0, skipped: 0, unknown: 3 });
    expect(received.map((m) => m.to).sort()).toEqual(phones.slice(3).map(domestic).sort());
    // The same batch again (a second delivery of its job): nothing left to send, no request made.
    const again = await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0);
    expect(again).toEqual({ kind: 'stopped', reason: 'finished' });
    expect(await noticeProgress(ctx.db, notice.id)).toMatchObject({ total: 10, sent: 7, unknown: 3, queued: 0, sending: 0 });
  });

  it('puts the recipients back in the queue when the gateway certainly did not take the request (429)', async () => {
    await subscribers(3, '장충동');
    const notice = await draft('장충동');
    await approve(notice.id);
    nock(SOLAPI).post('/messages/v4/send-many/detail').reply(429, { errorCode: 'TooManyRequests', errorMessage: 'slow down' });
    await expect(sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0)).rejects.toThrow();
    expect(await noticeProgress(ctx.db, notice.id)).toMatchObject({ queued: 3, sending: 0 });
    const received: Sent[] = [];
    solapiAccepting(received);
    expect(await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0)).toMatchObject({ sent: 3 });
  });

  it('waits for 08:00 Seoul time between 21:00 and 08:00 unless marked urgent', async () => {
    await subscribers(2, '광희동');
    const notice = await draft('광희동');
    await approve(notice.id, false);
    const night = seoulInstant('2026-12-07', 22);
    expect(await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0, night)).toEqual({ kind: 'later', delayMs: 10 * 3600_000 });
    await ctx.db.updateTable('notices').set({ urgent: true }).where('id', '=', notice.id).execute();
    solapiAccepting([]);
    expect(await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0, night)).toMatchObject({ kind: 'done', sent: 2 });
  });

  it('cancelled midway: the batches not yet sent send nothing', async () => {
    await subscribers(15, '다산동');
    const notice = await draft('다산동');
    await approve(notice.id);
    solapiAccepting([]);
    await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0);
    const res = await ctx.app.inject({ method: 'POST', url: `/api/notices/${notice.id}/cancel`, headers: auth(manager) });
    expect(res.statusCode).toBe(200);
    expect(await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 1)).toEqual({ kind: 'stopped', reason: 'cancelled' });
    expect(await noticeProgress(ctx.db, notice.id)).toMatchObject({ total: 15, sent: 10, skipped: 5 });
  });
});

describe('delivery reports', () => {
  it('marks a notice delivered as 알림톡, fallen back to SMS/LMS, or failed, from Solapi\'s reports', async () => {
    await subscribers(3, '동화동');
    const notice = await draft('동화동');
    await approve(notice.id);
    solapiAccepting([]);
    await sendNoticeBatch(ctx.db, ctx.config.notices.gateway!, ctx.config.notices, notice.id, 0);
    const [a, b, c] = (await recipientsOf(notice.id)).map((r) => r.provider_message_id!);
    const report = (messageId: string, statusCode: string, type: string) => ({ eventDataId: `E${messageId}`, data: { messageId, statusCode, type, to: '01000000000' }, retryCount: 0 });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/sms/solapi/status',
      headers: { 'x-solapi-secret': 'notices-webhook-secret-0123456789', 'x-solapi-event-name': 'SINGLE-REPORT' },
      payload: [report(a!, '4000', 'ATA'), report(b!, '4000', 'LMS'), report(c!, '3059', 'ATA')],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ applied: 3, moved: 3 });
    expect(await noticeProgress(ctx.db, notice.id)).toMatchObject({ delivered: 1, fallback: 1, failed: 1, sent: 0 });
  });
});

describe('the notices worker', () => {
  it('sends every batch of an approved notice through its own queue, each recipient once', async () => {
    const phones = await subscribers(25, '약수동');
    const received: Sent[] = [];
    solapiAccepting(received, { times: 10 });
    await ctx.startWorkers();
    const notice = await draft('약수동');
    await approve(notice.id);
    await eventually(async () => (await ctx.db.selectFrom('notices').select('status').where('id', '=', notice.id).executeTakeFirstOrThrow()).status === 'sent', 20_000);
    const ours = new Set(phones.map(domestic));
    expect(received.filter((m) => ours.has(m.to)).map((m) => m.to).sort()).toEqual([...ours].sort());
    const res = await ctx.app.inject({ method: 'GET', url: `/api/notices/${notice.id}`, headers: auth(admin) });
    expect(res.json().progress).toMatchObject({ total: 25, sent: 25 });
    const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/sotong_notice_recipients\{status="sent"\} \d+/);
  });

  it("confirms by SMS an opt-out a gateway delivered (its webhook's answer cannot carry one)", async () => {
    const phone = '+821079990001';
    const receipt = await handGatewaySmsToIntake(ctx.app, ctx.app.log, {
      provider: 'munja',
      providerMessageId: 'gw-optout-1',
      phone,
      text: '수신거부',
      raw: {},
      receivedAt: new Date(),
    });
    expect(receipt).toMatchObject({ outcome: 'consent', action: 'withdraw' });
    await eventually(async () => (await ctx.db.selectFrom('notice_consent_events').select('reply_status').where('provider_message_id', '=', 'gw-optout-1').executeTakeFirst())?.reply_status === 'sent');
    expect(await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', 'gw-optout-1').execute()).toEqual([]);
  });
});
