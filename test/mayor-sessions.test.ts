// The mayor's sessions (docs/mayor-sessions.md): 온데이트 volunteers by reply, a manager's choice
// and the notices; 찾아가는 구청장실 applications, scheduling and outcomes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { makeCase, newPhone } from './support/cases.js';
import { askSkill, skillRequest } from './support/kakao.js';
import { jobIds } from '../src/queues/queues.js';
import { CHECK_ANSWERS } from '../webhooks/kakao/skill-response.js';
import {
  ONDATE_KEYWORD,
  ONDATE_NOT_CHOSEN_NOTICE,
  ONDATE_OFFER_LINE,
  ONDATE_OPT_IN_ACK,
  ondateChosenNotice,
} from '../src/mayor-sessions/texts.js';
import { seoulMonth } from '../src/mayor-sessions/ondate.js';

let ctx: TestContext;
let manager: string;
let staff: string;

beforeAll(async () => {
  ctx = await createTestContext({ ONDATE_OFFER: 'on', KAKAO_SKILL_SECRET: 'test-secret', STAFF_API_RATE_PER_MINUTE: '100000' });
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
    const kakaoCase = await ctx.db
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select('cases.id')
      .where('residents.kakao_user_key', '=', userKey)
      .executeTakeFirstOrThrow();
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
});
