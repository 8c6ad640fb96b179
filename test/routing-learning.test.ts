import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilioOnly, type TestContext } from './support/harness.js';
import { THANKS_REPLY, decide } from '../src/routing/route-message.js';
import type { RoutingDecision } from '../src/routing/router.js';

let ctx: TestContext;
let manager: string;

beforeAll(async () => {
  // Retrain within a second of a correction, so the test sees the next message routed anew.
  ctx = await createTestContext({ ROUTING_REFRESH_SECONDS: '1' });
  await ctx.startWorkers();
  manager = await ctx.staffToken('manager');
});
afterAll(async () => {
  await ctx?.close();
});

/** A resident's SMS, filed into its case and routed by the routing worker itself. */
async function send(phone: string, body: string) {
  const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: body }));
  expect(res.statusCode).toBe(200);
  const theCase = await eventually(async () => {
    const row = await ctx.db
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .selectAll('cases')
      .where('residents.phone', '=', phone)
      .orderBy('cases.id', 'desc')
      .executeTakeFirst();
    return row?.routed_at ? row : undefined;
  });
  return theCase;
}

async function api(method: 'GET' | 'POST', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: { authorization: `Bearer ${manager}` }, ...(payload ? { payload } : {}) });
}

describe('kinds', () => {
  it('closes pure thanks by itself with the thanks disposition and a courteous answer', async () => {
    const theCase = await send('+821055550001', '구청장님 늘 수고 많으십니다. 덕분에 동네가 살기 좋아졌어요 감사합니다!');
    expect(theCase.kind).toBe('thanks');
    expect(theCase.status).toBe('closed');
    expect(theCase.disposition_code).toBe('thanks');
    expect(theCase.closed_at).toBeInstanceOf(Date);
    const answer = await eventually(async () => {
      const m = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', theCase.id).where('kind', '=', 'answer').executeTakeFirst();
      return m?.delivery_status === 'delivered' ? m : undefined; // the development outbox delivers at once
    });
    expect(answer.text).toBe(THANKS_REPLY);
    const detail = (await api('GET', `/api/cases/${theCase.id}`)).json();
    expect(detail.events.find((e: { type: string }) => e.type === 'closed').data).toMatchObject({ disposition: 'thanks', automatic: true });
  });

  it('treats thanks that also asks for something as a complaint for the department', async () => {
    const theCase = await send('+821055550002', '지난번 가로등 고쳐주셔서 감사합니다. 그런데 그 옆 보도블록도 깨져 있어서 위험하니 고쳐주세요.');
    expect(theCase.kind).toBe('complaint');
    expect(theCase.status).toBe('assigned');
    expect(theCase.department_code).toBe('ROAD');
  });

  it('flags spam to triage with a suggested exception, and does not close it', async () => {
    const theCase = await send('+821055550003', '[광고] 무담보 신용대출 최저금리 당일승인 상담문의 010-0000-9999');
    expect(theCase.kind).toBe('spam');
    expect(theCase.status).toBe('assigned');
    expect(theCase.department_code).toBe('AUDIT');
    expect(theCase.routing).toMatchObject({ triage: 'spam', suggestedDisposition: 'exception' });
    const detail = (await api('GET', `/api/cases/${theCase.id}`)).json();
    expect(detail.routing.suggestedDisposition).toBe('exception');
  });

  it('shows the case with its reasons and candidate departments', async () => {
    const theCase = await send('+821055550004', '우리 골목에 불법주차 차량이 너무 많아서 소방차가 못 들어가요. 단속 부탁드립니다.');
    expect(theCase.department_code).toBe('PARKING');
    const detail = (await api('GET', `/api/cases/${theCase.id}`)).json();
    expect(detail.kind).toBe('complaint');
    expect(detail.routing.reasons.length).toBeGreaterThan(0);
    expect(detail.routing.candidates[0].department).toBe('PARKING');
    expect(detail.routing.confidence).toBeGreaterThan(0);
  });
});

