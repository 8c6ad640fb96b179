// The mayor's sessions (docs/mayor-sessions.md): 온데이트 volunteers by reply, a manager's choice
// and the notices; 찾아가는 구청장실 applications, scheduling and outcomes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, inboundSms, postSignedTwilio, silentLogger, type TestContext } from './support/harness.js';
import { receiveResidentMessage } from '../src/intake/receive-message.js';
import { makeCase, newPhone, casesOfKakaoResident } from './support/cases.js';
import { askSkill, skillRequest } from './support/kakao.js';
import { jobIds } from '../src/queues/queues.js';
import { CHECK_ANSWERS } from '../webhooks/kakao/skill-response.js';
import {
  ONDATE_KEYWORD,
  ONDATE_NOT_CHOSEN_NOTICE,
  ONDATE_OFFER_LINE,
  ONDATE_OPT_IN_ACK,
  ondateChosenNotice,
  visitRequestAck,
  visitScheduledNotice,
} from '../src/mayor-sessions/texts.js';
import { seoulMonth } from '../src/mayor-sessions/ondate.js';
import { seoulDate } from '../src/domain/seoul-time.js';
import { csrfToken } from '../src/staff/session.js';

const HOMEPAGE_SECRET = 'homepage-form-secret';
let ctx: TestContext;
let manager: string;
let staff: string;

beforeAll(async () => {
  ctx = await createTestContext({
    ONDATE_OFFER: 'on',
    KAKAO_SKILL_SECRET: 'test-secret',
    STAFF_API_RATE_PER_MINUTE: '100000',
    HOMEPAGE_FORM_SECRET: HOMEPAGE_SECRET,
  });
  manager = await ctx.staffToken('manager');
  staff = await ctx.staffToken('staff', 'ROAD');
});
afterAll(async () => {
  await ctx?.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function smsFrom(phone: string, body: string, sid = `SM${randomBytes(16).toString('hex')}`) {
  const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: body, MessageSid: sid }));
  expect(res.statusCode).toBe(200);
  return res.body;
}

const casesOf = (residentId: number) =>
  ctx.db.selectFrom('cases').select(['id', 'case_number']).where('resident_id', '=', residentId).orderBy('id').execute();

