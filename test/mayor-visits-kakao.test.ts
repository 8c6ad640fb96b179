// 찾아가는 구청장실 by KakaoTalk (docs/mayor-sessions.md): a resident applies with the quick reply
// '구청장실 신청' through the real skill endpoint, Postgres and Redis; staff schedule it as any
// application and the notice goes back on KakaoTalk. MAYOR_VISIT_OFFER is off by default.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesOfKakaoResident } from './support/cases.js';
import { createTestContext, type TestContext } from './support/harness.js';
import { askSkill, skillRequest } from './support/kakao.js';
import { jobIds } from '../src/queues/queues.js';
import { CHECK_ANSWERS } from '../webhooks/kakao/skill-response.js';
import { HELP_TEXT } from '../webhooks/kakao/replies.js';
import {
  VISIT_KEYWORD,
  VISIT_OFFER_LINE,
  isVisitApplyReply,
  visitAlreadyAppliedAck,
  visitKakaoAck,
  visitScheduledNotice,
} from '../src/mayor-sessions/texts.js';

let ctx: TestContext;
let manager: string;
let staff: string;

beforeAll(async () => {
  ctx = await createTestContext({ MAYOR_VISIT_OFFER: 'on', ONDATE_OFFER: 'on', KAKAO_SKILL_SECRET: 'test-secret', STAFF_API_RATE_PER_MINUTE: '100000' });
  manager = await ctx.staffToken('manager');
  staff = await ctx.staffToken('staff', 'ROAD');
});
afterAll(async () => {
  await ctx?.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const newUserKey = () => randomBytes(16).toString('hex');
const labels = (reply: Awaited<ReturnType<typeof askSkill>>) => reply.response.template.quickReplies?.map((q) => q.label);

async function requestsOf(on: TestContext, userKey: string) {
  return on.db
    .selectFrom('mayor_visit_requests as v')
    .innerJoin('residents as r', 'r.id', 'v.resident_id')
    .innerJoin('cases as c', 'c.id', 'v.case_id')
    .select(['v.id', 'v.status', 'v.case_id', 'c.case_number', 'c.channel', 'c.kind', 'c.department_code', 'c.status as case_status'])
    .where('r.kakao_user_key', '=', userKey)
    .orderBy('v.id')
    .execute();
}

const casesOf = (on: TestContext, userKey: string) => casesOfKakaoResident(on.db, userKey);

describe('찾아가는 구청장실 by KakaoTalk', () => {
  it('reads the keyword only when it is the whole message', () => {
    expect([...VISIT_KEYWORD].length).toBeLessThanOrEqual(14);
    for (const yes of [VISIT_KEYWORD, '구청장실신청', ' 구청장실 신청! ', '찾아가는 구청장실', '찾아가는 구청장실 신청']) expect(isVisitApplyReply(yes), yes).toBe(true);
    for (const no of ['구청장실', '구청장실 신청은 어떻게 하나요?', '구청장실 앞 도로가 파였어요', '신청']) expect(isVisitApplyReply(no), no).toBe(false);
  });

  it('offers the quick reply with the help answer and with the acknowledgement', async () => {
    const userKey = newUserKey();
    const help = await askSkill(ctx.app, skillRequest({ userKey, utterance: '😀' }));
    expect(help.texts).toEqual([`${HELP_TEXT}\n\n${VISIT_OFFER_LINE}`]);
    expect(labels(help)).toEqual([CHECK_ANSWERS, VISIT_KEYWORD]);
    const written = await askSkill(ctx.app, skillRequest({ userKey, utterance: '경로당 앞 보도블록이 깨졌어요' }));
    expect(written.texts[0]).toMatch(/^민원이 접수되었습니다/);
    // With 온데이트 offered too (ONDATE_OFFER=on here), its quick reply comes before the visit's.
    expect(labels(written)).toEqual([CHECK_ANSWERS, '온데이트', VISIT_KEYWORD]);
  });

  it('takes the tap as an application of its own case, stored before the answer, and a repeat tap as the same application', async () => {
    const userKey = newUserKey();
    const tapped = await askSkill(ctx.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    const [request, ...more] = await requestsOf(ctx, userKey);
    expect(more).toEqual([]);
    expect(request).toMatchObject({ status: 'requested', channel: 'kakao', kind: 'proposal', department_code: null, case_status: 'received' });
    expect(tapped.texts).toEqual([visitKakaoAck(request!.case_number)]);
    expect(tapped.texts[0]).toContain('면담 일시와 장소가 정해지면 알려 드리겠습니다');
    expect(labels(tapped)).toEqual([CHECK_ANSWERS]);
    const messages = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', request!.case_id).orderBy('id').execute();
    expect(messages.map((m) => [m.direction, m.kind, m.channel, m.text, m.delivery_status])).toEqual([
      ['in', 'resident', 'kakao', VISIT_KEYWORD, null],
      ['out', 'acknowledgement', 'kakao', visitKakaoAck(request!.case_number), 'delivered'],
    ]);
    // The mayor's office schedules it: the router has nothing to do with it.
    expect(messages[0]!.routed_at).not.toBeNull();
    const events = await ctx.db.selectFrom('case_events').select('type').where('case_id', '=', request!.case_id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['received', 'visit_requested']);

    // Tapped again (or typed): still one application; the resident hears it is waiting.
    const again = await askSkill(ctx.app, skillRequest({ userKey, utterance: '찾아가는 구청장실' }));
    expect(again.texts).toEqual([visitAlreadyAppliedAck(request!.case_number, null)]);
    expect(await requestsOf(ctx, userKey)).toHaveLength(1);
    expect(await casesOf(ctx, userKey)).toHaveLength(1);
    const kept = await ctx.db.selectFrom('messages').select(['direction', 'text']).where('case_id', '=', request!.case_id).orderBy('id').execute();
    expect(kept.slice(2)).toEqual([
      { direction: 'in', text: '찾아가는 구청장실' },
      { direction: 'out', text: visitAlreadyAppliedAck(request!.case_number, null) },
    ]);
  });

  it("leaves the resident's petition threading as before: the next message does not join the application", async () => {
    const userKey = newUserKey();
    await askSkill(ctx.app, skillRequest({ userKey, utterance: '횡단보도 신호등이 고장났어요' }));
    const [petition] = await casesOf(ctx, userKey);
    await askSkill(ctx.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    const followUp = await askSkill(ctx.app, skillRequest({ userKey, utterance: '사거리 쪽 신호등입니다' }));
    expect(followUp.texts[0]).toContain(`접수번호 ${petition!.case_number} 민원에 추가했습니다`);
    const [request] = await requestsOf(ctx, userKey);
    expect(request!.case_id).not.toBe(petition!.id);
    const onApplication = await ctx.db.selectFrom('messages').select('text').where('case_id', '=', request!.case_id).where('direction', '=', 'in').execute();
    expect(onApplication).toEqual([{ text: VISIT_KEYWORD }]);
  });

  it('takes no follow-ups when it is the first case: the next message opens a case of its own, and the times are true', async () => {
    const userKey = newUserKey();
    const applied = await askSkill(ctx.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    const [request] = await requestsOf(ctx, userKey);
    expect(applied.texts[0]).toBe(visitKakaoAck(request!.case_number));
    const next = await askSkill(ctx.app, skillRequest({ userKey, utterance: '우리 동네 공원 화장실이 너무 더러워요' }));
    const cases = await casesOf(ctx, userKey);
    expect(cases).toHaveLength(2);
    const petition = cases.find((c) => c.id !== request!.case_id)!;
    expect(next.texts[0]).toContain(petition.case_number);
    expect(next.texts[0]).not.toContain(request!.case_number);
    // The application keeps the time it was received (no made-up date keeps it out of threading).
    const times = await ctx.db.selectFrom('cases').select(['received_at', 'last_resident_message_at']).where('id', '=', request!.case_id).executeTakeFirstOrThrow();
    expect(times.last_resident_message_at.getTime()).toBe(times.received_at.getTime());
    // A second message within the window joins the petition, never the application.
    const again = await askSkill(ctx.app, skillRequest({ userKey, utterance: '남자 화장실 쪽입니다' }));
    expect(again.texts[0]).toContain(`접수번호 ${petition.case_number} 민원에 추가했습니다`);
  });

  it("files a reply of '온데이트' on the petition, not on a later application", async () => {
    const userKey = newUserKey();
    await askSkill(ctx.app, skillRequest({ userKey, utterance: '주민센터 앞 인도에 자전거가 방치되어 있어요' }));
    const [petition] = await casesOf(ctx, userKey);
    await askSkill(ctx.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    await askSkill(ctx.app, skillRequest({ userKey, utterance: '온데이트' }));
    const volunteer = await ctx.db.selectFrom('ondate_volunteers').select('case_id').innerJoin('residents', 'residents.id', 'ondate_volunteers.resident_id').where('residents.kakao_user_key', '=', userKey).executeTakeFirstOrThrow();
    expect(volunteer.case_id).toBe(petition!.id);
  });

  it('is listed for managers in /api/visits and /console/visits, and the scheduling notice goes back on KakaoTalk', async () => {
    const userKey = newUserKey();
    await askSkill(ctx.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    const [request] = await requestsOf(ctx, userKey);

    expect((await ctx.app.inject({ method: 'GET', url: '/api/visits', headers: auth(staff) })).statusCode).toBe(403);
    const listed = await ctx.app.inject({ method: 'GET', url: '/api/visits', headers: auth(manager) });
    expect(listed.statusCode).toBe(200);
    const waiting = listed.json().waiting.find((w: { id: number }) => w.id === request!.id);
    expect(waiting).toMatchObject({ caseId: request!.case_id, caseNumber: request!.case_number, channel: 'kakao', status: 'requested', residentPhone: null });
    const page = await ctx.app.inject({ method: 'GET', url: '/console/visits', headers: auth(manager) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(request!.case_number);
    // No phone number to mask: the list says where the resident applied (and will be told).
    expect(page.body).toMatch(new RegExp(`${request!.case_number}</a></th><td class="nowrap">카카오톡</td>`));

    const startsAt = '2031-09-18T05:00:00.000Z';
    const session = await ctx.app.inject({ method: 'POST', url: '/api/visits/sessions', headers: auth(manager), payload: { startsAt, place: '약수동 주민센터' } });
    expect(session.statusCode, session.body).toBe(201);
    const scheduled = await ctx.app.inject({
      method: 'POST',
      url: `/api/visits/requests/${request!.id}/schedule`,
      headers: auth(manager),
      payload: { sessionId: session.json().id },
    });
    expect(scheduled.statusCode, scheduled.body).toBe(200);
    const noticeId = scheduled.json().noticeMessageId as number;
    const notice = await ctx.db.selectFrom('messages').select(['case_id', 'channel', 'kind', 'text']).where('id', '=', noticeId).executeTakeFirstOrThrow();
    const text = visitScheduledNotice(new Date(startsAt), '약수동 주민센터');
    expect(notice).toEqual({ case_id: request!.case_id, channel: 'kakao', kind: 'interim', text });
    expect((await ctx.app.queues.outbound.kakao.getJob(jobIds.send(noticeId)))?.data).toEqual({ messageId: noticeId });
    // No Event API here: the resident reads it with '답변 확인'.
    const pulled = await askSkill(ctx.app, skillRequest({ userKey, utterance: CHECK_ANSWERS }));
    expect(pulled.texts.join('\n')).toContain(text);
    // Asking again meanwhile: they are told the date and place.
    const again = await askSkill(ctx.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    expect(again.texts).toEqual([visitAlreadyAppliedAck(request!.case_number, { startsAt: new Date(startsAt), place: '약수동 주민센터' })]);
    expect(await requestsOf(ctx, userKey)).toHaveLength(1);
  });
});

describe('MAYOR_VISIT_OFFER off (the default)', () => {
  let off: TestContext;
  beforeAll(async () => {
    off = await createTestContext({ KAKAO_SKILL_SECRET: 'test-secret' });
  });
  afterAll(async () => {
    await off?.close();
  });

  it("offers nothing, and '구청장실 신청' is an ordinary message", async () => {
    const userKey = newUserKey();
    const help = await askSkill(off.app, skillRequest({ userKey, utterance: '😀' }));
    expect(help.texts).toEqual([HELP_TEXT]);
    expect(labels(help)).toEqual([CHECK_ANSWERS]);
    const tapped = await askSkill(off.app, skillRequest({ userKey, utterance: VISIT_KEYWORD }));
    expect(tapped.texts[0]).toMatch(/^민원이 접수되었습니다/);
    expect(labels(tapped)).toEqual([CHECK_ANSWERS]);
    expect(await casesOf(off, userKey)).toHaveLength(1);
    expect(await off.db.selectFrom('mayor_visit_requests').select('id').execute()).toEqual([]);
  });
});
