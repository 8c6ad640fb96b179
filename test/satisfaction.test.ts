// The satisfaction question (docs/satisfaction.md): asked once when a case closes with an
// answer, on the resident's channel; the reply is recorded on the closed case, never a new one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, fileInbox, inboundSms, postSignedTwilio, postSignedTwilioOnly, type TestContext } from './support/harness.js';
import { makeCase, newPhone, casesOfKakaoResident } from './support/cases.js';
import { askSkill, skillRequest, SKILL_SECRET } from './support/kakao.js';
import {
  appendSmsQuestion,
  kakaoQuestion,
  SATISFACTION_CHOICES,
  SATISFACTION_THANKS,
  scoreOf,
  smsQuestion,
  SMS_QUESTION_SUFFIX,
} from '../src/satisfaction/satisfaction.js';
import { eucKrByteLength, isKsX1001 } from '../src/outbound/sms-text.js';
import { sendStoredMessage } from '../src/outbound/send-message.js';
import { TransientSendError } from '../src/outbound/channel.js';
import { seoulDate } from '../src/domain/seoul-time.js';
import { reportPage } from '../src/reports/report-page.js';
import { insertInbound, insertInboundMany } from '../src/intake/inbox-repository.js';

let ctx: TestContext;
let manager: string;

beforeAll(async () => {
  ctx = await createTestContext({ KAKAO_SKILL_SECRET: SKILL_SECRET, THREAD_WINDOW_MINUTES: '30', SATISFACTION_REPLY_HOURS: '72' });
  manager = await ctx.staffToken('manager');
});
afterAll(async () => {
  await ctx?.close();
});

