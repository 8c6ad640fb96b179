import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { InboundSender } from '../intake/inbound-message.table.js';
import { maskPhone } from '../residents/phone.js';
import type { ConsentKeyword } from './consent-keywords.js';
import type { ConsentStatus, WithdrawalChannel } from './notice.table.js';

/*
 * What a resident hears back. Each fits one SMS (90 EUC-KR bytes, KS X 1001 only; checked by
 * test/notices-consent.test.ts) because on SMS it is the whole answer.
 */
export const WITHDRAWN_REPLY = '[구청장 소통폰] 수신거부 처리되었습니다. 구청 알림을 더 보내지 않습니다.';
export const SUBSCRIBED_REPLY = "[구청장 소통폰] 구청 알림을 신청하셨습니다. 그만 받으려면 '수신거부'를 보내 주세요.";
/** KakaoTalk gives no phone number: the resident writes it with the request. */
export const NEEDS_PHONE_REPLY = '알림을 받을 휴대전화 번호와 함께 보내 주세요. 예: 알림 신청 010-1234-5678';

export interface ConsentMessage {
  channel: 'sms' | 'kakao';
  provider: string;
  providerMessageId: string;
  sender: InboundSender;
  /** The message exactly as written: the consent (or withdrawal) wording kept in the ledger. */
  text: string;
  receivedAt: Date;
  /** The reply cannot go back in the webhook's answer (a gateway's SMS): a job sends it. */
  replyPending: boolean;
}

export interface ConsentOutcome {
  eventId: number;
  action: ConsentKeyword['action'];
  reply: string;
  /** The consent row changed (or was made); null when no number is known (KakaoTalk, none written). */
  consentId: number | null;
  /** Delivered before: already handled and answered then. */
  duplicate: boolean;
}

/** When a withdrawn consent (and its messages) is removed: the documented retention period after it ends. */
export function purgeAfter(at: Date, retentionDays: number): Date {
  return new Date(at.getTime() + retentionDays * 24 * 3600_000);
}

/**
 * A subscribe or opt-out message, in one transaction: the message is stored (idempotent on the
 * provider's id), and the ledger changes at once. An opt-out always works: by the sender's
 * number (SMS), the number written in it, or the Kakao user who subscribed; from a number never
 * subscribed it is kept as a withdrawn row so that no later import subscribes it.
 */
