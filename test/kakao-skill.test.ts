// The KakaoTalk channel's skill endpoint through the real app, Postgres and Redis. No Event API is
// configured here: every answer waits for the resident's "답변 확인" (pull).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { askSkill, longAnswer, postSkill, skillFixture, skillRequest, squash, SKILL_PATH } from './support/kakao.js';
import { CHECK_ANSWERS, SKILL_LIMITS } from '../webhooks/kakao/skill-response.js';
import { ALL_CLOSED_TEXT, HELP_TEXT, NO_CASES_TEXT, NO_NEW_ANSWERS_TEXT, kakaoAcknowledgement } from '../webhooks/kakao/replies.js';
import { withCaseNumber } from '../src/intake/acknowledgement.js';
import { insertMessage } from '../src/cases/message-repository.js';
import { jobIds } from '../src/queues/queues.js';
import { ANSWER_LIMITS } from '../src/outbound/channel-limits.js';

const BOT_ID = '5f0e1d2c3b4a596877665544';
const FIXTURE_USER_KEY = skillFixture().userRequest.user.id;

let ctx: TestContext;
let managerToken: string;

beforeAll(async () => {
  ctx = await createTestContext({ KAKAO_SKILL_SECRET: 'test-secret', KAKAO_BOT_ID: BOT_ID });
  managerToken = await ctx.staffToken('manager');
});
afterAll(async () => {
  await ctx?.close();
});

/** A botUserKey no other test uses. */
const newUserKey = () => randomBytes(32).toString('hex');

async function residentOf(userKey: string) {
  return ctx.db.selectFrom('residents').selectAll().where('kakao_user_key', '=', userKey).executeTakeFirst();
}

async function casesOf(userKey: string) {
  return ctx.db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .where('residents.kakao_user_key', '=', userKey)
    .orderBy('cases.id')
    .execute();
}