describe('온데이트: volunteering by reply', () => {
  it("records an SMS reply of '온데이트' on the sender's latest case, as an opt-in, never a new case", async () => {
    const older = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    const latest = await makeCase(ctx.db, { department: 'PARKING', status: 'closed', phone: older.phone });
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const twiml = await smsFrom(older.phone, ' 온데이트 ', sid);
    expect(twiml).toContain(ONDATE_OPT_IN_ACK);

    expect((await casesOf(older.residentId)).map((c) => c.id)).toEqual([older.caseId, latest.caseId]);
    const messages = await ctx.db.selectFrom('messages').select(['direction', 'kind', 'text', 'routed_at']).where('case_id', '=', latest.caseId).orderBy('id').execute();
    // The reply is stored on the case, with the acknowledgement it was given.
    expect(messages.slice(-2)).toMatchObject([
      { direction: 'in', kind: 'resident', text: ' 온데이트 ' },
      { direction: 'out', kind: 'acknowledgement', text: ONDATE_OPT_IN_ACK },
    ]);
    expect(messages.at(-2)!.routed_at).not.toBeNull();
    const volunteer = await ctx.db.selectFrom('ondate_volunteers').selectAll().where('resident_id', '=', older.residentId).executeTakeFirstOrThrow();
    expect(volunteer).toMatchObject({ case_id: latest.caseId, status: 'volunteered', month: seoulMonth(new Date()) });

    // Twilio re-sending the webhook: answered once, stored once.
    const again = await smsFrom(older.phone, ' 온데이트 ', sid);
    expect(again).not.toContain(ONDATE_OPT_IN_ACK);
    // A second reply the same month is stored, and still one volunteer.
    await smsFrom(older.phone, '온데이트 신청');
    expect(await ctx.db.selectFrom('messages').select('id').where('case_id', '=', latest.caseId).where('direction', '=', 'in').execute()).toHaveLength(3);
    expect(await ctx.db.selectFrom('ondate_volunteers').select('id').where('resident_id', '=', older.residentId).execute()).toHaveLength(1);
    expect((await casesOf(older.residentId)).length).toBe(2);

    // The staff API shows it on the case.
    const res = await ctx.app.inject({ method: 'GET', url: `/api/cases/${latest.caseId}`, headers: auth(manager) });
    expect(res.statusCode).toBe(200);
    expect(res.json().mayorSessions.ondate).toEqual([
      expect.objectContaining({ id: volunteer.id, caseId: latest.caseId, status: 'volunteered', sessionAt: null, category: 'traffic' }),
    ]);
    expect(res.json().events.map((e: { type: string }) => e.type)).toContain('ondate_opt_in');
  });

  it("acknowledges a domestic gateway's reply (which cannot answer inline) through the outbound queue", async () => {
    const c = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    const deps = {
      db: ctx.db,
      queues: ctx.app.queues,
      buffer: ctx.app.intake.buffer,
      inbox: ctx.app.intake.inbox,
      storeTimeoutMs: 2000,
      ondate: true,
      consentRetentionDays: ctx.config.notices.consentRetentionDays,
    };
    const receipt = await receiveResidentMessage(
      deps,
      {
        channel: 'sms',
        provider: 'munja',
        providerMessageId: `mo-${randomBytes(6).toString('hex')}`,
        sender: { phone: c.phone },
        text: '온데이트',
        raw: {},
        acknowledgement: null,
        acknowledgementStatus: 'pending',
      },
      silentLogger,
    );
    expect(receipt).toEqual({ outcome: 'opted-in', caseNumber: expect.any(String), acknowledgement: ONDATE_OPT_IN_ACK });
    const ack = await ctx.db
      .selectFrom('messages')
      .select(['id', 'provider', 'delivery_status', 'text'])
      .where('case_id', '=', c.caseId)
      .where('kind', '=', 'acknowledgement')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(ack).toMatchObject({ provider: 'pending', delivery_status: 'pending', text: ONDATE_OPT_IN_ACK });
    expect((await ctx.app.queues.outbound.sms.getJob(jobIds.send(ack.id)))?.data).toEqual({ messageId: ack.id });
  });

  it('files the keyword as an ordinary message from someone with no case yet, and a sentence mentioning it too', async () => {
    const phone = newPhone();
    await smsFrom(phone, ONDATE_KEYWORD);
    const resident = await ctx.db.selectFrom('residents').select('id').where('phone', '=', phone).executeTakeFirstOrThrow();
    expect(await casesOf(resident.id)).toHaveLength(1);
    expect(await ctx.db.selectFrom('ondate_volunteers').select('id').where('resident_id', '=', resident.id).execute()).toEqual([]);

    const other = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    await smsFrom(other.phone, '온데이트가 무엇인가요? 골목 가로등도 고쳐 주세요');
    expect(await casesOf(other.residentId)).toHaveLength(2);
  });

  it('offers 온데이트 as a KakaoTalk quick reply and takes the tap as an opt-in', async () => {
    const userKey = randomBytes(16).toString('hex');
    const first = await askSkill(ctx.app, skillRequest({ userKey, utterance: '공원 화장실이 너무 더러워요' }));
    expect(first.response.template.quickReplies?.map((q) => q.label)).toEqual([CHECK_ANSWERS, ONDATE_KEYWORD]);
    const tapped = await askSkill(ctx.app, skillRequest({ userKey, utterance: ONDATE_KEYWORD }));
    expect(tapped.texts).toEqual([ONDATE_OPT_IN_ACK]);
    expect(tapped.response.template.quickReplies?.map((q) => q.label)).toEqual([CHECK_ANSWERS]);
    const resident = await ctx.db.selectFrom('residents').select('id').where('kakao_user_key', '=', userKey).executeTakeFirstOrThrow();
    const cases = await casesOf(resident.id);
    expect(cases).toHaveLength(1);
    const volunteer = await ctx.db.selectFrom('ondate_volunteers').select(['case_id', 'status']).where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
    expect(volunteer).toEqual({ case_id: cases[0]!.id, status: 'volunteered' });
  });

  it('ends a closing SMS answer with the offer line (within the SMS answer limit), and leaves a KakaoTalk answer as written', async () => {
    const sms = await makeCase(ctx.db, { department: 'ROAD' });
    const closed = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${sms.caseId}/close`,
      headers: auth(staff),
      payload: { disposition: 'resolved', text: '보도블록을 교체했습니다.' },
    });
    expect(closed.statusCode).toBe(200);
    const answer = await ctx.db.selectFrom('messages').select('text').where('id', '=', closed.json().messageId).executeTakeFirstOrThrow();
    expect(answer.text).toBe(`보도블록을 교체했습니다.\n\n${ONDATE_OFFER_LINE}`);

    const userKey = randomBytes(16).toString('hex');
    await askSkill(ctx.app, skillRequest({ userKey, utterance: '놀이터 그네가 부서졌어요' }));
    const kakaoCase = (await casesOfKakaoResident(ctx.db, userKey))[0]!;
    const kakaoClosed = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${kakaoCase.id}/close`,
      headers: auth(manager),
      payload: { disposition: 'resolved', text: '그네를 고쳤습니다.' },
    });
    const kakaoAnswer = await ctx.db.selectFrom('messages').select('text').where('id', '=', kakaoClosed.json().messageId).executeTakeFirstOrThrow();
    expect(kakaoAnswer.text).toBe('그네를 고쳤습니다.');
  });
});