export async function recordConsentMessage(db: Db, message: ConsentMessage, keyword: ConsentKeyword, retentionDays: number): Promise<ConsentOutcome> {
  const phone = 'phone' in message.sender ? message.sender.phone : keyword.phone;
  const kakaoUserKey = 'kakao' in message.sender ? message.sender.kakao.userKey : null;
  const withdrawal: WithdrawalChannel = message.channel;
  return db.transaction().execute(async (trx) => {
    const event = await trx
      .insertInto('notice_consent_events')
      .values({
        action: keyword.action,
        channel: message.channel,
        provider: message.provider,
        provider_message_id: message.providerMessageId,
        phone,
        kakao_user_key: kakaoUserKey,
        text: message.text.replaceAll('\u0000', ''),
        received_at: message.receivedAt,
      })
      .onConflict((oc) => oc.columns(['provider', 'provider_message_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!event) {
      const earlier = await trx
        .selectFrom('notice_consent_events')
        .select(['id', 'consent_id', 'reply'])
        .where('provider', '=', message.provider)
        .where('provider_message_id', '=', message.providerMessageId)
        .executeTakeFirstOrThrow();
      return { eventId: earlier.id, action: keyword.action, reply: earlier.reply ?? WITHDRAWN_REPLY, consentId: earlier.consent_id, duplicate: true };
    }

    let consentId: number | null = null;
    let reply: string;
    if (keyword.action === 'withdraw') {
      reply = WITHDRAWN_REPLY;
      const byPhone = phone === null ? undefined : await trx.selectFrom('notice_consents').select(['id', 'status']).where('phone', '=', phone).forUpdate().executeTakeFirst();
      const byKakao =
        kakaoUserKey === null
          ? []
          : await trx.selectFrom('notice_consents').select(['id', 'status']).where('kakao_user_key', '=', kakaoUserKey).forUpdate().execute();
      const matched = [...(byPhone ? [byPhone] : []), ...byKakao.filter((k) => k.id !== byPhone?.id)];
      const withdrawn = {
        status: 'withdrawn' as ConsentStatus,
        withdrawn_at: message.receivedAt,
        withdrawal_channel: withdrawal,
        withdrawal_text: message.text,
        purge_after: purgeAfter(message.receivedAt, retentionDays),
        updated_at: new Date(),
      };
      const active = matched.filter((m) => m.status === 'active').map((m) => m.id);
      if (active.length > 0) await trx.updateTable('notice_consents').set(withdrawn).where('id', 'in', active).execute();
      if (matched.length > 0) consentId = matched[0]!.id;
      else if (phone !== null) {
        const row = await trx
          .insertInto('notice_consents')
          .values({ phone, kakao_user_key: kakaoUserKey, ...withdrawn, source: message.provider })
          .returning('id')
          .executeTakeFirstOrThrow();
        consentId = row.id;
      }
    } else if (phone === null) {
      reply = NEEDS_PHONE_REPLY;
    } else {
      reply = SUBSCRIBED_REPLY;
      const row = await trx
        .insertInto('notice_consents')
        .values({
          phone,
          kakao_user_key: kakaoUserKey,
          status: 'active',
          consented_at: message.receivedAt,
          consent_channel: message.channel,
          consent_text: message.text,
          source: message.provider,
        })
        .onConflict((oc) =>
          oc.column('phone').doUpdateSet((eb) => ({
            status: 'active',
            consented_at: eb.ref('excluded.consented_at'),
            consent_channel: eb.ref('excluded.consent_channel'),
            consent_text: eb.ref('excluded.consent_text'),
            source: eb.ref('excluded.source'),
            kakao_user_key: sql<string | null>`coalesce(excluded.kakao_user_key, notice_consents.kakao_user_key)`,
            withdrawn_at: null,
            withdrawal_channel: null,
            withdrawal_text: null,
            purge_after: null,
            updated_at: new Date(),
          })),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      consentId = row.id;
    }
    await trx
      .updateTable('notice_consent_events')
      .set({ consent_id: consentId, reply, reply_status: message.replyPending ? 'pending' : 'sent' })
      .where('id', '=', event.id)
      .execute();
    return { eventId: event.id, action: keyword.action, reply, consentId, duplicate: false };
  });
}

/** Whether this number may receive a notice now: consent given and not withdrawn. */
export async function hasActiveConsent(db: Db, phone: string): Promise<boolean> {
  const row = await db.selectFrom('notice_consents').select('status').where('phone', '=', phone).executeTakeFirst();
  return row?.status === 'active';
}

export interface ConsentListItem {
  id: number;
  phone: string | null;
  dong: string | null;
  status: ConsentStatus;
  consentedAt: Date | null;
  consentChannel: string | null;
  withdrawnAt: Date | null;
}

/** The ledger for staff lists: numbers masked (010-****-1234). */
export async function listConsents(db: Db, options: { status?: ConsentStatus; limit: number; afterId?: number }): Promise<ConsentListItem[]> {
  let query = db
    .selectFrom('notice_consents')
    .select(['id', 'phone', 'dong', 'status', 'consented_at', 'consent_channel', 'withdrawn_at'])
    .orderBy('id')
    .limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.afterId) query = query.where('id', '>', options.afterId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    phone: maskPhone(r.phone),
    dong: r.dong,
    status: r.status,
    consentedAt: r.consented_at,
    consentChannel: r.consent_channel,
    withdrawnAt: r.withdrawn_at,
  }));
}

export async function consentCounts(db: Db): Promise<{ active: number; withdrawn: number }> {
  const rows = await db.selectFrom('notice_consents').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const of = (s: ConsentStatus) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { active: of('active'), withdrawn: of('withdrawn') };
}

/**
 * Retention: a consent withdrawn longer ago than the documented period is removed with its
 * messages (the recipients of past notices keep their status, no longer who they were), and so
 * are opt-out messages that named nobody.
 */
export async function purgeEndedConsents(db: Db, now: Date, retentionDays: number): Promise<{ consents: number; events: number }> {
  const consents = await db.deleteFrom('notice_consents').where('purge_after', '<', now).where('status', '=', 'withdrawn').executeTakeFirst();
  const events = await db
    .deleteFrom('notice_consent_events')
    .where('consent_id', 'is', null)
    .where('received_at', '<', new Date(now.getTime() - retentionDays * 24 * 3600_000))
    .executeTakeFirst();
  return { consents: Number(consents.numDeletedRows), events: Number(events.numDeletedRows) };
}
