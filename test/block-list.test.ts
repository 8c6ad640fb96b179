// The block list: a manager marks a case's sender; their next messages are still kept, and
// their cases close by themselves as `exception`, unanswered. Lifting it routes them again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilioOnly, type TestContext } from './support/harness.js';

let ctx: TestContext;
let manager: string;
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext({ THREAD_WINDOW_MINUTES: '0' });
  await ctx.startWorkers();
  manager = await ctx.staffToken('manager');
  admin = await ctx.staffToken('admin');
});
afterAll(async () => {
  await ctx?.close();
});

const api = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

/** A resident's SMS, filed and routed (or closed) by the worker; returns the new case. */
async function write(phone: string, body: string) {
  const before = await ctx.db.selectFrom('cases').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  expect((await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: body }))).statusCode).toBe(200);
  return eventually(async () => {
    const row = await ctx.db
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .selectAll('cases')
      .where('residents.phone', '=', phone)
      .where('cases.id', '>', before?.id ?? 0)
      .executeTakeFirst();
    return row && (row.routed_at !== null || row.status === 'closed') ? row : undefined;
  });
}

describe('block list', () => {
  it("closes a blocked sender's new cases as exception, unanswered, and keeps their words", async () => {
    const phone = '+821088880001';
    const first = await write(phone, '공원 벤치가 부서졌어요');
    expect(first.status).toBe('assigned');

    const blocked = await api(manager, 'POST', `/api/cases/${first.id}/block-sender`, { reason: '하루 수백 건의 욕설 메시지' });
    expect(blocked.statusCode).toBe(200);
    expect(blocked.json()).toMatchObject({ caseId: first.id, blocked: true });
    expect((await api(manager, 'GET', `/api/cases/${first.id}`)).json().resident).toMatchObject({ blocked: true });

    const next = await write(phone, '욕설이 담긴 메시지');
    expect(next).toMatchObject({ status: 'closed', disposition_code: 'exception', department_code: null });
    const messages = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', next.id).orderBy('id').execute();
    // Kept on record; no answer goes out (the acknowledgement went back in the webhook's answer).
    expect(messages.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(['욕설이 담긴 메시지']);
    expect(messages.filter((m) => m.kind === 'answer')).toEqual([]);
    const closed = await ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', next.id).where('type', '=', 'closed').executeTakeFirstOrThrow();
    expect(closed.data).toMatchObject({ disposition: 'exception', automatic: true, messageId: null });

    // Audited, with the reason.
    const audit = await api(admin, 'GET', `/api/audit?caseId=${first.id}`);
    const entries = audit.json().items as { action: string; detail: Record<string, unknown> }[];
    expect(entries.find((e) => e.action === 'resident.blocked')?.detail).toMatchObject({ reason: '하루 수백 건의 욕설 메시지' });

    // Lifted: the next message is routed like anyone's.
    expect((await api(manager, 'POST', `/api/cases/${first.id}/unblock-sender`)).statusCode).toBe(200);
    const after = await write(phone, '가로등이 꺼져 있어요');
    expect(after.status).toBe('assigned');
    expect(after.department_code).not.toBeNull();
  });

  it('asks for a reason, and answers 404 for a case that does not exist', async () => {
    const phone = '+821088880002';
    const theCase = await write(phone, '보도블록이 깨졌어요');
    const noReason = await api(manager, 'POST', `/api/cases/${theCase.id}/block-sender`, {});
    expect(noReason.statusCode).toBe(400);
    expect((await api(manager, 'POST', '/api/cases/999999/block-sender', { reason: '반복적인 욕설' })).statusCode).toBe(404);
  });
});