async function messagesOf(caseId: number) {
  return ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

async function messageRow(id: number) {
  return ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function counts() {
  const [residents, cases, messages] = await Promise.all(
    (['residents', 'cases', 'messages'] as const).map((table) =>
      ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ),
  );
  return { residents: Number(residents!.n), cases: Number(cases!.n), messages: Number(messages!.n) };
}

function api(method: 'POST', url: string, payload: object) {
  return ctx.app.inject({ method, url, headers: { authorization: `Bearer ${managerToken}` }, payload });
}

/** A resident writes; returns their case. */
async function openCase(userKey: string, utterance = '을지로 지하상가 입구 계단 난간이 흔들려요') {
  const { texts } = await askSkill(ctx.app, skillRequest({ userKey, utterance }));
  const cases = await casesOf(userKey);
  const theCase = cases.at(-1)!;
  expect(texts[0]).toMatch(/^민원이 접수되었습니다/);
  return theCase;
}

const checkAnswers = (userKey: string) => askSkill(ctx.app, skillRequest({ userKey, utterance: CHECK_ANSWERS }));

describe('a resident writes to the channel', () => {
  it('stores the recorded request and answers a SkillResponse 2.0 with the acknowledgement, which the case keeps', async () => {
    const fixture = skillFixture();
    const res = await postSkill(ctx.app, fixture);

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    const cases = await casesOf(FIXTURE_USER_KEY);
    expect(cases).toHaveLength(1);
    const theCase = cases[0]!;
    expect(theCase).toMatchObject({ channel: 'kakao', status: 'received', routed_at: null });
    expect(theCase.case_number).toMatch(/^\d{4}-\d{6}$/);
    expect(body).toEqual({
      version: '2.0',
      template: {
        // It names the number of the case the message became.
        outputs: [{ simpleText: { text: withCaseNumber(kakaoAcknowledgement(false, true).numbered.newCase, theCase.case_number) } }],
        quickReplies: [{ label: CHECK_ANSWERS, action: 'message', messageText: CHECK_ANSWERS }],
      },
    });
    // No Event API here: the resident is told to pull, not promised a push.
    const ack = body.template.outputs[0].simpleText.text as string;
    expect(ack).toContain(`'${CHECK_ANSWERS}'`);
    expect(ack).not.toContain('이 채팅방으로 답변드리겠습니다');

    expect(await residentOf(FIXTURE_USER_KEY)).toMatchObject({
      phone: null,
      kakao_user_key: FIXTURE_USER_KEY,
      kakao_plusfriend_user_key: 'Xy8kQ2mN1pLz',
      kakao_app_user_id: null,
      kakao_is_friend: true,
    });
    const messages = await messagesOf(theCase.id);
    expect(messages.map((m) => [m.direction, m.kind, m.channel])).toEqual([
      ['in', 'resident', 'kakao'],
      ['out', 'acknowledgement', 'kakao'],
    ]);
    expect(messages[0]).toMatchObject({ text: fixture.userRequest.utterance, provider: 'kakao' });
    // The whole request is kept as evidence.
    expect(messages[0]!.raw).toEqual(fixture);
    // The acknowledgement is what the resident saw, already delivered in the skill's own answer.
    expect(messages[1]).toMatchObject({ text: ack, delivery_status: 'delivered' });
    // Filing and classification happen in the routing worker: the job is queued, not awaited.
    const inbound = await ctx.db.selectFrom('inbound_messages').selectAll().where('message_id', '=', messages[0]!.id).executeTakeFirstOrThrow();
    expect(await ctx.app.queues.routing.getJob(jobIds.file(inbound.id))).toBeDefined();
    // Once filed, the inbox keeps no personal data, only what recognises a re-send.
    expect(inbound).toMatchObject({ text: '', sender: {}, raw: {} });
  });

  it('keeps the bot tester apart: its user key is another resident with another case', async () => {
    const channelKey = newUserKey();
    const testerKey = newUserKey();
    await askSkill(ctx.app, skillRequest({ userKey: channelKey }));
    const body = skillRequest({ userKey: testerKey, plusfriendUserKey: null, isFriend: false, utterance: '테스트 민원입니다' });
    body.userRequest.params.surface = 'BuilderBotTest';

    const { texts } = await askSkill(ctx.app, body);

    const [channelResident, tester] = [await residentOf(channelKey), await residentOf(testerKey)];
    expect(tester).toMatchObject({ kakao_plusfriend_user_key: null, kakao_is_friend: false });
    expect(tester!.id).not.toBe(channelResident!.id);
    const [testerCase] = await casesOf(testerKey);
    const [channelCase] = await casesOf(channelKey);
    expect(texts[0]).toBe(withCaseNumber(kakaoAcknowledgement(false, false).numbered.newCase, testerCase!.case_number));
    expect(testerCase!.id).not.toBe(channelCase!.id);
    expect(await casesOf(testerKey)).toHaveLength(1);
  });

  it('reads the keys from snake_case-only properties', async () => {
    const userKey = newUserKey();
    const body = skillFixture();
    body.userRequest.user.id = userKey;
    body.userRequest.user.properties = {
      bot_user_key: userKey,
      plusfriend_user_key: 'SnakeCase01',
      app_user_id: '4815162342',
      is_friend: true,
    };

    await askSkill(ctx.app, body);

    expect(await residentOf(userKey)).toMatchObject({
      kakao_user_key: userKey,
      kakao_plusfriend_user_key: 'SnakeCase01',
      kakao_app_user_id: '4815162342',
      kakao_is_friend: true,
    });
  });

  it('keeps friendship and keys current: absent isFriend is false, a later isFriend makes it true', async () => {
    const userKey = newUserKey();
    const first = await askSkill(ctx.app, skillRequest({ userKey, isFriend: false, plusfriendUserKey: 'PlusKey0001' }));
    expect(await residentOf(userKey)).toMatchObject({ kakao_is_friend: false, kakao_plusfriend_user_key: 'PlusKey0001' });
    // Not a friend: told how to get answers pushed.
    expect(first.texts[0]).toContain('채널을 추가하시면');

    await askSkill(ctx.app, skillRequest({ userKey, isFriend: true, plusfriendUserKey: null, utterance: '추가로 말씀드리면 밤에 더 위험해요' }));
    const resident = await residentOf(userKey);
    // A request without the plusfriend key does not erase the one we know.
    expect(resident).toMatchObject({ kakao_is_friend: true, kakao_plusfriend_user_key: 'PlusKey0001' });

    // "답변 확인" keeps it current too, e.g. after the resident blocked the channel.
    await askSkill(ctx.app, skillRequest({ userKey, isFriend: false, utterance: CHECK_ANSWERS }));
    expect((await residentOf(userKey))!.kakao_is_friend).toBe(false);
    expect(await casesOf(userKey)).toHaveLength(1);
  });

  it('accepts fields it does not know, anywhere, and keeps them', async () => {
    const userKey = newUserKey();
    const body = skillRequest({ userKey });
    body.newTopLevelThing = { version: 3, items: ['a', 'b'] };
    body.userRequest.someNewField = 'value';
    body.userRequest.user.properties.someNewProperty = 42;
    Object.assign(body.bot, { kind: 'channel' });

    const res = await postSkill(ctx.app, body);

    expect(res.statusCode).toBe(200);
    const [theCase] = await casesOf(userKey);
    const [inbound] = await messagesOf(theCase!.id);
    expect(inbound!.raw).toMatchObject({ newTopLevelThing: { version: 3, items: ['a', 'b'] }, userRequest: { someNewField: 'value' } });
  });

  it('files a request that carries half a surrogate pair (jsonb refuses one as it is): U+FFFD in its place', async () => {
    const userKey = newUserKey();
    // JSON.parse accepts "\ud800" and JSON.stringify writes it back; Postgres's jsonb would refuse the row.
    const body = JSON.stringify(skillRequest({ userKey, utterance: '깨진 글자 @@ 끝' })).replace('@@', '\\ud800');
    expect(body).toContain('\\ud800');

    const res = await postSkill(ctx.app, body);

    expect(res.statusCode).toBe(200);
    const [theCase] = await casesOf(userKey);
    const [inbound] = await messagesOf(theCase!.id);
    expect(inbound!.text).toBe('깨진 글자 \uFFFD 끝');
    expect((inbound!.raw as { userRequest: { utterance: string } }).userRequest.utterance).toBe('깨진 글자 \uFFFD 끝');
  });

  it('joins a follow-up within the thread window to the open case', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey);

    const { texts } = await askSkill(ctx.app, skillRequest({ userKey, utterance: '사진도 보내드릴 수 있어요' }));

    expect(texts).toEqual([withCaseNumber(kakaoAcknowledgement(false, true).numbered.followUp, theCase.case_number)]);
    expect(await casesOf(userKey)).toHaveLength(1);
    const inbound = (await messagesOf(theCase.id)).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => m.text)).toEqual(['을지로 지하상가 입구 계단 난간이 흔들려요', '사진도 보내드릴 수 있어요']);
  });
});

