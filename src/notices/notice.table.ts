import type { ColumnType, Generated, Selectable } from 'kysely';

export type ConsentStatus = 'active' | 'withdrawn';
export type ConsentChannel = 'sms' | 'kakao' | 'import' | 'staff';
export type WithdrawalChannel = 'sms' | 'kakao' | 'staff';

/** The consent ledger: one row per phone number (E.164). Purged `purge_after` a withdrawal. */
export interface NoticeConsentTable {
  id: Generated<number>;
  phone: string;
  kakao_user_key: string | null;
  /** The resident's 동 (administrative neighbourhood), for notices to one or more 동. */
  dong: string | null;
  segments: ColumnType<string[], string[] | undefined, string[]>;
  status: ConsentStatus;
  /** Null only on a withdrawn row of a number that never consented (an opt-out kept as such). */
  consented_at: Date | null;
  consent_channel: ConsentChannel | null;
  /** The exact words agreed to: the resident's own message, or the wording of the form imported. */
  consent_text: string | null;
  /** Where the consent came from: an import's file name, or the provider that carried the message. */
  source: string | null;
  withdrawn_at: Date | null;
  withdrawal_channel: WithdrawalChannel | null;
  withdrawal_text: string | null;
  purge_after: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** A resident's subscribe or opt-out message, stored before it is answered (never a case). */
export interface NoticeConsentEventTable {
  id: Generated<number>;
  consent_id: number | null;
  action: 'subscribe' | 'withdraw';
  channel: string;
  provider: string;
  provider_message_id: string;
  phone: string | null;
  kakao_user_key: string | null;
  text: string;
  reply: string | null;
  reply_status: 'pending' | 'sent' | 'delivered' | 'failed' | null;
  received_at: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type NoticeStatus = 'draft' | 'approved' | 'sending' | 'sent' | 'cancelled';
export type NoticeAudience = { kind: 'all' } | { kind: 'dong'; dongs: string[] } | { kind: 'segment'; segment: string };

export interface NoticeTable {
  id: Generated<number>;
  title: string;
  body: string;
  button_label: string | null;
  button_url: string | null;
  audience: ColumnType<NoticeAudience, string, string>;
  urgent: ColumnType<boolean, boolean | undefined, boolean>;
  status: ColumnType<NoticeStatus, NoticeStatus | undefined, NoticeStatus>;
  drafted_by: number;
  approved_by: number | null;
  cancelled_by: number | null;
  recipient_count: number | null;
  cost_estimate: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  approved_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  cancelled_at: Date | null;
}

/**
 * One recipient of one notice. queued → sending (written before the gateway is called) →
 * sent (after, with the provider's ids) → delivered | fallback (delivered as SMS/LMS) | failed;
 * skipped: withdrawn by send time or the notice was cancelled; unknown: the worker died
 * between the two writes, so it is never sent again.
 */
export type RecipientStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'fallback' | 'failed' | 'skipped' | 'unknown';

export interface NoticeRecipientTable {
  id: Generated<number>;
  notice_id: number;
  consent_id: number | null;
  batch_no: number;
  status: ColumnType<RecipientStatus, RecipientStatus | undefined, RecipientStatus>;
  attempt_at: Date | null;
  sent_at: Date | null;
  provider_message_id: string | null;
  provider_group_id: string | null;
  message_type: string | null;
  error_code: string | null;
  reported_at: Date | null;
}

export type NoticeConsent = Selectable<NoticeConsentTable>;
export type Notice = Selectable<NoticeTable>;
