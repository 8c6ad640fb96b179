import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, postSignedTwilio, postSignedTwilioOnly, type TestContext } from './support/harness.js';
import { acceptResidentMessage } from './support/accept-message.js';
import { sweepStoredWork } from '../workers/sweeper.js';
import { routeMessage } from '../src/routing/route-message.js';
import { loadRouter } from '../src/routing/load-router.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
});
afterAll(async () => {
  await ctx?.close();
});

async function caseOfPhone(phone: string) {
  return ctx.db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .where('residents.phone', '=', phone)
    .executeTakeFirst();
}

describe('filing job (the worker files and routes what a webhook left in the inbox)', () => {
  it('opens, routes and dates a new case in one call: message, acknowledgement, events, deadline', async () => {
    const phone = '+821022220101';
    await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '신당동 주택가 골목 보도블록이 깨져서 넘어질 뻔했어요' }));
    const routed = await eventually(async () => {
      const c = await caseOfPhone(phone);
      return c?.department_code ? c : undefined;
    });
    expect(routed).toMatchObject({ department_code: 'ROAD', status: 'assigned', kind: 'complaint' });
    expect(routed.due_at).toBeInstanceOf(Date);
    expect(routed.deadline_days).toBe(7);
    const events = await ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', routed.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['received', 'routed']);
    const messages = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', routed.id).orderBy('id').execute();
    expect(messages.map((m) => [m.direction, m.kind, m.routed_at !== null])).toEqual([
      ['in', 'resident', true],
      ['out', 'acknowledgement', false],
    ]);
  });

  it('files a follow-up into the open case and routes nothing twice', async () => {
    const phone = '+821022220102';
    await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '공원 화장실 조명이 고장났어요' }));
    const first = await eventually(async () => {
      const c = await caseOfPhone(phone);
      return c?.department_code ? c : undefined;
    });
    await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '밤에는 너무 어두워서 무서워요' }));
    await eventually(async () => {
      const inbound = await ctx.db.selectFrom('messages').select('routed_at').where('case_id', '=', first.id).where('direction', '=', 'in').execute();
      return inbound.length === 2 && inbound.every((m) => m.routed_at !== null);
    });
    const events = await ctx.db.selectFrom('case_events').select('type').where('case_id', '=', first.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['received', 'routed', 'message_added']);
    expect((await caseOfPhone(phone))?.department_code).toBe(first.department_code);
  });
});

