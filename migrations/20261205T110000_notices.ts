// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * Notices to subscribed residents (docs/notices.md): the consent ledger (who agreed to receive
 * notices, when, through which channel and in which words, and when they withdrew), the
 * residents' subscribe and opt-out messages themselves (stored before they are answered, never
 * a case; an opt-out from a number that never subscribed is kept as a withdrawn row with no
 * consent, so that no later import subscribes it), the notices staff draft and approve, and one row per recipient of a notice, written
 * before and after its send so that a restarted worker never sends anyone twice.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table notice_consents (
      id bigserial primary key,
      phone text not null unique,
      kakao_user_key text,
      dong text,
      segments text[] not null default '{}',
      status text not null check (status in ('active', 'withdrawn')),
      consented_at timestamptz,
      consent_channel text check (consent_channel in ('sms', 'kakao', 'import', 'staff')),
      consent_text text,
      source text,
      withdrawn_at timestamptz,
      withdrawal_channel text check (withdrawal_channel in ('sms', 'kakao', 'staff')),
      withdrawal_text text,
      purge_after timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((status = 'withdrawn') = (withdrawn_at is not null)),
      check (status = 'withdrawn' or (consented_at is not null and consent_channel is not null and consent_text is not null))
    )
  `.execute(db);
  await sql`create index notice_consents_active_dong_idx on notice_consents (dong, id) where status = 'active'`.execute(db);
  await sql`create index notice_consents_kakao_idx on notice_consents (kakao_user_key) where kakao_user_key is not null`.execute(db);
  await sql`create index notice_consents_purge_idx on notice_consents (purge_after) where purge_after is not null`.execute(db);

  await sql`
    create table notice_consent_events (
      id bigserial primary key,
      consent_id bigint references notice_consents (id) on delete cascade,
      action text not null check (action in ('subscribe', 'withdraw')),
      channel text not null,
      provider text not null,
      provider_message_id text not null,
      phone text,
      kakao_user_key text,
      text text not null,
      reply text,
      reply_status text check (reply_status in ('pending', 'sent', 'delivered', 'failed')),
      received_at timestamptz not null,
      created_at timestamptz not null default now(),
      unique (provider, provider_message_id)
    )
  `.execute(db);
  await sql`create index notice_consent_events_orphan_idx on notice_consent_events (received_at) where consent_id is null`.execute(db);

  await sql`
    create table notices (
      id bigserial primary key,
      title text not null,
      body text not null,
      button_label text,
      button_url text,
      audience jsonb not null,
      urgent boolean not null default false,
      status text not null default 'draft' check (status in ('draft', 'approved', 'sending', 'sent', 'cancelled')),
      drafted_by bigint not null references staff (id),
      approved_by bigint references staff (id),
      cancelled_by bigint references staff (id),
      recipient_count integer,
      cost_estimate numeric(14, 2),
      created_at timestamptz not null default now(),
      approved_at timestamptz,
      started_at timestamptz,
      finished_at timestamptz,
      cancelled_at timestamptz,
      check (approved_by is null or approved_by <> drafted_by)
    )
  `.execute(db);

  await sql`
    create table notice_recipients (
      id bigserial primary key,
      notice_id bigint not null references notices (id) on delete cascade,
      consent_id bigint references notice_consents (id) on delete set null,
      batch_no integer not null,
      status text not null default 'queued'
        check (status in ('queued', 'sending', 'sent', 'delivered', 'fallback', 'failed', 'skipped', 'unknown')),
      attempt_at timestamptz,
      sent_at timestamptz,
      provider_message_id text,
      provider_group_id text,
      message_type text,
      error_code text,
      reported_at timestamptz,
      unique (notice_id, consent_id)
    )
  `.execute(db);
  await sql`create index notice_recipients_batch_idx on notice_recipients (notice_id, batch_no, id)`.execute(db);
  await sql`create index notice_recipients_provider_idx on notice_recipients (provider_message_id) where provider_message_id is not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table notice_recipients`.execute(db);
  await sql`drop table notices`.execute(db);
  await sql`drop table notice_consent_events`.execute(db);
  await sql`drop table notice_consents`.execute(db);
}