describe('who may call the skill', () => {
  it('accepts the development bot, whose id ends with "!"', async () => {
    const userKey = newUserKey();
    const res = await postSkill(ctx.app, skillRequest({ userKey, botId: `${BOT_ID}!` }));
    expect(res.statusCode).toBe(200);
    expect(await casesOf(userKey)).toHaveLength(1);
  });

  it.each([
    ['another bot', { botId: '0123456789abcdef01234567' }],
    ['another bot with "!"', { botId: '0123456789abcdef01234567!' }],
  ])('refuses %s with 403 bot_mismatch and stores nothing', async (_name, options) => {
    const userKey = newUserKey();
    const before = await counts();
    const res = await postSkill(ctx.app, skillRequest({ userKey, ...options }));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'bot_mismatch', message: expect.any(String) } });
    expect(await residentOf(userKey)).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  it('refuses a request without bot.id when the bot is configured', async () => {
    const body: Partial<ReturnType<typeof skillRequest>> = skillRequest({ userKey: newUserKey() });
    delete body.bot;
    const res = await postSkill(ctx.app, body);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('bot_mismatch');
  });

  it.each([
    ['missing', null, 'secret_missing'],
    ['empty', '', 'secret_missing'],
    ['wrong', 'not-the-secret', 'secret_invalid'],
    ['a prefix of the right one', 'test-secre', 'secret_invalid'],
  ])('refuses a %s secret with 403 and stores nothing', async (_name, secret, code) => {
    const userKey = newUserKey();
    const before = await counts();
    const res = await postSkill(ctx.app, skillRequest({ userKey }), { secret });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(await residentOf(userKey)).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  it('refuses a wrong secret before looking at the body', async () => {
    const res = await postSkill(ctx.app, { nothing: 'useful' }, { secret: 'wrong' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('secret_invalid');
  });

  it.each([
    ['no userRequest.user.id', () => {
      const body = skillRequest();
      delete (body.userRequest.user as Partial<typeof body.userRequest.user>).id;
      return body;
    }],
    ['an empty user id', () => {
      const body = skillRequest();
      body.userRequest.user.id = '';
      return body;
    }],
    ['no userRequest', () => ({ bot: { id: BOT_ID }, intent: {} })],
    ['a body that is not JSON', () => '{"userRequest": '],
  ])('answers a malformed request (%s) with a 400 JSON error and stores nothing', async (_name, build) => {
    const before = await counts();
    const res = await postSkill(ctx.app, build());
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(await counts()).toEqual(before);
  });
});

describe('messages with nothing to file', () => {
  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['emoji only', '😀😀'],
    ['a sticker', '(이모티콘)'],
    ['a sticker, bare', '이모티콘'],
  ])('answers %s with help and opens no case', async (_name, utterance) => {
    const userKey = newUserKey();
    const before = await counts();

    const { response } = await askSkill(ctx.app, skillRequest({ userKey, utterance }));

    expect(response.template.outputs).toEqual([{ simpleText: { text: HELP_TEXT } }]);
    expect(response.template.quickReplies).toEqual([{ label: CHECK_ANSWERS, action: 'message', messageText: CHECK_ANSWERS }]);
    expect(await counts()).toEqual(before);
  });

  it('answers help when the utterance is missing altogether', async () => {
    const body = skillRequest({ userKey: newUserKey() });
    delete (body.userRequest as Partial<typeof body.userRequest>).utterance;
    const { texts } = await askSkill(ctx.app, body);
    expect(texts).toEqual([HELP_TEXT]);
  });

  it('adds nothing to the open case of a known resident, but keeps their friendship current', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey);
    const messagesBefore = await messagesOf(theCase.id);

    const { texts } = await askSkill(ctx.app, skillRequest({ userKey, utterance: '👍', isFriend: false }));

    expect(texts).toEqual([HELP_TEXT]);
    expect(await messagesOf(theCase.id)).toHaveLength(messagesBefore.length);
    expect((await residentOf(userKey))!.kakao_is_friend).toBe(false);
  });

  it('files "ㅋㅋ": Hangul jamo are letters', async () => {
    const userKey = newUserKey();
    const { texts } = await askSkill(ctx.app, skillRequest({ userKey, utterance: 'ㅋㅋ' }));
    expect(await casesOf(userKey)).toHaveLength(1);
    expect(texts[0]).toMatch(/^민원이 접수되었습니다/);
  });
});