describe('routing job', () => {
  it('classifies a stored SMS and assigns the owning department, with reasons', async () => {
    const phone = '+821022220001';
    await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '약수동 골목에 불법주차 차량 때문에 소방차가 못 지나가요. 단속해 주세요' }));
    const routed = await eventually(async () => {
      const c = await caseOfPhone(phone);
      return c?.department_code ? c : undefined;
    });
    expect(routed.department_code).toBe('PARKING');
    expect(routed.category_code).toBe('traffic');
    expect(routed.status).toBe('assigned');
    expect(routed.routing?.reasons.length).toBeGreaterThan(0);
    expect(routed.routing?.confidence).toBeGreaterThan(0);
    const events = await ctx.db.selectFrom('case_events').selectAll().where('case_id', '=', routed.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['received', 'routed']);
    expect(events[1]!.data).toMatchObject({ department: 'PARKING', category: 'traffic' });
  });

  it('sends a message no department owns to the triage team', async () => {
    const phone = '+821022220002';
    await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '안녕하세요' }));
    const routed = await eventually(async () => {
      const c = await caseOfPhone(phone);
      return c?.department_code ? c : undefined;
    });
    expect(routed.department_code).toBe('AUDIT');
    expect(routed.category_code).toBe('other');
  });

  it('leaves a case where staff put it when a follow-up arrives', async () => {
    const phone = '+821022220003';
    await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '보도블록이 깨져 있어요' }));
    const first = await eventually(async () => {
      const c = await caseOfPhone(phone);
      return c?.department_code ? c : undefined;
    });
    expect(first.department_code).toBe('ROAD');
    // A staff member moves it; a follow-up that mentions garbage must not move it back or elsewhere.
    await ctx.db.updateTable('cases').set({ department_code: 'HOUSING', category_code: 'building_housing' }).where('id', '=', first.id).execute();
    await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '그리고 쓰레기도 많아요' }));
    await eventually(async () => {
      const pending = await ctx.db
        .selectFrom('messages')
        .select('id')
        .where('case_id', '=', first.id)
        .where('direction', '=', 'in')
        .where('routed_at', 'is', null)
        .execute();
      return pending.length === 0;
    });
    const after = await caseOfPhone(phone);
    expect(after?.department_code).toBe('HOUSING');
  });

  it('routes the same message once however often the job runs', async () => {
    const accepted = await acceptResidentMessage(
      ctx.db,
      { channel: 'sms', provider: 'twilio', providerMessageId: 'SM-route-twice', from: { kind: 'phone', phone: '+821022220004' }, text: '음식점 위생 상태가 불량합니다', raw: {} },
      { threadWindowMinutes: 30 },
    );
    const { router } = await loadRouter(ctx.db);
    const policy = { routerName: 'test', confidenceThreshold: 0 };
    expect((await routeMessage(ctx.db, router, policy, accepted.messageId)).outcome).toBe('routed');
    expect((await routeMessage(ctx.db, router, policy, accepted.messageId)).outcome).toBe('already-routed');
    const events = await ctx.db.selectFrom('case_events').select('type').where('case_id', '=', accepted.caseId).execute();
    expect(events.filter((e) => e.type === 'routed')).toHaveLength(1);
  });
});

describe('sweeper', () => {
  it('enqueues a message that was stored but never reached the queue', async () => {
    // What a webhook leaves behind when Redis was away: the message in Postgres, no job.
    const accepted = await acceptResidentMessage(
      ctx.db,
      {
        channel: 'sms',
        provider: 'twilio',
        providerMessageId: 'SM-swept',
        from: { kind: 'phone', phone: '+821022220005' },
        text: '공사장 소음이 너무 심해요',
        raw: {},
        receivedAt: new Date(Date.now() - 120_000),
      },
      { threadWindowMinutes: 30 },
    );
    expect(await ctx.app.queues.routing.getJob(`route-${accepted.messageId}`)).toBeUndefined();
    const found = await sweepStoredWork(ctx.db, ctx.app.queues, 30_000);
    expect(found.route).toBeGreaterThanOrEqual(1);
    const routed = await eventually(async () => {
      const c = await ctx.db.selectFrom('cases').selectAll().where('id', '=', accepted.caseId).executeTakeFirst();
      return c?.department_code ? c : undefined;
    });
    expect(routed.department_code).toBe('ENV');
    // Sweeping again finds nothing left to do for it.
    await sweepStoredWork(ctx.db, ctx.app.queues, 30_000);
    const events = await ctx.db.selectFrom('case_events').select('type').where('case_id', '=', accepted.caseId).execute();
    expect(events.filter((e) => e.type === 'routed')).toHaveLength(1);
  });
});

describe('Redis', () => {
  it('holds ids only: no phone number or message text in any job', async () => {
    const phone = '+821022220099';
    const text = '우리 아파트 옆 공원 가로등이 고장났어요 개인정보문구';
    await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: text }));
    await eventually(async () => (await caseOfPhone(phone))?.department_code ?? undefined);
    const redis = ctx.app.redis;
    const keys = await redis.keys(`${ctx.config.queuePrefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    let dump = '';
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'hash') dump += JSON.stringify(await redis.hgetall(key));
      else if (type === 'string') dump += await redis.get(key);
      else if (type === 'list') dump += (await redis.lrange(key, 0, -1)).join(',');
      else if (type === 'zset') dump += (await redis.zrange(key, 0, -1)).join(',');
    }
    expect(dump).toContain('messageId');
    for (const secret of [phone, phone.slice(3), '가로등', '개인정보문구']) expect(dump).not.toContain(secret);
  });
});
