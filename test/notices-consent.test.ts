// The consent ledger of notices (docs/notices.md): subscribe and opt-out messages on SMS and
// KakaoTalk change it at once, are stored with their exact words, are confirmed, and never
// open a civil-petition case.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesOfKakaoResident } from './support/cases.js';
import { createTestContext, inboundSms, postSignedTwilio, type TestContext } from './support/harness.js';
import { askSkill, skillRequest } from './support/kakao.js';
import { readConsentKeyword } from '../src/notices/consent-keywords.js';
import {
  NEEDS_PHONE_REPLY,
  purgeEndedConsents,
  SUBSCRIBED_REPLY,
  WITHDRAWN_REPLY,
  listConsents,
} from '../src/notices/consent-repository.js';
import { eucKrByteLength, isKsX1001 } from '../src/outbound/sms-text.js';
import { drainIntakeBuffer } from '../src/intake/drain-buffer.js';

const PATH = '/webhooks/sms/twilio';
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ KAKAO_SKILL_SECRET: 'test-secret', NOTICE_CONSENT_RETENTION_DAYS: '30' });
});
afterAll(async () => {
  await ctx?.close();
});

const consentOf = (phone: string) => ctx.db.selectFrom('notice_consents').selectAll().where('phone', '=', phone).executeTakeFirst();
const casesOf = (phone: string) =>
  ctx.db.selectFrom('cases').innerJoin('residents', 'residents.id', 'cases.resident_id').select('cases.id').where('residents.phone', '=', phone).execute();
const inboxOf = (phone: string) =>
  ctx.db.selectFrom('inbound_messages').select('id').where(sql<boolean>`sender @> ${JSON.stringify({ phone })}::jsonb`).execute();

