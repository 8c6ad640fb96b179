// A flood from one number or Kakao user: every message is kept, they make one case, and the
// sender hears one polite notice instead of an acknowledgement each time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { askSkill, skillRequest, SKILL_SECRET } from './support/kakao.js';
import { SMS_ACKNOWLEDGEMENT, SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';
import { sql } from 'kysely';
import { FLOOD_NOTICE, forgetQuietSenders } from '../src/intake/sender-flood.js';
import { insertCountedInbound } from '../src/intake/inbox-repository.js';
import type { InboundSender } from '../src/intake/inbound-message.table.js';

let ctx: TestContext;

beforeAll(async () => {
  // No threading at all: only the flood rule can put these messages into one case.
  ctx = await createTestContext({ KAKAO_SKILL_SECRET: SKILL_SECRET, SENDER_FLOOD_MESSAGES: '3', THREAD_WINDOW_MINUTES: '0', SWEEP_INTERVAL_MS: '1000' });
});
afterAll(async () => {
  await ctx?.close();
});

async function casesOf(where: { phone?: string; kakao?: string }) {
  let query = ctx.db.selectFrom('cases').innerJoin('residents', 'residents.id', 'cases.resident_id').select('cases.id');
  if (where.phone) query = query.where('residents.phone', '=', where.phone);
  if (where.kakao) query = query.where('residents.kakao_user_key', '=', where.kakao);
  return query.execute();
}

describe('a flood from one sender', () => {
  it('SMS: keeps all 12 messages in one case; 3 acknowledgements, then one notice, then silence', async () => {
    const phone = '+821077770001';
    const bodies: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: `도배 메시지 ${i}` }));
      expect(res.statusCode).toBe(200);
      bodies.push(res.body);
    }
    const messageOf = (twiml: string) => /<Message>(.*)<\/Message>/.exec(twiml)?.[1] ?? null;
    const cases = await casesOf({ phone });
    const numbers = (await ctx.db.selectFrom('cases').select('case_number').where('id', 'in', cases.map((c) => c.id)).orderBy('id').execute()).map((c) => c.case_number);
    // Each of the first three names its own case (no threading here); the flood hears one notice.
    const acknowledgements = numbers.map((n) => withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, n));
    expect(bodies.map(messageOf)).toEqual([...acknowledgements, FLOOD_NOTICE, ...Array<null>(8).fill(null)]);
    // The first three are ordinary messages (no threading here: three cases); the flood joins the latest.
    expect(cases).toHaveLength(3);
    const inbound = await ctx.db
      .selectFrom('messages')
      .select(['case_id', 'text'])
      .where('case_id', 'in', cases.map((c) => c.id))
      .where('direction', '=', 'in')
      .orderBy('id')
      .execute();
    expect(inbound).toHaveLength(12);
    const last = inbound[2]!.case_id;
    expect(inbound.slice(3).every((m) => m.case_id === last)).toBe(true);
    // One acknowledgement row per answer actually given: 3 acknowledgements and the notice.
    const acks = await ctx.db
      .selectFrom('messages')
      .select('text')
      .where('case_id', 'in', cases.map((c) => c.id))
      .where('kind', '=', 'acknowledgement')
      .execute();
    expect(acks.map((a) => a.text).sort()).toEqual([...acknowledgements, FLOOD_NOTICE].sort());
  });

  it('KakaoTalk: the chat answers the notice each time past the limit (it costs nothing), one case', async () => {
    const userKey = 'flooding-kakao-resident';
    const answers: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const { texts } = await askSkill(ctx.app, skillRequest({ userKey, utterance: `같은 말 반복 ${i}` }));
      answers.push(texts[0]!);
    }
    expect(answers.slice(3)).toEqual([FLOOD_NOTICE, FLOOD_NOTICE, FLOOD_NOTICE]);
    expect(answers.slice(0, 3).every((a) => a.startsWith('민원이 접수되었습니다'))).toBe(true);
    expect(await casesOf({ kakao: userKey })).toHaveLength(3);
  });

  it('counts senders apart in Postgres, and puts no phone number or Kakao key in Redis', async () => {
    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: '+821077770002', Body: '다른 주민' }));
    expect(res.body).toContain('[구청장 소통폰] 접수되었습니다(접수번호 ');
    const counts = await ctx.db.selectFrom('sender_flood_counts').select(['sender', 'messages']).orderBy('sender').execute();
    expect(counts).toEqual(
      expect.arrayContaining([
        { sender: 'phone:+821077770001', messages: 12 },
        { sender: 'phone:+821077770002', messages: 1 },
        { sender: 'kakao:flooding-kakao-resident', messages: 6 },
      ]),
    );
    const redis = new Redis(ctx.config.redisUrl);
    try {
      const keys = await redis.keys(`${ctx.config.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key).not.toMatch(/77770001|77770002|flooding-kakao-resident/);
    } finally {
      redis.disconnect();
    }
  });
});

describe('the sender count, taken by the statement that stores the message', () => {
  const limit = { messages: 2, windowMs: 60_000 };
  let n = 0;
  // A Kakao user writes in the chat (the notice every time past the limit), a phone by SMS.
  const store = (sender: InboundSender) =>
    insertCountedInbound(
      ctx.db,
      {
        channel: 'kakao' in sender ? 'kakao' : 'sms',
        provider: 'unit',
        providerMessageId: `unit-${++n}`,
        sender,
        text: `메시지 ${n}`,
        raw: {},
        acknowledgement: SMS_ACKNOWLEDGEMENT,
        acknowledgementStatus: 'delivered',
        receivedAt: new Date(),
      },
      limit,
      0,
    );

  it('opens the window at the first message; the notice once past the limit, then silence', async () => {
    const sender = { phone: '+821077770099' };
    const first = await store(sender);
    expect(first).toMatchObject({ standing: 'normal', acknowledgement: SMS_ACKNOWLEDGEMENT });
    const row = await ctx.db.selectFrom('sender_flood_counts').selectAll().where('sender', '=', 'phone:+821077770099').executeTakeFirstOrThrow();
    expect(row.messages).toBe(1);
    expect(Math.abs(row.window_started_at.getTime() - Date.now())).toBeLessThan(5_000);
    expect(await store(sender)).toMatchObject({ standing: 'normal', acknowledgement: SMS_ACKNOWLEDGEMENT });
    expect(await store(sender)).toMatchObject({ standing: 'first-over', acknowledgement: FLOOD_NOTICE });
    expect(await store(sender)).toMatchObject({ standing: 'over', acknowledgement: null });
    // What was answered is what the inbox keeps; the flood is marked for the routing worker.
    const stored = await ctx.db
      .selectFrom('inbound_messages')
      .select(['acknowledgement', 'flood'])
      .where('id', '=', first!.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ acknowledgement: SMS_ACKNOWLEDGEMENT, flood: false });
    const last = await ctx.db.selectFrom('inbound_messages').select(['acknowledgement', 'flood']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(last).toEqual({ acknowledgement: null, flood: true });
  });

  it('counts messages stored at the same moment exactly, one each (the row lock orders them)', async () => {
    const other = { kakao: { userKey: 'unit-kakao', plusfriendUserKey: null, appUserId: null, isFriend: false } };
    const together = await Promise.all([1, 2, 3, 4, 5].map(() => store(other)));
    expect(together.map((t) => t!.standing).sort()).toEqual(['first-over', 'normal', 'normal', 'over', 'over']);
    expect(together.filter((t) => t!.acknowledgement === FLOOD_NOTICE)).toHaveLength(3);
    const row = await ctx.db.selectFrom('sender_flood_counts').select('messages').where('sender', '=', 'kakao:unit-kakao').executeTakeFirstOrThrow();
    expect(row.messages).toBe(5);
  });

  it('starts a new window once the last has passed, and the sweeper forgets quiet senders', async () => {
    const sender = { phone: '+821077770098' };
    for (let i = 0; i < 3; i++) await store(sender);
    // The window opened over a minute ago.
    await ctx.db
      .updateTable('sender_flood_counts')
      .set({ window_started_at: sql<Date>`now() - interval '61 seconds'` })
      .where('sender', '=', 'phone:+821077770098')
      .execute();
    expect(await store(sender)).toMatchObject({ standing: 'normal', acknowledgement: SMS_ACKNOWLEDGEMENT });
    await ctx.db
      .updateTable('sender_flood_counts')
      .set({ window_started_at: sql<Date>`now() - interval '61 seconds'` })
      .where('sender', '=', 'phone:+821077770098')
      .execute();
    const before = await ctx.db.selectFrom('sender_flood_counts').select('sender').execute();
    expect(await forgetQuietSenders(ctx.db, 60_000, 0)).toBe(1);
    const after = await ctx.db.selectFrom('sender_flood_counts').select('sender').execute();
    expect(after.map((r) => r.sender).sort()).toEqual(before.map((r) => r.sender).filter((s) => s !== 'phone:+821077770098').sort());
  });

  it('a message that names nobody is stored as normal and counted nowhere', async () => {
    const before = await ctx.db.selectFrom('sender_flood_counts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    for (let i = 0; i < 4; i++) expect(await store({})).toMatchObject({ standing: 'normal', acknowledgement: SMS_ACKNOWLEDGEMENT });
    const after = await ctx.db.selectFrom('sender_flood_counts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('a provider delivering the same message again stores it once', async () => {
    const row = {
      channel: 'sms' as const,
      provider: 'unit',
      providerMessageId: 'unit-again',
      sender: { phone: '+821077770097' },
      text: '한 번',
      raw: {},
      acknowledgement: SMS_ACKNOWLEDGEMENT,
      acknowledgementStatus: 'delivered' as const,
      receivedAt: new Date(),
    };
    expect(await insertCountedInbound(ctx.db, row, limit, 0)).not.toBeNull();
    expect(await insertCountedInbound(ctx.db, row, limit, 0)).toBeNull();
    const stored = await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', 'unit-again').execute();
    expect(stored).toHaveLength(1);
  });

  it('the sweeper in the workers forgets a sender once their window has passed', async () => {
    await store({ phone: '+821077770096' });
    await ctx.db
      .updateTable('sender_flood_counts')
      .set({ window_started_at: sql<Date>`now() - interval '601 seconds'` })
      .where('sender', '=', 'phone:+821077770096')
      .execute();
    await ctx.startWorkers();
    await eventually(async () => {
      const left = await ctx.db.selectFrom('sender_flood_counts').select('sender').where('sender', '=', 'phone:+821077770096').execute();
      return left.length === 0;
    });
    // A sender still within their window is kept.
    expect(await ctx.db.selectFrom('sender_flood_counts').select('sender').where('sender', '=', 'kakao:unit-kakao').execute()).toHaveLength(1);
  });
});
