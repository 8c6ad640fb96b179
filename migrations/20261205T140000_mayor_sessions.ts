// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * The mayor's two monthly sessions (docs/mayor-sessions.md):
 *
 * - 온데이트 (ondate_volunteers): a resident who replies '온데이트' volunteers to talk with the
 *   mayor by video or phone; the reply is recorded on their latest case (one volunteer a
 *   resident a month). A manager chooses some, with a date and time; each volunteer is told.
 * - 찾아가는 구청장실 (mayor_visit_sessions, mayor_visit_requests): residents apply (the
 *   homepage form: a `web` case); staff schedule them into a session with a place and time,
 *   and record how the meeting went, which can open or join a case.
 *
 * Codes and ids only, except a visit's place (office configuration, a public venue) and the
 * meeting's outcome note (staff's words, which may quote the resident: purged with the case).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ondate_volunteers (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      resident_id bigint not null references residents(id),
      month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      message_id bigint references messages(id),
      opted_in_at timestamptz not null default now(),
      status text not null default 'volunteered' check (status in ('volunteered', 'chosen', 'not_chosen')),
      session_at timestamptz,
      mode text check (mode in ('video', 'phone')),
      decided_by bigint references staff(id),
      decided_at timestamptz,
      notice_message_id bigint references messages(id),
      unique (resident_id, month)
    )`.execute(db);
  await sql`create index ondate_volunteers_month_idx on ondate_volunteers (month, status)`.execute(db);
  await sql`create index ondate_volunteers_case_idx on ondate_volunteers (case_id)`.execute(db);

  await sql`
    create table mayor_visit_sessions (
      id bigserial primary key,
      starts_at timestamptz not null,
      place text not null check (length(place) between 1 and 100),
      created_by bigint not null references staff(id),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index mayor_visit_sessions_starts_idx on mayor_visit_sessions (starts_at)`.execute(db);

  await sql`
    create table mayor_visit_requests (
      id bigserial primary key,
      case_id bigint not null unique references cases(id),
      resident_id bigint not null references residents(id),
      status text not null default 'requested' check (status in ('requested', 'scheduled', 'met', 'no_show')),
      session_id bigint references mayor_visit_sessions(id),
      scheduled_by bigint references staff(id),
      scheduled_at timestamptz,
      notice_message_id bigint references messages(id),
      outcome_note text,
      outcome_case_id bigint references cases(id),
      outcome_by bigint references staff(id),
      outcome_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index mayor_visit_requests_status_idx on mayor_visit_requests (status, id)`.execute(db);
  await sql`create index mayor_visit_requests_session_idx on mayor_visit_requests (session_id)`.execute(db);
  await sql`create index mayor_visit_requests_outcome_case_idx on mayor_visit_requests (outcome_case_id)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table mayor_visit_requests`.execute(db);
  await sql`drop table mayor_visit_sessions`.execute(db);
  await sql`drop table ondate_volunteers`.execute(db);
}