describe('"답변 확인" (pull)', () => {
  it('tells a resident with no cases so, and opens none', async () => {
    const userKey = newUserKey();
    const before = await counts();
    for (const utterance of [CHECK_ANSWERS, '답변확인', ' 답변 확인 ']) {
      const { texts, response } = await askSkill(ctx.app, skillRequest({ userKey, utterance }));
      expect(texts).toEqual([NO_CASES_TEXT]);
      expect(response.template.quickReplies?.map((q) => q.label)).toEqual([CHECK_ANSWERS]);
    }
    expect(await counts()).toEqual(before);
  });

  it('lists the cases with their status when no answer is waiting, and opens no case', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey);
    const messagesBefore = await messagesOf(theCase.id);

    const { texts } = await checkAnswers(userKey);

    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain(`${theCase.case_number} 접수`);
    expect(texts[0]).toContain(NO_NEW_ANSWERS_TEXT);
    expect(await casesOf(userKey)).toHaveLength(1);
    expect(await messagesOf(theCase.id)).toHaveLength(messagesBefore.length);
  });

  it('shows long answers over several calls, whole, marking only what was shown', async () => {
    const userKey = newUserKey();
    const answers: { id: number; text: string; caseNumber: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const theCase = await openCase(userKey, `민원 ${i + 1}: 공원 화장실 조명이 고장났어요`);
      // Closed, so the next message opens a new case.
      await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date() }).where('id', '=', theCase.id).execute();
      const text = longAnswer(1800, i);
      const message = await insertMessage(ctx.db, {
        case_id: theCase.id,
        direction: 'out',
        kind: 'answer',
        channel: 'kakao',
        text,
        provider: 'pending',
        delivery_status: 'awaiting_pull',
      });
      answers.push({ id: message.id, text, caseNumber: theCase.case_number });
    }

    for (let shown = 0; shown < 3; shown++) {
      const { texts } = await checkAnswers(userKey);
      expect(texts.length).toBeGreaterThanOrEqual(1);
      expect(texts.length).toBeLessThanOrEqual(SKILL_LIMITS.outputs);
      for (const text of texts) expect([...text].length).toBeLessThanOrEqual(SKILL_LIMITS.text);
      const all = squash(texts.join(''));
      // This call's answer, whole; none of the others.
      expect(all).toContain(squash(answers[shown]!.text));
      expect(all).toContain(`[접수번호${answers[shown]!.caseNumber}답변]`);
      for (const other of answers.filter((_, i) => i !== shown)) expect(all).not.toContain(squash(other.text).slice(0, 40));
      const left = 2 - shown;
      if (left > 0) expect(texts.at(-1)).toContain(`남은 답변 ${left}건은 '${CHECK_ANSWERS}'을 다시 눌러`);
      else expect(texts.join('')).not.toContain('남은 답변');

      const statuses = await Promise.all(answers.map(async (a) => (await messageRow(a.id)).delivery_status));
      expect(statuses).toEqual(answers.map((_, i) => (i <= shown ? 'delivered' : 'awaiting_pull')));
    }

    // Nothing new and every case closed: no promise of more, and the latest closing answer
    // again, whole, within the bubbles' limits, still counted as delivered once.
    const { texts } = await checkAnswers(userKey);
    for (const text of texts) expect([...text].length).toBeLessThanOrEqual(SKILL_LIMITS.text);
    expect(texts.length).toBeLessThanOrEqual(SKILL_LIMITS.outputs);
    const all = texts.join('\n');
    expect(all).not.toContain(NO_NEW_ANSWERS_TEXT);
    expect(all).toContain(ALL_CLOSED_TEXT);
    expect(all).toContain(`${answers[2]!.caseNumber} 처리 완료`);
    expect(squash(all)).toContain(squash(`[접수번호 ${answers[2]!.caseNumber} 처리 완료 · 답변 다시 보기]${answers[2]!.text}`));
    for (const other of answers.slice(0, 2)) expect(squash(all)).not.toContain(squash(other.text).slice(0, 40));
    expect((await messageRow(answers[2]!.id)).delivery_status).toBe('delivered');
    const pulled = await ctx.db.selectFrom('case_events').select('id').where('type', '=', 'answer_pulled').where(sql<boolean>`data @> ${JSON.stringify({ messageIds: [answers[2]!.id] })}::jsonb`).execute();
    expect(pulled).toHaveLength(1);
  });

  it('with a case still open, keeps the promise for it and shows the closed case\'s answer again', async () => {
    const userKey = newUserKey();
    const closed = await openCase(userKey, '공원 벤치가 부서졌어요');
    await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date() }).where('id', '=', closed.id).execute();
    await insertMessage(ctx.db, { case_id: closed.id, direction: 'out', kind: 'answer', channel: 'kakao', text: '벤치를 교체했습니다.', provider: 'kakao', delivery_status: 'delivered' });
    const open = await openCase(userKey, '가로등도 꺼져 있어요');

    const { texts } = await checkAnswers(userKey);

    expect(texts.join('\n')).toContain(`${open.case_number} 접수`);
    expect(texts.join('\n')).toContain(NO_NEW_ANSWERS_TEXT);
    expect(texts.join('\n')).toContain(`[접수번호 ${closed.case_number} 처리 완료 · 답변 다시 보기]\n벤치를 교체했습니다.`);
  });

  it('a case closed without an answer (thanks, exception) is shown closed, with nothing to reread', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey, '감사합니다');
    await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date() }).where('id', '=', theCase.id).execute();

    const { texts } = await checkAnswers(userKey);

    expect(texts).toEqual([`최근 민원\n· ${theCase.case_number} 처리 완료\n\n${ALL_CLOSED_TEXT}`]);
  });
});