describe('온데이트: the manager chooses', () => {
  it("lists the month's volunteers by category, chooses some, and tells every volunteer on their channel", async () => {
    const month = '2031-04';
    // Three volunteers of one month, two categories (written directly: the reply path is tested above).
    const road = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    const road2 = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    const parking = await makeCase(ctx.db, { department: 'PARKING', status: 'closed' });
    const ids: number[] = [];
    for (const c of [road, road2, parking]) {
      const row = await ctx.db
        .insertInto('ondate_volunteers')
        .values({ case_id: c.caseId, resident_id: c.residentId, month })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    const [roadId, road2Id, parkingId] = ids as [number, number, number];

    const listed = await ctx.app.inject({ method: 'GET', url: `/api/ondate/volunteers?month=${month}`, headers: auth(manager) });
    expect(listed.statusCode).toBe(200);
    const body = listed.json();
    expect(body.counts).toEqual({ volunteers: 3, chosen: 0, notChosen: 0, undecided: 3 });
    const byCategory = Object.fromEntries(body.categories.map((c: { category: string; volunteers: { id: number }[] }) => [c.category, c.volunteers.map((v) => v.id)]));
    expect(byCategory).toEqual({ roads: [roadId, road2Id], traffic: [parkingId] });
    expect(body.categories[0].volunteers[0].residentPhone).toMatch(/\*/);

    const sessionAt = '2031-04-17T05:00:00.000Z';
    const chosen = await ctx.app.inject({
      method: 'POST',
      url: '/api/ondate/selections',
      headers: auth(manager),
      payload: { month, chosen: [roadId, parkingId], sessionAt, mode: 'video' },
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json()).toEqual({ month, chosen: 2, notChosen: 1, notices: 3 });

    const rows = await ctx.db.selectFrom('ondate_volunteers').selectAll().where('month', '=', month).orderBy('id').execute();
    expect(rows.map((r) => [r.status, r.mode, r.session_at?.toISOString() ?? null])).toEqual([
      ['chosen', 'video', sessionAt],
      ['not_chosen', null, null],
      ['chosen', 'video', sessionAt],
    ]);
    for (const row of rows) {
      const notice = await ctx.db.selectFrom('messages').selectAll().where('id', '=', row.notice_message_id!).executeTakeFirstOrThrow();
      expect(notice).toMatchObject({ case_id: row.case_id, direction: 'out', kind: 'interim', channel: 'sms', delivery_status: 'pending' });
      expect(notice.text).toBe(row.status === 'chosen' ? ondateChosenNotice(new Date(sessionAt), 'video') : ONDATE_NOT_CHOSEN_NOTICE);
      // Through the outbound queue, by id only.
      expect((await ctx.app.queues.outbound.sms.getJob(jobIds.send(notice.id)))?.data).toEqual({ messageId: notice.id });
    }
    expect(ondateChosenNotice(new Date(sessionAt), 'video')).toContain('4/17(목) 14:00');

    const detail = await ctx.app.inject({ method: 'GET', url: `/api/cases/${road.caseId}`, headers: auth(manager) });
    expect(detail.json().mayorSessions.ondate[0]).toMatchObject({ status: 'chosen', sessionAt, mode: 'video' });
    expect(detail.json().events.map((e: { type: string }) => e.type)).toContain('ondate_decided');

    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'ondate.decided').execute();
    expect(audit).toEqual([{ action: 'ondate.decided', detail: { month, chosen: 2, notChosen: 1 } }]);

    // Decided: nobody left to choose this month.
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/api/ondate/selections',
      headers: auth(manager),
      payload: { month, chosen: [road2Id], sessionAt, mode: 'phone' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('no_volunteers');
  });

  it('refuses a volunteer of another month, a time in the past, and staff who are not managers', async () => {
    const c = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    const v = await ctx.db.insertInto('ondate_volunteers').values({ case_id: c.caseId, resident_id: c.residentId, month: '2031-05' }).returning('id').executeTakeFirstOrThrow();
    const post = (payload: Record<string, unknown>, token = manager) =>
      ctx.app.inject({ method: 'POST', url: '/api/ondate/selections', headers: auth(token), payload });
    const other = await post({ month: '2031-05', chosen: [v.id + 1000], sessionAt: '2031-05-20T05:00:00Z', mode: 'phone' });
    expect([other.statusCode, other.json().error.code]).toEqual([400, 'unknown_volunteer']);
    const past = await post({ month: '2031-05', chosen: [v.id], sessionAt: '2020-05-20T05:00:00Z', mode: 'phone' });
    expect([past.statusCode, past.json().error.code]).toEqual([400, 'invalid_date']);
    const notManager = await post({ month: '2031-05', chosen: [v.id], sessionAt: '2031-05-20T05:00:00Z', mode: 'phone' }, staff);
    expect(notManager.statusCode).toBe(403);
    expect((await ctx.db.selectFrom('ondate_volunteers').select('status').where('id', '=', v.id).executeTakeFirstOrThrow()).status).toBe('volunteered');
  });
});

const apply = (payload: Record<string, unknown>, secret: string | null = HOMEPAGE_SECRET, on = ctx) =>
  on.app.inject({
    method: 'POST',
    url: '/webhooks/homepage/visit-requests',
    headers: secret === null ? {} : { 'x-homepage-secret': secret },
    payload: { type: 'mayor_visit', ...payload },
  });

/** The 찾아가는 구청장실 application a case (by its 접수번호) is. */
const requestOf = (caseNumber: string) =>
  ctx.db
    .selectFrom('mayor_visit_requests')
    .innerJoin('cases', 'cases.id', 'mayor_visit_requests.case_id')
    .select(['mayor_visit_requests.id', 'cases.id as caseId', 'cases.resident_id'])
    .where('cases.case_number', '=', caseNumber)
    .executeTakeFirstOrThrow();

describe('찾아가는 구청장실', () => {
  it('takes an application from the homepage form (with its secret) as a web case, once, and acknowledges it by SMS', async () => {
    const formId = `form-${randomBytes(6).toString('hex')}`;
    const phone = newPhone();
    const payload = { formId, text: '신당동 재개발 일정에 대해 구청장님과 이야기하고 싶습니다', phone: phone.replace('+82', '0') };
    expect((await apply(payload, null)).statusCode).toBe(403);
    expect((await apply(payload, 'wrong')).statusCode).toBe(403);
    const res = await apply(payload);
    expect(res.statusCode, res.body).toBe(201);
    const { caseNumber } = res.json();
    const theCase = await ctx.db.selectFrom('cases').selectAll().where('case_number', '=', caseNumber).executeTakeFirstOrThrow();
    expect(theCase).toMatchObject({ channel: 'web', kind: 'proposal', department_code: null, status: 'received' });
    const messages = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', theCase.id).orderBy('id').execute();
    expect(messages.map((m) => [m.direction, m.kind, m.channel, m.provider])).toEqual([
      ['in', 'resident', 'web', 'homepage'],
      ['out', 'interim', 'sms', 'pending'],
    ]);
    expect(messages[1]!.text).toBe(visitRequestAck(caseNumber));
    expect((await ctx.app.queues.outbound.sms.getJob(jobIds.send(messages[1]!.id)))?.data).toEqual({ messageId: messages[1]!.id });
    expect(await ctx.db.selectFrom('mayor_visit_requests').select(['status', 'case_id']).where('case_id', '=', theCase.id).execute()).toEqual([
      { status: 'requested', case_id: theCase.id },
    ]);
    // The homepage posting it again: the same application.
    const again = await apply(payload);
    expect([again.statusCode, again.json()]).toEqual([200, { caseNumber, duplicate: true }]);
    expect(await ctx.db.selectFrom('mayor_visit_requests').select('id').where('case_id', '=', theCase.id).execute()).toHaveLength(1);
    const bad = await apply({ formId: 'x', text: '면담 신청', phone: '12' });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'invalid_phone']);
  });

  it('schedules applicants into a session, tells them, and records the outcome, opening or joining a case', async () => {
    const phone = newPhone();
    const first = (await apply({ formId: `f-${randomBytes(6).toString('hex')}`, text: '골목 주차 문제로 면담 신청', phone })).json();
    const second = (await apply({ formId: `f-${randomBytes(6).toString('hex')}`, text: '공원 조성 건의' })).json();
    const r1 = await requestOf(first.caseNumber);
    const r2 = await requestOf(second.caseNumber);

    const early = await ctx.app.inject({ method: 'POST', url: `/api/visits/requests/${r1.id}/outcome`, headers: auth(manager), payload: { outcome: 'met' } });
    expect([early.statusCode, early.json().error.code]).toEqual([409, 'visit_not_scheduled']);

    const startsAt = '2031-06-12T05:00:00.000Z';
    const session = await ctx.app.inject({ method: 'POST', url: '/api/visits/sessions', headers: auth(manager), payload: { startsAt, place: '신당동 주민센터' } });
    expect(session.statusCode, session.body).toBe(201);
    const sessionId = session.json().id;
    const listed = await ctx.app.inject({ method: 'GET', url: '/api/visits', headers: auth(manager) });
    expect(listed.json().waiting.map((w: { id: number }) => w.id)).toEqual(expect.arrayContaining([r1.id, r2.id]));

    for (const r of [r1, r2]) {
      const res = await ctx.app.inject({ method: 'POST', url: `/api/visits/requests/${r.id}/schedule`, headers: auth(manager), payload: { sessionId } });
      expect(res.statusCode, res.body).toBe(200);
    }
    const scheduled = (await ctx.app.inject({ method: 'GET', url: '/api/visits', headers: auth(manager) })).json();
    const inSession = scheduled.sessions.find((s: { id: number }) => s.id === sessionId);
    expect(inSession.requests.map((r: { id: number; status: string }) => [r.id, r.status])).toEqual([[r1.id, 'scheduled'], [r2.id, 'scheduled']]);
    // Told by SMS where a number was left; the other (no contact) is not told.
    const notice = await ctx.db.selectFrom('mayor_visit_requests').select('notice_message_id').where('id', '=', r1.id).executeTakeFirstOrThrow();
    const text = await ctx.db.selectFrom('messages').select(['text', 'channel']).where('id', '=', notice.notice_message_id!).executeTakeFirstOrThrow();
    expect(text).toEqual({ text: visitScheduledNotice(new Date(startsAt), '신당동 주민센터'), channel: 'sms' });
    expect(text.text).toContain('6/12(목) 14:00 신당동 주민센터');
    expect((await ctx.db.selectFrom('mayor_visit_requests').select('notice_message_id').where('id', '=', r2.id).executeTakeFirstOrThrow()).notice_message_id).toBeNull();

    // Met: what they raised becomes a ROAD case with the note as its text.
    const met = await ctx.app.inject({
      method: 'POST',
      url: `/api/visits/requests/${r1.id}/outcome`,
      headers: auth(manager),
      payload: { outcome: 'met', note: '골목 불법주차 단속 요청, 현장 확인 필요', openCase: { department: 'ROAD' } },
    });
    expect(met.statusCode, met.body).toBe(200);
    const opened = await ctx.db.selectFrom('cases').selectAll().where('id', '=', met.json().outcomeCaseId).executeTakeFirstOrThrow();
    expect(opened).toMatchObject({ channel: 'visit', department_code: 'ROAD', status: 'assigned', resident_id: r1.resident_id });
    expect(opened.due_at).not.toBeNull();
    const application = await ctx.db.selectFrom('cases').select(['status', 'disposition_code']).where('id', '=', r1.caseId).executeTakeFirstOrThrow();
    expect(application).toEqual({ status: 'closed', disposition_code: 'resolved' });
    const detail = (await ctx.app.inject({ method: 'GET', url: `/api/cases/${opened.id}`, headers: auth(manager) })).json();
    expect(detail.messages[0].text).toBe('골목 불법주차 단속 요청, 현장 확인 필요');
    expect(detail.mayorSessions.visits).toEqual([expect.objectContaining({ id: r1.id, status: 'met', outcomeCaseId: opened.id, caseNumber: first.caseNumber })]);
    expect(detail.events.map((e: { type: string }) => e.type)).toContain('visit_linked');

    // Met, joining a case the resident already has.
    const existing = await makeCase(ctx.db, { department: 'PARKING' });
    const joined = await ctx.app.inject({
      method: 'POST',
      url: `/api/visits/requests/${r2.id}/outcome`,
      headers: auth(manager),
      payload: { outcome: 'met', note: '공원 부지 관련 기존 민원과 같은 건', joinCaseId: existing.caseId },
    });
    expect([joined.statusCode, joined.json().outcomeCaseId]).toEqual([200, existing.caseId]);
    const again = await ctx.app.inject({ method: 'POST', url: `/api/visits/requests/${r2.id}/outcome`, headers: auth(manager), payload: { outcome: 'no_show' } });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'visit_done']);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', 'in', ['visit.session_created', 'visit.scheduled', 'visit.outcome_recorded']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['visit.outcome_recorded', 'visit.outcome_recorded', 'visit.scheduled', 'visit.scheduled', 'visit.session_created']);
  });
});