const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${manager}` }, ...(payload ? { payload } : {}) });

async function close(caseId: number, text: string, disposition = 'resolved') {
  const res = await api('POST', `/api/cases/${caseId}/close`, { disposition, text });
  expect(res.statusCode).toBe(200);
  return res.json<{ messageId: number | null }>();
}

const outbound = (caseId: number) =>
  ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).where('direction', '=', 'out').orderBy('id').execute();
const survey = (caseId: number) => ctx.db.selectFrom('satisfaction_surveys').selectAll().where('case_id', '=', caseId).executeTakeFirst();
const casesOf = (phone: string) =>
  ctx.db.selectFrom('cases').innerJoin('residents', 'residents.id', 'cases.resident_id').select(['cases.id', 'cases.status']).where('residents.phone', '=', phone).orderBy('cases.id').execute();

async function sms(phone: string, body: string) {
  const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: body }));
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('the texts', () => {
  it('SMS question on its own fits one SMS in KS X 1001; the suffix and Kakao question are short Korean', () => {
    const question = smsQuestion('2026-0001234');
    expect(isKsX1001(question)).toBe(true);
    expect(eucKrByteLength(question)).toBeLessThanOrEqual(90);
    expect(isKsX1001(SMS_QUESTION_SUFFIX)).toBe(true);
    expect(SMS_QUESTION_SUFFIX).toContain('1~5로 답해 주세요');
    expect(isKsX1001(SATISFACTION_THANKS.sms)).toBe(true);
    expect(eucKrByteLength(SATISFACTION_THANKS.sms)).toBeLessThanOrEqual(90);
    for (const choice of SATISFACTION_CHOICES) expect([...choice.label].length).toBeLessThanOrEqual(14);
    expect([...kakaoQuestion('2026-0001234')].length).toBeLessThan(1000);
  });

  it('appends to an SMS answer only when it stays one SMS or one LMS', () => {
    expect(appendSmsQuestion('처리했습니다.')).toBe(`처리했습니다.\n${SMS_QUESTION_SUFFIX}`);
    // 80 bytes alone (one SMS): with the question it would need an LMS, so it goes apart.
    expect(eucKrByteLength('가'.repeat(40))).toBe(80);
    expect(appendSmsQuestion('가'.repeat(40))).toBeNull();
    // An LMS already: the question rides along.
    expect(appendSmsQuestion('가'.repeat(200))).not.toBeNull();
    // Several parts: apart.
    expect(appendSmsQuestion('가'.repeat(1000))).toBeNull();
  });

  it('reads scores from digits and the quick replies’ words, nothing else', async () => {
    const cases: [string, number | null][] = [
      ['5', 5], [' 4 ', 4], ['３', 3], ['2점', 2], ['1.', 1],
      ['매우 만족', 5], ['만족', 4], ['보통', 3], ['불만', 2], ['매우 불만', 1], ['매우불만족', 1], ['만족!', 4],
      ['6', null], ['45', null], ['만족합니다 그런데 또 문제가 있어요', null], ['', null], ['가로등이 꺼졌어요', null],
    ];
    for (const [text, score] of cases) expect([text, await scoreOf(ctx.db, text)]).toEqual([text, score]);
  });
});

describe('SMS', () => {
  it('asks inside a short answer, records the reply on the closed case, thanks instead of a number, and shows the score', async () => {
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone });
    const { messageId } = await close(caseId, '보도블록을 교체했습니다.');
    const out = await outbound(caseId);
    const answer = out.find((m) => m.id === messageId)!;
    expect(answer.text).toBe(`보도블록을 교체했습니다.\n${SMS_QUESTION_SUFFIX}`);
    expect(out.filter((m) => m.kind === 'survey')).toEqual([]);
    expect(await survey(caseId)).toMatchObject({ channel: 'sms', score: null, question_message_id: messageId });

    const reply = await sms(phone, '4');
    expect(reply).toContain(SATISFACTION_THANKS.sms);
    expect(reply).not.toContain('접수번호');
    // No new case: the reply is stored on the closed case, which stays closed.
    expect(await casesOf(phone)).toEqual([{ id: caseId, status: 'closed' }]);
    const recorded = await survey(caseId);
    expect(recorded).toMatchObject({ score: 4 });
    const stored = await ctx.db.selectFrom('messages').selectAll().where('id', '=', recorded!.reply_message_id!).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ case_id: caseId, direction: 'in', text: '4' });
    const event = await ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).where('type', '=', 'satisfaction').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ messageId: stored.id, score: 4, recorded: true });

    const detail = (await api('GET', `/api/cases/${caseId}`)).json();
    expect(detail.satisfaction).toMatchObject({ channel: 'sms', score: 4 });
    expect(detail.satisfaction.answeredAt).not.toBeNull();

    // Free text afterwards is a message like any other: a new case.
    await sms(phone, '그런데 옆 골목 가로등도 꺼져 있어요');
    const after = await casesOf(phone);
    expect(after).toHaveLength(2);
    expect(after[1]!.status).not.toBe('closed');
    expect((await survey(caseId))!.score).toBe(4);
  });

  it('sends the question apart when the answer has no room, and only after the answer has left', async () => {
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone });
    const res = await api('POST', `/api/cases/${caseId}/close`, { disposition: 'resolved', text: '가'.repeat(40) });
    expect(res.statusCode).toBe(200);
    const out = await outbound(caseId);
    expect(out.map((m) => m.kind)).toEqual(['answer', 'survey']);
    expect(out[0]!.text).toBe('가'.repeat(40));
    const question = out[1]!;
    expect(question.text).toContain('1~5로 답해 주세요');
    expect(await survey(caseId)).toMatchObject({ question_message_id: question.id });

    // The question waits while its answer is unsent.
    const sent: string[] = [];
    const channels = {
      sms: { name: 'outbox', send: async (m: { text: string }) => (sent.push(m.text), { providerMessageId: `X${sent.length}`, status: 'sent' as const }) },
      kakao: null,
    };
    await expect(sendStoredMessage(ctx.db, channels, question.id, { publicBaseUrl: 'http://x' })).rejects.toBeInstanceOf(TransientSendError);
    expect(sent).toEqual([]);
    expect(await sendStoredMessage(ctx.db, channels, out[0]!.id, { publicBaseUrl: 'http://x' })).toBe('sent');
    expect(await sendStoredMessage(ctx.db, channels, question.id, { publicBaseUrl: 'http://x' })).toBe('sent');
    expect(sent).toEqual(['가'.repeat(40), question.text]);

    // An answer that could not be sent at all: its question is not sent either.
    const other = await makeCase(ctx.db);
    await close(other.caseId, '나'.repeat(40));
    const [answer, second] = await outbound(other.caseId);
    await ctx.db.updateTable('messages').set({ delivery_status: 'failed' }).where('id', '=', answer!.id).execute();
    await expect(sendStoredMessage(ctx.db, channels, second!.id, { publicBaseUrl: 'http://x' })).rejects.toMatchObject({ code: 'answer_failed' });
    expect(sent).toHaveLength(2);
  });

  it('asks at most once in the interval, never for thanks or exceptions, never a blocked sender', async () => {
    const phone = newPhone();
    const first = await makeCase(ctx.db, { phone });
    const second = await makeCase(ctx.db, { phone });
    await close(first.caseId, '조치했습니다.');
    await close(second.caseId, '이것도 조치했습니다.');
    expect(await survey(first.caseId)).toBeDefined();
    expect(await survey(second.caseId)).toBeUndefined();
    expect((await outbound(second.caseId))[0]!.text).toBe('이것도 조치했습니다.');
    expect((await api('GET', `/api/cases/${second.caseId}`)).json().satisfaction).toBeNull();

    const thanks = await makeCase(ctx.db);
    await close(thanks.caseId, '감사합니다.', 'thanks');
    const exception = await makeCase(ctx.db);
    await close(exception.caseId, '처리할 수 없습니다.', 'exception');
    expect(await survey(thanks.caseId)).toBeUndefined();
    expect(await survey(exception.caseId)).toBeUndefined();

    const blocked = await makeCase(ctx.db);
    await ctx.db.updateTable('residents').set({ blocked_at: new Date(), blocked_reason: '욕설' }).where('id', '=', blocked.residentId).execute();
    await close(blocked.caseId, '답변드립니다.');
    expect(await survey(blocked.caseId)).toBeUndefined();
  });

  it('a score after the reply window is a message like any other', async () => {
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone });
    await close(caseId, '정비했습니다.');
    await ctx.db
      .updateTable('satisfaction_surveys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('case_id', '=', caseId)
      .execute();
    const reply = await sms(phone, '5');
    expect(reply).toContain('접수번호');
    expect(await casesOf(phone)).toHaveLength(2);
    expect((await survey(caseId))!.score).toBeNull();
  });

  it('two scores sent before either is filed: both join the closed case, the first one counts', async () => {
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone });
    await close(caseId, '정비했습니다.');
    for (const body of ['2', '5']) {
      const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: body }));
      expect(res.body).toContain(SATISFACTION_THANKS.sms);
    }
    await fileInbox(ctx.app);
    expect(await casesOf(phone)).toEqual([{ id: caseId, status: 'closed' }]);
    expect((await survey(caseId))!.score).toBe(2);
    const events = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', caseId).where('type', '=', 'satisfaction').orderBy('id').execute();
    expect(events.map((e) => [e.data.score, e.data.recorded])).toEqual([
      [2, true],
      [5, false],
    ]);
  });
});

describe('messages kept in Redis while Postgres was away', () => {
  it('a buffered score, stored late, is filed on the closed case; a buffered text beside it opens a case', async () => {
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone });
    await close(caseId, '정비했습니다.');
    const row = (text: string, n: number) => ({
      channel: 'sms' as const,
      provider: 'twilio',
      providerMessageId: `SM-buffered-${caseId}-${n}`,
      sender: { phone },
      text,
      raw: {},
      acknowledgement: null,
      acknowledgementStatus: 'delivered' as const,
      receivedAt: new Date(),
    });
    // As drain-buffer.ts stores them: several in one statement, and one by one.
    await insertInboundMany(ctx.db, [row('3', 1)], 30);
    await insertInbound(ctx.db, row('가로수가 쓰러졌어요', 2), 30);
    const told = await ctx.db.selectFrom('inbound_messages').select(['case_number']).where('provider_message_id', 'like', `SM-buffered-${caseId}-%`).orderBy('id').execute();
    const closedNumber = (await ctx.db.selectFrom('cases').select('case_number').where('id', '=', caseId).executeTakeFirstOrThrow()).case_number;
    expect(told[0]!.case_number).toBe(closedNumber);
    expect(told[1]!.case_number).not.toBe(closedNumber);
    await fileInbox(ctx.app);
    expect((await survey(caseId))!.score).toBe(3);
    const cases = await casesOf(phone);
    expect(cases).toHaveLength(2);
    expect(cases[0]).toEqual({ id: caseId, status: 'closed' });
  });
});

describe('KakaoTalk', () => {
  it('asks apart with the five quick replies on 답변 확인, and records a tapped reply', async () => {
    const userKey = 'satisfaction-kakao-1';
    await askSkill(ctx.app, skillRequest({ userKey, utterance: '놀이터 그네 줄이 끊어졌어요' }));
    const theCase = (await casesOfKakaoResident(ctx.db, userKey))[0]!;
    await close(theCase.id, '그네 줄을 교체했습니다.');
    const out = await outbound(theCase.id);
    const question = out.find((m) => m.kind === 'survey')!;
    expect(question.text).toBe(kakaoQuestion(theCase.case_number));
    expect(out.find((m) => m.kind === 'answer')!.text).toBe('그네 줄을 교체했습니다.');

    const pulled = await askSkill(ctx.app, skillRequest({ userKey, utterance: '답변 확인' }));
    expect(pulled.texts.join('\n')).toContain('그네 줄을 교체했습니다.');
    expect(pulled.texts.join('\n')).toContain('얼마나 만족하셨나요?');
    expect(pulled.response.template.quickReplies?.map((q) => q.label)).toEqual(['매우 만족', '만족', '보통', '불만', '매우 불만', '답변 확인']);

    const thanked = await askSkill(ctx.app, skillRequest({ userKey, utterance: '매우 만족' }));
    expect(thanked.texts).toEqual([SATISFACTION_THANKS.kakao]);
    expect((await survey(theCase.id))!.score).toBe(5);
    const all = await casesOfKakaoResident(ctx.db, userKey);
    expect(all).toHaveLength(1);
  });
});

describe('reports and the console', () => {
  it('the summary counts questions asked in the period, responses, scores and the positive share, by department and category', async () => {
    // A case of its own with a known score, in a department of its own for this test.
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone, department: 'PARKING' });
    await close(caseId, '단속했습니다.');
    await sms(phone, '매우 불만');

    const today = seoulDate(new Date());
    const res = await api('GET', `/api/reports/summary?from=${today}&to=${today}`);
    expect(res.statusCode).toBe(200);
    const q = res.json().satisfaction;

    const rows = await ctx.db
      .selectFrom('satisfaction_surveys')
      .innerJoin('cases', 'cases.id', 'satisfaction_surveys.case_id')
      .select(['satisfaction_surveys.score', 'cases.department_code'])
      .execute();
    const scores = rows.map((r) => r.score).filter((s): s is number => s !== null);
    expect(q.asked).toBe(rows.length);
    expect(q.responded).toBe(scores.length);
    expect(q.responseRate).toBeCloseTo(scores.length / rows.length);
    for (const s of [1, 2, 3, 4, 5]) expect(q.distribution[String(s)]).toBe(scores.filter((x) => x === s).length);
    expect(q.positiveShare).toBeCloseTo(scores.filter((x) => x >= 4).length / scores.length);
    expect(q.byDepartment.PARKING).toMatchObject({ asked: 1, responded: 1, positiveShare: 0, distribution: { '1': 1, '2': 0, '3': 0, '4': 0, '5': 0 } });
    expect(q.byCategory.traffic).toMatchObject({ asked: 1, responded: 1 });

    // A department's staff see their own department only.
    const parking = await ctx.staffToken('staff', 'PARKING');
    const scoped = await ctx.app.inject({ method: 'GET', url: `/api/reports/summary?from=${today}&to=${today}`, headers: { authorization: `Bearer ${parking}` } });
    expect(scoped.statusCode).toBe(200);
    expect(Object.keys(scoped.json().satisfaction.byDepartment)).toEqual(['PARKING']);

    // The CSV: asked and score per case.
    const csv = await api('GET', `/api/reports/summary?from=${today}&to=${today}&format=csv`);
    const lines = csv.body.slice(1).trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    const caseNumber = (await ctx.db.selectFrom('cases').select('case_number').where('id', '=', caseId).executeTakeFirstOrThrow()).case_number;
    const line = lines.find((l) => l.startsWith(`${caseNumber},`))!.split(',');
    expect(line[header.indexOf('satisfactionAsked')]).toBe('Y');
    expect(line[header.indexOf('satisfactionScore')]).toBe('1');

    // The printable page's section.
    const html = reportPage({
      summary: res.json(),
      trend: { by: 'month', from: today, to: today, scope: 'all', periods: [] },
      categories: [{ code: 'traffic', label: '교통·주차' }],
      dispositions: [],
      departments: { PARKING: '주차관리과' },
      generatedAt: today,
    });
    expect(html).toContain('<h2>만족도</h2>');
    expect(html).toMatch(/<tr><td>주차관리과<\/td><td>1<\/td><td>1<\/td><td>100\.0%<\/td><td>0\.0%<\/td><td>1\.00<\/td><\/tr>/);
    expect(html).toContain('id="chart-satisfaction"');
  });

  it('the console case page shows the score', async () => {
    const phone = newPhone();
    const { caseId } = await makeCase(ctx.db, { phone });
    await close(caseId, '보수했습니다.');
    const waiting = await ctx.app.inject({ method: 'GET', url: `/console/cases/${caseId}`, cookies: { sotong_console: manager } });
    expect(waiting.statusCode).toBe(200);
    expect(waiting.body).toMatch(/<dd id="satisfaction">응답 대기/);
    await sms(phone, '5');
    const answered = await ctx.app.inject({ method: 'GET', url: `/console/cases/${caseId}`, cookies: { sotong_console: manager } });
    expect(answered.body).toMatch(/<dd id="satisfaction">5점 \(매우 만족\)/);
  });
});
