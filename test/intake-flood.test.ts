// A flood from one number or Kakao user: every message is kept, they make one case, and the
// sender hears one polite notice instead of an acknowledgement each time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestContext, eventually, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { askSkill, skillRequest, SKILL_SECRET } from './support/kakao.js';
import { SMS_ACKNOWLEDGEMENT } from '../src/intake/acknowledgement.js';
import { FLOOD_NOTICE, SenderFlood } from '../src/intake/sender-flood.js';

let ctx: TestContext;

beforeAll(async () => {
  // No threading at all: only the flood rule can put these messages into one case.
  ctx = await createTestContext({ KAKAO_SKILL_SECRET: SKILL_SECRET, SENDER_FLOOD_MESSAGES: '3', THREAD_WINDOW_MINUTES: '0' });
  // Counting needs the API's Redis connection up (until then messages count as normal).
  await eventually(async () => ctx.app.redis.status === 'ready');
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
    expect(bodies.map(messageOf)).toEqual([
      SMS_ACKNOWLEDGEMENT,
      SMS_ACKNOWLEDGEMENT,
      SMS_ACKNOWLEDGEMENT,
      FLOOD_NOTICE,
      ...Array<null>(8).fill(null),
    ]);
    const cases = await casesOf({ phone });
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
    expect(acks.map((a) => a.text).sort()).toEqual([SMS_ACKNOWLEDGEMENT, SMS_ACKNOWLEDGEMENT, SMS_ACKNOWLEDGEMENT, FLOOD_NOTICE].sort());
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

  it('counts senders apart, and keeps no phone number or Kakao key in Redis', async () => {
    const res = await postSignedTwilio(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: '+821077770002', Body: '다른 주민' }));
    expect(res.body).toContain(SMS_ACKNOWLEDGEMENT);
    const redis = new Redis(ctx.config.redisUrl);
    try {
      const keys = await redis.keys(`${ctx.config.queuePrefix}:sender-count:*`);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      for (const key of keys) {
        expect(key).not.toMatch(/77770001|77770002|flooding-kakao-resident/);
        expect(await redis.pttl(key)).toBeGreaterThan(0);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('the sender count in Redis', () => {
  it('opens the window at the first message, and counts each message in one command', async () => {
    const redis = new Redis(ctx.config.redisUrl);
    const prefix = `${ctx.config.queuePrefix}:unit`;
    try {
      const flood = new SenderFlood(redis, prefix, 'unit-secret', { messages: 2, windowMs: 60_000 });
      const sender = { phone: '+821077770099' };
      expect(await flood.standing(sender)).toBe('normal');
      const [key] = await redis.keys(`${prefix}:sender-count:*`);
      const ttl = await redis.pttl(key!);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await flood.standing(sender)).toBe('normal');
      expect(await flood.standing(sender)).toBe('first-over');
      expect(await flood.standing(sender)).toBe('over');
      expect(await redis.get(key!)).toBe('4');
      // Messages read in the same moment are counted in one command, each in turn.
      const other = { kakao: { userKey: 'unit-kakao', plusfriendUserKey: null, appUserId: null, isFriend: false } };
      const together = await Promise.all([flood.standing(other), flood.standing(other), flood.standing(other), flood.standing(sender)]);
      expect(together).toEqual(['normal', 'normal', 'first-over', 'over']);
      expect(await redis.get(key!)).toBe('5');
      // A count somehow left without expiry gets one: nobody is counted forever.
      await redis.persist(key!);
      await flood.standing(sender);
      expect(await redis.pttl(key!)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
