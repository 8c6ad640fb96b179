// Legal deadlines, walk-in and homepage cases, the one extension, interim notices and the
// daily digest, against a real Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, eventually, silentLogger, type TestContext } from './support/harness.js';
import { jobIds, workerConnectionOptions } from '../src/queues/queues.js';
import { casesDueForNotice, sendInterimNotice } from '../src/deadlines/deadline-actions.js';
import { createDeadlineQueue } from '../src/deadlines/deadline-queue.js';
import { acceptResidentMessage } from './support/accept-message.js';
import { seedCases } from './support/report-dataset.js';

type Json = Record<string, unknown>;

function api(ctx: TestContext, token: string | null, method: 'GET' | 'POST', url: string, payload?: Json) {
  return ctx.app.inject({
    method,
    url,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload }),
  });
}

/** Registers a walk-in or homepage case through the API; returns its view. */
async function register(ctx: TestContext, token: string, body: Json) {
  const res = await api(ctx, token, 'POST', '/api/cases', { channel: 'visit', text: '집 앞 보도블록이 깨져 있어요', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: number; caseNumber: string; channel: string; status: string; department: string | null; category: string | null; dueAt: string | null; overdue: boolean; resident: { phone: string | null }; deadline: { workingDays: number } | null }>();
}

const messagesOf = (ctx: TestContext, caseId: number) =>
  ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
const eventsOf = (ctx: TestContext, caseId: number) =>
  ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
const caseRow = (ctx: TestContext, caseId: number) => ctx.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();

let phoneSeq = 0;
const newPhone = () => `010-5501-${String((phoneSeq += 1)).padStart(4, '0')}`;

describe('walk-in and homepage cases, deadlines and extensions (API)', () => {
  let ctx: TestContext;
  const t = { road: '', welfare: '', manager: '', operator: '' };
  beforeAll(async () => {
    ctx = await createTestContext();
    t.road = await ctx.staffToken('staff', 'ROAD');
    t.welfare = await ctx.staffToken('staff', 'WELFARE');
    t.manager = await ctx.staffToken('manager', 'AUDIT');
    t.operator = await ctx.staffToken('operator', 'AUDIT');
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('registers a walk-in case for the staff member’s department with a 7-working-day deadline', async () => {
    // Thu 17 Sep 2026, 10:00 Seoul: due Tue 29 Sep 18:00 (Chuseok 24-26 skipped).
    const c = await register(ctx, t.road, { receivedAt: '2026-09-17T10:00:00+09:00' });
    expect(c).toMatchObject({ channel: 'visit', status: 'assigned', department: 'ROAD', category: 'roads', dueAt: '2026-09-29T09:00:00.000Z', overdue: true });
    expect(c.caseNumber).toMatch(/^2026-\d{6}$/);
    expect(c.resident.phone).toBeNull();
    expect(c.deadline).toMatchObject({ workingDays: 7, extension: null });
    const detail = (await api(ctx, t.road, 'GET', `/api/cases/${c.id}`)).json<{ messages: { direction: string; text: string }[] }>();
    expect(detail.messages).toEqual([expect.objectContaining({ direction: 'in', text: '집 앞 보도블록이 깨져 있어요' })]);
  });

  it('gives a proposal 14 working days and a homepage case with a phone its masked number', async () => {
    const c = await register(ctx, t.road, { channel: 'web', kind: 'proposal', phone: '010-1234-5678', receivedAt: '2026-09-01T10:00:00+09:00' });
    expect(c).toMatchObject({ channel: 'web', dueAt: '2026-09-18T09:00:00.000Z', resident: { phone: '010-****-5678' } });
    expect(c.deadline?.workingDays).toBe(14);
  });

  it('registers a case in a year the holiday calendar does not cover yet, counting weekends only', async () => {
    // The package covers 2018–2027: in January 2028 the line must keep taking cases.
    vi.useFakeTimers({ now: new Date('2028-01-05T10:00:00+09:00'), toFake: ['Date'] });
    try {
      const token = await ctx.staffToken('staff', 'ROAD');
      // Tue 4 Jan 2028: 7 weekdays, the day of receipt included, end Wed 12 Jan at 18:00.
      const c = await register(ctx, token, { receivedAt: '2028-01-04T10:00:00+09:00' });
      expect(c).toMatchObject({ department: 'ROAD', dueAt: '2028-01-12T09:00:00.000Z' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses what it cannot register with a clear 4xx', async () => {
    const post = (token: string, body: Json) => api(ctx, token, 'POST', '/api/cases', { channel: 'visit', text: '문의', ...body });
    expect((await post(t.road, { department: 'WELFARE' })).statusCode).toBe(403);
    expect((await post(t.manager, { department: 'NOPE' })).json().error.code).toBe('unknown_department');
    expect((await post(t.road, { phone: '12' })).json().error.code).toBe('invalid_phone');
    expect((await post(t.road, { receivedAt: new Date(Date.now() + 3600_000).toISOString() })).json().error.code).toBe('invalid_date');
    expect((await post(t.road, { receivedAt: '2001-01-01T00:00:00Z' })).json().error.code).toBe('invalid_date');
    expect((await post(t.road, { channel: 'sms' })).statusCode).toBe(400);
    expect((await post(t.road, { text: '   ' })).json().error.code).toBe('text_required');
    expect((await post(t.operator, {})).statusCode).toBe(403);
    expect((await api(ctx, null, 'POST', '/api/cases', { channel: 'visit', text: 'x' })).statusCode).toBe(401);
  });

  it('hands a manager’s case without a department to the router', async () => {
    const c = await register(ctx, t.manager, { text: '기초생활수급 신청은 어디서 하나요' });
    expect(c).toMatchObject({ status: 'received', department: null, dueAt: null });
    const [message] = await messagesOf(ctx, c.id);
    expect(await ctx.app.queues.routing.getJob(jobIds.route(message!.id))).toBeDefined();
  });

  it('answers a homepage resident who left a phone number by SMS', async () => {
    const c = await register(ctx, t.road, { channel: 'web', phone: newPhone() });
    const reply = await api(ctx, t.road, 'POST', `/api/cases/${c.id}/replies`, { text: '현장을 확인하겠습니다.' });
    expect(reply.statusCode, reply.body).toBe(202);
    const close = await api(ctx, t.road, 'POST', `/api/cases/${c.id}/close`, { disposition: 'resolved', text: '보수했습니다.' });
    expect(close.statusCode, close.body).toBe(200);
    const out = (await messagesOf(ctx, c.id)).filter((m) => m.direction === 'out');
    expect(out.map((m) => [m.kind, m.channel, m.delivery_status])).toEqual([
      ['interim', 'sms', 'pending'],
      ['answer', 'sms', 'pending'],
    ]);
    expect(await ctx.app.queues.outbound.sms.getJob(jobIds.send(out[1]!.id))).toBeDefined();
  });

  it('records the answer to a walk-in resident without contact as given in person', async () => {
    const c = await register(ctx, t.road, {});
    expect((await api(ctx, t.road, 'POST', `/api/cases/${c.id}/replies`, { text: '설명드렸습니다.' })).json()).toEqual({ messageId: null });
    const close = await api(ctx, t.road, 'POST', `/api/cases/${c.id}/close`, { disposition: 'explained', text: '사유를 설명드렸습니다.' });
    expect(close.json()).toMatchObject({ status: 'closed', messageId: null });
    expect((await messagesOf(ctx, c.id)).filter((m) => m.direction === 'out')).toEqual([]);
    const row = await caseRow(ctx, c.id);
    expect(row.answered_at).not.toBeNull();
    const events = await eventsOf(ctx, c.id);
    expect(events.find((e) => e.type === 'closed')?.data).toMatchObject({ disposition: 'explained', text: '사유를 설명드렸습니다.', sent: false });
  });

  it('extends a deadline once, with a reason the resident receives on their channel', async () => {
    const c = await register(ctx, t.road, { phone: newPhone(), receivedAt: '2026-09-17T10:00:00+09:00' });
    const res = await api(ctx, t.road, 'POST', `/api/cases/${c.id}/extend`, { days: 3, reason: '현장 측량이 필요합니다' });
    expect(res.statusCode, res.body).toBe(200);
    // Tue 29 Sep 18:00 + 3 working days = Fri 2 Oct 18:00.
    expect(res.json()).toMatchObject({ id: c.id, dueAt: '2026-10-02T09:00:00.000Z', noticeMessageId: expect.any(Number) });
    const notice = (await messagesOf(ctx, c.id)).find((m) => m.id === res.json().noticeMessageId)!;
    expect(notice).toMatchObject({ direction: 'out', kind: 'interim', channel: 'sms', delivery_status: 'pending' });
    expect(notice.text).toContain(c.caseNumber);
    expect(notice.text).toContain('10월 2일(금) 18:00까지 연장');
    expect(notice.text).toContain('사유: 현장 측량이 필요합니다');
    expect(await ctx.app.queues.outbound.sms.getJob(jobIds.send(notice.id))).toBeDefined();
    const view = (await api(ctx, t.road, 'GET', `/api/cases/${c.id}`)).json();
    expect(view.deadline.extension).toMatchObject({ days: 3, reason: '현장 측량이 필요합니다' });
    expect(view.events.at(-1)).toMatchObject({ type: 'deadline_extended', data: { days: 3, notified: true } });

    const again = await api(ctx, t.road, 'POST', `/api/cases/${c.id}/extend`, { days: 1, reason: '추가 검토' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_extended');
  });

  it('sends the extension notice of a KakaoTalk case on KakaoTalk', async () => {
    const accepted = await acceptResidentMessage(
      ctx.db,
      {
        channel: 'kakao',
        provider: 'kakao',
        providerMessageId: null,
        from: { kind: 'kakao', userKey: `user-${phoneSeq++}`, plusfriendUserKey: null, appUserId: null, isFriend: false },
        text: '가로등이 꺼져 있어요',
        raw: {},
      },
      { threadWindowMinutes: 0 },
    );
    // Placed by a manager before the router reached it: the case gets its deadline then.
    expect((await api(ctx, t.manager, 'POST', `/api/cases/${accepted.caseId}/assign`, { department: 'ROAD' })).statusCode).toBe(200);
    expect((await caseRow(ctx, accepted.caseId)).deadline_days).toBe(7);
    const res = await api(ctx, t.road, 'POST', `/api/cases/${accepted.caseId}/extend`, { days: 2, reason: '부품 조달' });
    expect(res.statusCode, res.body).toBe(200);
    const notice = (await messagesOf(ctx, accepted.caseId)).find((m) => m.id === res.json().noticeMessageId);
    expect(notice).toMatchObject({ kind: 'interim', channel: 'kakao', delivery_status: 'pending' });
    expect(await ctx.app.queues.outbound.kakao.getJob(jobIds.send(notice!.id))).toBeDefined();
  });

  it('refuses an extension longer than the case’s own period, without a reason, or on a closed case', async () => {
    const c = await register(ctx, t.road, {});
    expect((await api(ctx, t.road, 'POST', `/api/cases/${c.id}/extend`, { days: 8, reason: '사유' })).json().error.code).toBe('extension_too_long');
    expect((await api(ctx, t.road, 'POST', `/api/cases/${c.id}/extend`, { days: 2, reason: '  ' })).json().error.code).toBe('reason_required');
    expect((await api(ctx, t.welfare, 'POST', `/api/cases/${c.id}/extend`, { days: 2, reason: '사유' })).statusCode).toBe(404);
    await api(ctx, t.road, 'POST', `/api/cases/${c.id}/close`, { disposition: 'exception' });
    expect((await api(ctx, t.road, 'POST', `/api/cases/${c.id}/extend`, { days: 2, reason: '사유' })).json().error.code).toBe('case_closed');
  });

  it('records that an extension could not be notified when the resident left no contact', async () => {
    const c = await register(ctx, t.road, {});
    const res = await api(ctx, t.road, 'POST', `/api/cases/${c.id}/extend`, { days: 2, reason: '자료 확인' });
    expect(res.json().noticeMessageId).toBeNull();
    expect((await eventsOf(ctx, c.id)).at(-1)).toMatchObject({ type: 'deadline_extended', data: { notified: false, messageId: null } });
  });

  it('lists overdue cases with ?overdue=true, and the rest with false', async () => {
    const late = await register(ctx, t.welfare, { receivedAt: '2026-09-17T10:00:00+09:00' });
    const fresh = await register(ctx, t.welfare, {});
    const list = async (overdue: string) =>
      (await api(ctx, t.welfare, 'GET', `/api/cases?overdue=${overdue}`)).json<{ items: { id: number; overdue: boolean }[] }>().items;
    const overdue = await list('true');
    expect(overdue.map((c) => c.id)).toEqual([late.id]);
    expect(overdue[0]!.overdue).toBe(true);
    expect((await list('false')).map((c) => c.id)).toEqual([fresh.id]);
    expect((await api(ctx, t.welfare, 'GET', '/api/cases?overdue=maybe')).statusCode).toBe(400);
  });

  it('sends an interim notice at most once, even when two jobs run together', async () => {
    const c = await register(ctx, t.welfare, { phone: newPhone(), receivedAt: '2026-09-17T10:00:00+09:00' });
    const results = await Promise.all([sendInterimNotice(ctx.db, c.id), sendInterimNotice(ctx.db, c.id)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already-sent', 'sent']);
    const notices = (await messagesOf(ctx, c.id)).filter((m) => m.kind === 'interim');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('처리기한은 9월 29일(화) 18:00');
    expect((await sendInterimNotice(ctx.db, c.id)).outcome).toBe('already-sent');

    const notDue = await register(ctx, t.welfare, {});
    expect((await sendInterimNotice(ctx.db, notDue.id)).outcome).toBe('not-due');
    const noContact = await register(ctx, t.welfare, { receivedAt: '2026-09-17T10:00:00+09:00' });
    expect((await sendInterimNotice(ctx.db, noContact.id)).outcome).toBe('no-contact');
    expect((await eventsOf(ctx, noContact.id)).at(-1)).toMatchObject({ type: 'interim_notice', data: { notified: false } });
    expect((await caseRow(ctx, noContact.id)).interim_notice_at).not.toBeNull();

    const spam = await register(ctx, t.welfare, { phone: newPhone(), receivedAt: '2026-09-17T10:00:00+09:00' });
    await ctx.db.updateTable('cases').set({ kind: 'spam' }).where('id', '=', spam.id).execute();
    expect((await casesDueForNotice(ctx.db, new Date(), 1000)).includes(spam.id)).toBe(false);
    expect((await sendInterimNotice(ctx.db, spam.id)).outcome).toBe('spam');
    expect((await messagesOf(ctx, spam.id)).filter((m) => m.direction === 'out')).toEqual([]);
  });
});

describe('scheduled interim notices and the daily digest (workers)', () => {
  let ctx: TestContext;
  let manager = '';
  let road = '';
  beforeAll(async () => {
    ctx = await createTestContext({ INTERIM_NOTICE_SCAN_SECONDS: '1', DAILY_DIGEST_AT: '07:45' });
    manager = await ctx.staffToken('manager', 'AUDIT');
    road = await ctx.staffToken('staff', 'ROAD');
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('registers the two job schedulers with deterministic ids, the digest in Seoul time', async () => {
    await ctx.startWorkers();
    const queue = createDeadlineQueue(workerConnectionOptions(ctx.config.redisUrl), ctx.config.queuePrefix, silentLogger);
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(['daily-digest', 'interim-notice-scan']);
      expect(schedulers.find((s) => s.key === 'daily-digest')).toMatchObject({ pattern: '0 45 7 * * *', tz: 'Asia/Seoul' });
      expect(schedulers.find((s) => s.key === 'interim-notice-scan')).toMatchObject({ every: 1000 });
    } finally {
      await queue.close();
    }
  });

  it('sends the interim notice of a case near its deadline once, through the SMS outbox', async () => {
    const c = await register(ctx, road, { phone: newPhone(), receivedAt: '2026-09-17T10:00:00+09:00' });
    const notice = await eventually(async () => (await messagesOf(ctx, c.id)).find((m) => m.kind === 'interim' && m.delivery_status === 'delivered'));
    expect(notice).toMatchObject({ channel: 'sms', provider: 'outbox' });
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two more scans
    expect((await messagesOf(ctx, c.id)).filter((m) => m.kind === 'interim')).toHaveLength(1);
    expect((await eventsOf(ctx, c.id)).filter((e) => e.type === 'interim_notice')).toHaveLength(1);
  });

  it('gives an open case from before deadlines existed its deadline', async () => {
    const numbers = await seedCases(ctx.db, [{ key: 'old', received: '2026-09-17T10:00', channel: 'sms', category: 'welfare', department: 'WELFARE' }], 'OLD');
    const row = await eventually(async () => {
      const r = await ctx.db.selectFrom('cases').selectAll().where('case_number', '=', numbers.old!).executeTakeFirstOrThrow();
      return r.due_at !== null ? r : undefined;
    });
    expect(row.due_at!.toISOString()).toBe('2026-09-29T09:00:00.000Z');
    expect(row.deadline_days).toBe(7);
  });

  it('gives a routed case its deadline, keeping a proposal a proposal', async () => {
    const c = await register(ctx, manager, { text: '기초생활수급 신청 절차를 온라인으로도 할 수 있게 해 주세요', kind: 'proposal' });
    const routed = await eventually(async () => {
      const row = await caseRow(ctx, c.id);
      return row.department_code !== null && row.due_at !== null ? row : undefined;
    });
    expect(routed.kind).toBe('proposal');
    expect(routed.deadline_days).toBe(14);
    expect(routed.notice_due_at!.getTime()).toBeLessThan(routed.due_at!.getTime());
  });

  it('stores the daily digest per department, counts only, readable by API', async () => {
    await register(ctx, road, { receivedAt: '2026-09-18T10:00:00+09:00' });
    const queue = createDeadlineQueue(workerConnectionOptions(ctx.config.redisUrl), ctx.config.queuePrefix, silentLogger);
    try {
      await queue.add('daily-digest', {});
    } finally {
      await queue.close();
    }
    const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
    const items = await eventually(async () => {
      const res = await api(ctx, manager, 'GET', `/api/reports/digests?day=${today}`);
      const body = res.json<{ items: { department: string }[] }>();
      return body.items.length > 0 ? body.items : undefined;
    });
    const departments = await ctx.db.selectFrom('departments').select('code').where('active', '=', true).execute();
    expect(items).toHaveLength(departments.length);
    // ROAD: the two September walk-ins above, both open and past due; none received or closed yesterday.
    expect(items.find((d) => d.department === 'ROAD')).toEqual({
      day: today, department: 'ROAD', open: 2, overdue: 2, dueToday: 0, receivedYesterday: 0, closedYesterday: 0,
    });
    expect(items.find((d) => d.department === 'PARKING')).toMatchObject({ open: 0, overdue: 0 });
    const own = (await api(ctx, road, 'GET', `/api/reports/digests?day=${today}`)).json<{ items: { department: string }[] }>();
    expect(own.items.map((d) => d.department)).toEqual(['ROAD']);
  });
});