describe('reports', () => {
  it("counts the period's volunteers, those chosen, applications and meetings in the summary JSON", async () => {
    const today = seoulDate(new Date());
    const res = await ctx.app.inject({ method: 'GET', url: `/api/reports/summary?from=${today}&to=${today}`, headers: auth(manager) });
    expect(res.statusCode, res.body).toBe(200);
    // Written by the tests above, today: 온데이트 volunteers (7, of whom the 2 chosen), 3 applications, 2 meetings held.
    expect(res.json().mayorSessions).toEqual({ ondate: { volunteers: 7, chosen: 2 }, visits: { applied: 3, met: 2 } });
    // A department's report counts its own cases: ROAD's volunteers, and the application whose meeting opened a ROAD case.
    const road = await ctx.app.inject({ method: 'GET', url: `/api/reports/summary?from=${today}&to=${today}`, headers: auth(staff) });
    expect(road.json().mayorSessions).toEqual({ ondate: { volunteers: 4, chosen: 1 }, visits: { applied: 1, met: 1 } });
  });
});

describe('console pages (/console/ondate, /console/visits)', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const page = (token: string, url: string) => ctx.app.inject({ method: 'GET', url, cookies: { sotong_console: token } });
  const submit = (token: string, url: string, fields: [string, string][]) =>
    ctx.app.inject({
      method: 'POST',
      url,
      headers: FORM,
      cookies: { sotong_console: token },
      payload: new URLSearchParams([...fields, ['_csrf', csrfToken(token)]]).toString(),
    });

  it('lets a manager choose 온데이트 volunteers from the page, and refuses staff', async () => {
    const month = '2031-07';
    const ids: number[] = [];
    for (const department of ['ROAD', 'ROAD', 'PARKING']) {
      const c = await makeCase(ctx.db, { department, status: 'closed' });
      ids.push((await ctx.db.insertInto('ondate_volunteers').values({ case_id: c.caseId, resident_id: c.residentId, month }).returning('id').executeTakeFirstOrThrow()).id);
    }
    expect((await page(staff, `/console/ondate?month=${month}`)).statusCode).toBe(403);
    const shown = await page(manager, `/console/ondate?month=${month}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('신청 3명');
    for (const id of ids) expect(shown.body).toContain(`name="chosen" value="${id}"`);

    const noTime = await submit(manager, '/console/ondate', [['month', month], ['chosen', String(ids[0])], ['mode', 'phone'], ['sessionAt', '']]);
    expect(noTime.statusCode).toBe(400);
    expect(noTime.body).toContain('일시는 앞으로의 날짜와 시간으로');

    const ok = await submit(manager, '/console/ondate', [['month', month], ['chosen', String(ids[0])], ['chosen', String(ids[2])], ['mode', 'phone'], ['sessionAt', '2031-07-10T15:30']]);
    expect(ok.statusCode, ok.body).toBe(303);
    const rows = await ctx.db.selectFrom('ondate_volunteers').select(['status', 'mode', 'session_at']).where('month', '=', month).orderBy('id').execute();
    expect(rows.map((r) => [r.status, r.mode, r.session_at?.toISOString() ?? null])).toEqual([
      ['chosen', 'phone', '2031-07-10T06:30:00.000Z'],
      ['not_chosen', null, null],
      ['chosen', 'phone', '2031-07-10T06:30:00.000Z'],
    ]);
    expect((await page(manager, `/console/ondate?month=${month}&done=ondate`)).body).toContain('선정 2명');
  });

  it('lets a manager make a session, schedule an applicant and record the meeting from the page', async () => {
    const applied = (await apply({ formId: `f-${randomBytes(6).toString('hex')}`, text: '경로당 운영 관련 면담', phone: newPhone() })).json();
    const request = await requestOf(applied.caseNumber);
    expect((await page(staff, '/console/visits')).statusCode).toBe(403);
    const made = await submit(manager, '/console/visits/sessions', [['startsAt', '2031-08-20T10:00'], ['place', '황학동 주민센터']]);
    expect(made.statusCode, made.body).toBe(303);
    const session = await ctx.db.selectFrom('mayor_visit_sessions').select(['id', 'starts_at']).where('place', '=', '황학동 주민센터').executeTakeFirstOrThrow();
    expect(session.starts_at.toISOString()).toBe('2031-08-20T01:00:00.000Z');
    const shown = await page(manager, '/console/visits');
    expect(shown.body).toContain(applied.caseNumber);
    expect(shown.body).toContain('황학동 주민센터');

    expect((await submit(manager, `/console/visits/requests/${request.id}/schedule`, [['sessionId', String(session.id)]])).statusCode).toBe(303);
    const refused = await submit(manager, `/console/visits/requests/${request.id}/outcome`, [['outcome', 'met'], ['note', ''], ['department', 'ROAD'], ['joinCaseId', '']]);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('면담 내용을 적어 주세요');
    const done = await submit(manager, `/console/visits/requests/${request.id}/outcome`, [['outcome', 'met'], ['note', '경로당 난방비 지원 요청'], ['department', 'ROAD'], ['joinCaseId', '']]);
    expect(done.statusCode, done.body).toBe(303);
    const row = await ctx.db.selectFrom('mayor_visit_requests').select(['status', 'outcome_case_id']).where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('met');
    expect(row.outcome_case_id).not.toBeNull();
  });

  it("joins the meeting to an existing case by the 접수번호 staff see, and refuses one that names no case", async () => {
    const applied = (await apply({ formId: `f-${randomBytes(6).toString('hex')}`, text: '공원 조성 관련 면담', phone: newPhone() })).json();
    const request = await requestOf(applied.caseNumber);
    const existing = await makeCase(ctx.db, { department: 'ROAD' });
    const existingNumber = (await ctx.db.selectFrom('cases').select('case_number').where('id', '=', existing.caseId).executeTakeFirstOrThrow()).case_number;
    const made = await submit(manager, '/console/visits/sessions', [['startsAt', '2031-09-20T10:00'], ['place', '광희동 주민센터']]);
    expect(made.statusCode, made.body).toBe(303);
    const session = await ctx.db.selectFrom('mayor_visit_sessions').select('id').where('place', '=', '광희동 주민센터').executeTakeFirstOrThrow();
    expect((await submit(manager, `/console/visits/requests/${request.id}/schedule`, [['sessionId', String(session.id)]])).statusCode).toBe(303);

    for (const typed of ['1999-999999', '기존 민원']) {
      const refused = await submit(manager, `/console/visits/requests/${request.id}/outcome`, [['outcome', 'met'], ['note', '공원 부지 관련'], ['department', ''], ['joinCaseId', typed]]);
      expect(refused.statusCode, typed).toBe(400);
      expect(refused.body).toContain('연결할 수 있는 민원이 아닙니다');
    }
    const done = await submit(manager, `/console/visits/requests/${request.id}/outcome`, [['outcome', 'met'], ['note', '공원 부지 관련'], ['department', ''], ['joinCaseId', existingNumber!]]);
    expect(done.statusCode, done.body).toBe(303);
    const row = await ctx.db.selectFrom('mayor_visit_requests').select(['status', 'outcome_case_id']).where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'met', outcome_case_id: existing.caseId });
  });
});

describe('온데이트 off (the default)', () => {
  let off: TestContext;
  beforeAll(async () => {
    off = await createTestContext({ KAKAO_SKILL_SECRET: 'test-secret' });
  });
  afterAll(async () => {
    await off?.close();
  });

  it("offers nothing, and a reply of '온데이트' is an ordinary message", async () => {
    const c = await makeCase(off.db, { department: 'ROAD', status: 'closed' });
    const res = await postSignedTwilio(off.app, '/webhooks/sms/twilio', inboundSms({ From: c.phone, Body: ONDATE_KEYWORD }));
    expect(res.body).not.toContain(ONDATE_OPT_IN_ACK);
    expect(await off.db.selectFrom('cases').select('id').where('resident_id', '=', c.residentId).execute()).toHaveLength(2);
    expect(await off.db.selectFrom('ondate_volunteers').select('id').execute()).toEqual([]);
    const kakao = await askSkill(off.app, skillRequest({ userKey: randomBytes(16).toString('hex'), utterance: '버스 정류장 의자가 없어요' }));
    expect(kakao.response.template.quickReplies?.map((q) => q.label)).toEqual([CHECK_ANSWERS]);
  });

  it('refuses homepage applications without HOMEPAGE_FORM_SECRET', async () => {
    const res = await apply({ formId: 'f1', text: '면담 신청합니다' }, 'anything', off);
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'secret_unverifiable']);
  });
});
