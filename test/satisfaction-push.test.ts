// The satisfaction question to a KakaoTalk friend of the channel: pushed through the real
// outbound worker and Event API provider after the answer, with KAKAO_SURVEY_EVENT_NAME's
// event (the block that shows the five quick replies); Kakao's HTTP API is faked with nock.
import { randomBytes, randomUUID } from 'node:crypto';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesOfKakaoResident } from './support/cases.js';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { askSkill, skillRequest } from './support/kakao.js';
import { kakaoQuestion, SATISFACTION_THANKS } from '../src/satisfaction/satisfaction.js';

const KAKAO = 'http://kakao.fake.local';
const BOT_ID = '5f0e1d2c3b4a596877665544';

let ctx: TestContext;
let manager: string;
const pushes: { event: { name: string; data: { text: string } }; user: { id: string }[] }[] = [];

beforeAll(async () => {
  ctx = await createTestContext({
    KAKAO_SKILL_SECRET: 'test-secret',
    KAKAO_BOT_ID: BOT_ID,
    KAKAO_REST_API_KEY: 'test-rest-key',
    KAKAO_EVENT_NAME: 'answer_ready',
    KAKAO_SURVEY_EVENT_NAME: 'survey_ready',
    KAKAO_API_BASE_URL: KAKAO,
    OUTBOUND_BACKOFF_MS: '50',
    SATISFACTION_REPLY_HOURS: '72',
  });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const json = (body: object): [number, string, Record<string, string>] => {
    const text = JSON.stringify(body);
    return [200, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
  };
  nock(KAKAO)
    .persist()
    .post(`/v2/bots/${BOT_ID}/talk`)
    .reply((_uri, body) => {
      pushes.push((typeof body === 'string' ? JSON.parse(body) : body) as (typeof pushes)[number]);
      return json({ taskId: randomUUID(), status: 'SUCCESS', message: '' });
    });
  nock(KAKAO)
    .persist()
    .get(/^\/v1\/tasks\/[^/]+$/)
    .reply((uri) => json({ taskId: uri.split('/').at(-1), status: 'ALL SUCCESS', allRequestCount: 1, successCount: 1, fail: { count: 0, list: [] } }));
  await ctx.startWorkers();
  manager = await ctx.staffToken('manager');
});

afterAll(async () => {
  await ctx?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('the satisfaction question by push', () => {
  it('pushes the answer with the answer event, then the question with the survey event; a tapped reply is recorded', async () => {
    const userKey = randomBytes(32).toString('hex');
    await askSkill(ctx.app, skillRequest({ userKey, utterance: '퇴계로 버스정류장 의자가 부서졌어요' }));
    const theCase = (await casesOfKakaoResident(ctx.db, userKey))[0]!;
    const closed = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${theCase.id}/close`,
      headers: { authorization: `Bearer ${manager}` },
      payload: { disposition: 'resolved', text: '의자를 새것으로 교체했습니다.' },
    });
    expect(closed.statusCode).toBe(200);

    const mine = await eventually(async () => {
      const own = pushes.filter((p) => p.user.some((u) => u.id === userKey));
      return own.length >= 2 ? own : undefined;
    });
    expect(mine.map((p) => [p.event.name, p.event.data.text])).toEqual([
      ['answer_ready', '의자를 새것으로 교체했습니다.'],
      ['survey_ready', kakaoQuestion(theCase.case_number)],
    ]);
    // Recorded as sent once the push is accepted (the fake answers before the row is written).
    await eventually(async () => {
      const row = await ctx.db.selectFrom('messages').select('delivery_status').where('case_id', '=', theCase.id).where('kind', '=', 'survey').executeTakeFirst();
      return row?.delivery_status === 'sent' || row?.delivery_status === 'delivered';
    });

    // The block's quick reply sends its label as the resident's utterance.
    const { texts } = await askSkill(ctx.app, skillRequest({ userKey, utterance: '보통' }));
    expect(texts).toEqual([SATISFACTION_THANKS.kakao]);
    const survey = await eventually(async () => {
      const row = await ctx.db.selectFrom('satisfaction_surveys').selectAll().where('case_id', '=', theCase.id).executeTakeFirst();
      return row?.score !== null ? row : undefined;
    });
    expect(survey.score).toBe(3);
    const cases = await casesOfKakaoResident(ctx.db, userKey);
    expect(cases).toHaveLength(1);
  });
});