describe('triage policy', () => {
  const decision = (over: Partial<RoutingDecision>): RoutingDecision => ({
    category: 'roads',
    department: 'ROAD',
    confidence: 0.9,
    reasons: ['보도블록'],
    kind: 'complaint',
    kindConfidence: 0.9,
    pureThanks: false,
    candidates: [
      { department: 'ROAD', category: 'roads', score: 0.6 },
      { department: 'TRAFFIC', category: 'traffic', score: 0.3 },
    ],
    ...over,
  });
  const policy = { routerName: 'test', confidenceThreshold: 0.5 };

  it('sends a doubtful complaint to triage with the candidates, and a confident one to its department', () => {
    expect(decide(decision({ confidence: 0.3 }), policy).record).toMatchObject({
      department: 'AUDIT',
      category: 'other',
      triage: 'low_confidence',
      candidates: [{ department: 'ROAD' }, { department: 'TRAFFIC' }],
    });
    expect(decide(decision({ confidence: 0.8 }), policy).record).toMatchObject({ department: 'ROAD', category: 'roads' });
    expect(decide(decision({ confidence: 0.8 }), policy).record.triage).toBeUndefined();
  });

  it('closes only pure thanks by itself', () => {
    expect(decide(decision({ kind: 'thanks', pureThanks: true }), policy).closeAsThanks).toBe(true);
    expect(decide(decision({ kind: 'thanks', pureThanks: false }), policy).closeAsThanks).toBe(false);
    expect(decide(decision({ kind: 'complaint', pureThanks: true }), policy).closeAsThanks).toBe(false);
    expect(decide(decision({ kind: 'spam' }), policy).closeAsThanks).toBe(false);
  });

  it('lets the triage officer assign a triaged case with one call', async () => {
    const theCase = await send('+821055550005', '그 뭐냐 거기 저기 좀 어떻게 해주세요');
    expect(theCase.department_code).toBe('AUDIT');
    const res = await api('POST', `/api/cases/${theCase.id}/assign`, { department: 'ROAD' });
    expect(res.statusCode).toBe(200);
    const after = await ctx.db.selectFrom('cases').selectAll().where('id', '=', theCase.id).executeTakeFirstOrThrow();
    expect(after.department_code).toBe('ROAD');
    expect(after.category_code).toBe('roads');
  });
});

describe('learning from corrections', () => {
  // Made-up words no example contains: only a correction can teach where they belong.
  const first = '뽀롱뽀롱 쿠루쿠루 장치가 또 말썽이에요';
  const similar = '쿠루쿠루 뽀롱뽀롱 장치 다시 봐주세요';

  // A new resident for every try: a number used twice would join the earlier try's case.
  let resident = 0;
  const nextResident = () => `+82105555${String(1000 + ++resident)}`;

  it('routes a similar message right after a reassignment, and forgets it when the correction is withdrawn', async () => {
    const before = await send('+821055550010', first);
    const target = before.department_code === 'CULTURE' ? 'DESIGN' : 'CULTURE';
    expect((await api('POST', `/api/cases/${before.id}/assign`, { department: target })).statusCode).toBe(200);

    const corrections = (await api('GET', '/api/routing/corrections')).json().items;
    const correction = corrections.find((c: { caseId: number }) => c.caseId === before.id);
    expect(correction).toMatchObject({ department: target, routedDepartment: before.department_code, withdrawnAt: null });
    expect(correction.staffId).toEqual(expect.any(Number));

    // The worker retrains in the background (within ROUTING_REFRESH_SECONDS).
    const learned = await eventually(async () => {
      const c = await send(nextResident(), similar);
      return c.department_code === target ? c : undefined;
    }, 15_000);
    expect(learned.routing?.reasons.length).toBeGreaterThan(0);

    const withdrawn = await api('POST', `/api/routing/corrections/${correction.id}/withdraw`);
    expect(withdrawn.statusCode).toBe(200);
    expect((await api('POST', `/api/routing/corrections/${correction.id}/withdraw`)).statusCode).toBe(404);
    const listed = (await api('GET', '/api/routing/corrections')).json().items.find((c: { id: number }) => c.id === correction.id);
    expect(listed.withdrawnAt).not.toBeNull();

    await eventually(async () => {
      const c = await send(nextResident(), similar);
      return c.department_code !== target ? c : undefined;
    }, 15_000);
  });

  it('lets only managers and admins see and withdraw corrections', async () => {
    const staff = await ctx.staffToken('staff', 'ROAD');
    const res = await ctx.app.inject({ method: 'GET', url: '/api/routing/corrections', headers: { authorization: `Bearer ${staff}` } });
    expect(res.statusCode).toBe(403);
  });
});