describe('answers from staff, with no Event API', () => {
  beforeAll(async () => {
    await ctx.startWorkers();
  });

  async function deliveryStatus(messageId: number, status: string) {
    await eventually(async () => (await messageRow(messageId)).delivery_status === status);
  }

  it('holds a closing answer for pull, shows it on "답변 확인", marks it delivered, and shows it once', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey);
    const answer = '[중구청] 을지로 지하상가 계단 난간을 오늘 고정했습니다. 알려주셔서 감사합니다.';

    const close = await api('POST', `/api/cases/${theCase.id}/close`, { disposition: 'resolved', text: answer });
    expect(close.statusCode).toBe(200);
    const { messageId } = close.json<{ messageId: number }>();
    await deliveryStatus(messageId, 'awaiting_pull');
    // The row is marked before the job itself completes: wait for the job too.
    const job = await eventually(async () => {
      const found = await ctx.app.queues.outbound.kakao.getJob(jobIds.send(messageId));
      return (await found?.getState()) === 'completed' ? found : undefined;
    });
    expect(job.returnvalue).toBe('awaiting-pull');
    expect(await messageRow(messageId)).toMatchObject({ provider_message_id: null, error_code: null });

    const { texts } = await checkAnswers(userKey);

    expect(texts.join('\n')).toContain(`${theCase.case_number} 처리 완료`);
    expect(texts.join('\n')).toContain(`[접수번호 ${theCase.case_number} 답변]\n${answer}`);
    expect((await messageRow(messageId)).delivery_status).toBe('delivered');
    const events = await ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', theCase.id).orderBy('id').execute();
    expect(events.filter((e) => e.type === 'answer_pulled').map((e) => e.data)).toEqual([{ messageIds: [messageId] }]);
    // Pulling opened nothing and added no message.
    expect(await casesOf(userKey)).toHaveLength(1);

    // Asked again: the case shows as closed, its answer shown again to reread, not pulled twice.
    const again = await checkAnswers(userKey);
    expect(again.texts).toEqual([
      `최근 민원\n· ${theCase.case_number} 처리 완료\n\n${ALL_CLOSED_TEXT}\n\n[접수번호 ${theCase.case_number} 처리 완료 · 답변 다시 보기]\n${answer}`,
    ]);
    expect(again.texts.join('\n')).not.toContain(NO_NEW_ANSWERS_TEXT);
    const pulledEvents = await ctx.db.selectFrom('case_events').select('id').where('case_id', '=', theCase.id).where('type', '=', 'answer_pulled').execute();
    expect(pulledEvents).toHaveLength(1);
  });

  it('shows an interim reply and then the closing answer, each labelled', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey);

    const reply = await api('POST', `/api/cases/${theCase.id}/replies`, { text: '현장 확인 후 다시 안내드리겠습니다.' });
    expect(reply.statusCode).toBe(202);
    const interimId = reply.json<{ messageId: number }>().messageId;
    await deliveryStatus(interimId, 'awaiting_pull');

    const first = await checkAnswers(userKey);
    expect(first.texts.join('\n')).toContain(`${theCase.case_number} 중간 답변`);
    expect(first.texts.join('\n')).toContain(`[접수번호 ${theCase.case_number} 중간 답변]\n현장 확인 후 다시 안내드리겠습니다.`);
    expect((await messageRow(interimId)).delivery_status).toBe('delivered');

    const close = await api('POST', `/api/cases/${theCase.id}/close`, { disposition: 'resolved', text: '수리를 마쳤습니다.' });
    const answerId = close.json<{ messageId: number }>().messageId;
    await deliveryStatus(answerId, 'awaiting_pull');
    const second = await checkAnswers(userKey);
    expect(second.texts.join('\n')).toContain(`[접수번호 ${theCase.case_number} 답변]\n수리를 마쳤습니다.`);
    expect(second.texts.join('\n')).not.toContain('현장 확인 후');
  });

  it('refuses a Kakao answer longer than three bubbles can hold, and delivers the longest allowed one whole', async () => {
    const userKey = newUserKey();
    const theCase = await openCase(userKey);
    const before = await messagesOf(theCase.id);

    const tooLong = longAnswer(ANSWER_LIMITS.kakao + 1);
    for (const [url, payload] of [
      [`/api/cases/${theCase.id}/replies`, { text: tooLong }],
      [`/api/cases/${theCase.id}/close`, { disposition: 'resolved', text: tooLong }],
    ] as const) {
      const res = await api('POST', url, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('answer_too_long');
    }
    expect(await messagesOf(theCase.id)).toHaveLength(before.length);

    const longest = longAnswer(ANSWER_LIMITS.kakao, 7);
    const close = await api('POST', `/api/cases/${theCase.id}/close`, { disposition: 'resolved', text: longest });
    expect(close.statusCode).toBe(200);
    const { messageId } = close.json<{ messageId: number }>();
    await deliveryStatus(messageId, 'awaiting_pull');

    const { texts } = await checkAnswers(userKey);
    expect(texts.length).toBeLessThanOrEqual(SKILL_LIMITS.outputs);
    for (const text of texts) expect([...text].length).toBeLessThanOrEqual(SKILL_LIMITS.text);
    expect(squash(texts.join(''))).toContain(squash(longest));
    expect((await messageRow(messageId)).delivery_status).toBe('delivered');
  });
});

it('serves the skill only by POST', async () => {
  const res = await ctx.app.inject({ method: 'GET', url: SKILL_PATH });
  expect(res.statusCode).toBe(404);
});