async function sms(from: string, body: string, sid = `SM${randomBytes(16).toString('hex')}`) {
  const res = await postSignedTwilio(ctx.app, PATH, inboundSms({ From: from, Body: body, MessageSid: sid }));
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('readConsentKeyword', () => {
  it.each(['수신거부', '수신 거부', '[수신거부]', '거부', '알림 해지', 'STOP', 'stop!', '구독취소', '구독 취소.', ' 수신거부 ', '수신거부합니다', '알림 해지해 주세요', '수신 거부요'])('reads %j as an opt-out', (text) => {
    expect(readConsentKeyword(text)).toEqual({ action: 'withdraw', phone: null });
  });

  it.each(['알림 신청', '구독', '알림신청!', 'START', '알림 신청합니다', '구독할게요'])('reads %j as a subscription', (text) => {
    expect(readConsentKeyword(text)).toEqual({ action: 'subscribe', phone: null });
  });

  it('reads a phone number written with the request (KakaoTalk gives none)', () => {
    expect(readConsentKeyword('알림 신청 010-2222-3333')).toEqual({ action: 'subscribe', phone: '+821022223333' });
    expect(readConsentKeyword('01022223333 수신거부')).toEqual({ action: 'withdraw', phone: '+821022223333' });
  });

  it.each(['주차 단속 거부합니다', '거부당했어요 도와주세요', '신당동 구독자 모임 장소 문의', '그만 좀 하세요', '수신거부 했는데 왜 또 문자가 와요? 신당동 사는데요 정말 화가 납니다 빨리 처리해 주세요 부탁합니다 정말로요'])(
    'leaves %j a petition',
    (text) => {
      expect(readConsentKeyword(text)).toBeNull();
    },
  );

  it('answers in one SMS each (90 EUC-KR bytes, KS X 1001)', () => {
    for (const reply of [WITHDRAWN_REPLY, SUBSCRIBED_REPLY]) {
      expect(eucKrByteLength(reply), reply).toBeLessThanOrEqual(90);
      expect(isKsX1001(reply)).toBe(true);
    }
  });
});

describe('consent by SMS', () => {
  it('subscribes with the exact words kept, and withdraws at once on 수신 거부, confirmed, without a case', async () => {
    const phone = '+821055510001';
    expect(await sms(phone, '알림 신청')).toContain(`<Message>${SUBSCRIBED_REPLY}</Message>`);
    const subscribed = await consentOf(phone);
    expect(subscribed).toMatchObject({ status: 'active', consent_channel: 'sms', consent_text: '알림 신청', source: 'twilio', withdrawn_at: null });

    const twiml = await sms(phone, '수신 거부');
    expect(twiml).toContain(`<Message>${WITHDRAWN_REPLY}</Message>`);
    const withdrawn = (await consentOf(phone))!;
    expect(withdrawn).toMatchObject({ status: 'withdrawn', withdrawal_channel: 'sms', withdrawal_text: '수신 거부', consent_text: '알림 신청' });
    // Kept for the documented period (NOTICE_CONSENT_RETENTION_DAYS=30), then removed.
    expect(withdrawn.purge_after!.getTime() - withdrawn.withdrawn_at!.getTime()).toBe(30 * 24 * 3600_000);

    // Both messages stored as written, neither in the petitions' inbox, no case.
    const events = await ctx.db.selectFrom('notice_consent_events').selectAll().where('phone', '=', phone).orderBy('id').execute();
    expect(events.map((e) => [e.action, e.text, e.consent_id, e.reply_status])).toEqual([
      ['subscribe', '알림 신청', withdrawn.id, 'sent'],
      ['withdraw', '수신 거부', withdrawn.id, 'sent'],
    ]);
    expect(await inboxOf(phone)).toEqual([]);
    expect(await casesOf(phone)).toEqual([]);
  });

  it('handles a re-sent webhook once', async () => {
    const phone = '+821055510002';
    const sid = `SM${randomBytes(16).toString('hex')}`;
    await sms(phone, '구독', sid);
    await sms(phone, '구독', sid);
    expect(await ctx.db.selectFrom('notice_consent_events').select('id').where('phone', '=', phone).execute()).toHaveLength(1);
  });

  it('keeps an opt-out from a number that never subscribed, so that no import subscribes it later', async () => {
    const phone = '+821055510003';
    expect(await sms(phone, 'STOP')).toContain(WITHDRAWN_REPLY);
    expect(await consentOf(phone)).toMatchObject({ status: 'withdrawn', consented_at: null, consent_text: null, withdrawal_text: 'STOP' });
    expect(await casesOf(phone)).toEqual([]);
  });

  it('still opens a case for a petition that merely contains such a word', async () => {
    const phone = '+821055510004';
    await sms(phone, '주차 단속 거부합니다');
    expect(await casesOf(phone)).toHaveLength(1);
    expect(await consentOf(phone)).toBeUndefined();
  });

  it('masks the numbers in the ledger list', async () => {
    const items = await listConsents(ctx.db, { limit: 100 });
    expect(items.length).toBe(3);
    for (const item of items) expect(item.phone).toMatch(/^010-\*{4}-\d{4}$/);
  });
});

describe('consent by KakaoTalk', () => {
  it('subscribes with the number written, withdraws by the Kakao user, and asks for a number when none is given', async () => {
    const userKey = `kakao-${randomBytes(4).toString('hex')}`;
    const phone = '+821055520001';
    expect((await askSkill(ctx.app, skillRequest({ userKey, utterance: '구독' }))).texts).toEqual([NEEDS_PHONE_REPLY]);
    expect(await consentOf(phone)).toBeUndefined();

    expect((await askSkill(ctx.app, skillRequest({ userKey, utterance: '알림 신청 010-5552-0001' }))).texts).toEqual([SUBSCRIBED_REPLY]);
    expect(await consentOf(phone)).toMatchObject({ status: 'active', consent_channel: 'kakao', consent_text: '알림 신청 010-5552-0001', kakao_user_key: userKey });

    expect((await askSkill(ctx.app, skillRequest({ userKey, utterance: '알림 해지' }))).texts).toEqual([WITHDRAWN_REPLY]);
    expect(await consentOf(phone)).toMatchObject({ status: 'withdrawn', withdrawal_channel: 'kakao', withdrawal_text: '알림 해지' });
    const kakaoCases = await casesOfKakaoResident(ctx.db, userKey);
    expect(kakaoCases).toEqual([]);
  });
});

describe('while Postgres was away', () => {
  it('an opt-out kept in the Redis buffer is applied to the ledger by the drain, never filed as a case', async () => {
    const phone = '+821055530001';
    await sms(phone, '알림 신청');
    await ctx.app.intake.buffer.put({
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: `SM${randomBytes(16).toString('hex')}`,
      sender: { phone },
      text: '수신거부',
      raw: {},
      acknowledgement: null,
      acknowledgementStatus: 'sent',
      receivedAt: new Date(),
    });
    const drained = await drainIntakeBuffer(ctx.db, ctx.app.queues, ctx.app.intake.buffer, 30, 500, undefined, 30);
    expect(drained.filed).toBe(1);
    expect(await consentOf(phone)).toMatchObject({ status: 'withdrawn', withdrawal_text: '수신거부' });
    expect(await inboxOf(phone)).toEqual([]);
  });
});

describe('retention', () => {
  it('removes a consent withdrawn longer ago than the period, with its messages, and keeps the others', async () => {
    const old = '+821055540001';
    const recent = '+821055540002';
    await sms(old, '알림 신청');
    await sms(old, '수신거부');
    await sms(recent, '알림 신청');
    await sms(recent, '수신거부');
    await ctx.db.updateTable('notice_consents').set({ purge_after: new Date(Date.now() - 1000) }).where('phone', '=', old).execute();
    const purged = await purgeEndedConsents(ctx.db, new Date(), 30);
    expect(purged.consents).toBeGreaterThanOrEqual(1);
    expect(await consentOf(old)).toBeUndefined();
    expect(await ctx.db.selectFrom('notice_consent_events').select('id').where('phone', '=', old).execute()).toEqual([]);
    expect(await consentOf(recent)).toMatchObject({ status: 'withdrawn' });
  });
});
