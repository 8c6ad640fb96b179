// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';
import { applySqlFunctions } from '../src/db/sql-functions.js';

/*
 * The satisfaction question asked when a case closes with an answer (src/satisfaction/): one
 * row per case asked, with the reply window it was asked with and, once the resident answers,
 * the score (1–5) and their reply message. A resident is asked at most once in a configured
 * period: the (resident, asked_at) index finds their latest question. A reply is found at the
 * webhook (survey_of_sender) and filed on the closed case (accept_resident_message) through the
 * partial index of unanswered questions.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table satisfaction_surveys (
      case_id bigint primary key references cases (id),
      resident_id bigint not null references residents (id),
      channel text not null,
      question_message_id bigint references messages (id),
      asked_at timestamptz not null default now(),
      expires_at timestamptz not null,
      score smallint check (score between 1 and 5),
      answered_at timestamptz,
      reply_message_id bigint references messages (id),
      check ((score is null) = (answered_at is null))
    )
  `.execute(db);
  await sql`create index satisfaction_surveys_resident_idx on satisfaction_surveys (resident_id, asked_at desc)`.execute(db);
  await sql`
    create index satisfaction_surveys_open_idx on satisfaction_surveys (resident_id, channel, expires_at) where score is null
  `.execute(db);
  await applySqlFunctions(db, ['satisfaction_score', 'survey_of_sender', 'accept_resident_message']);
}

// accept_resident_message keeps its new body, which reads the table only for a message that
// satisfaction_score calls a score: that function is left answering "no score" for every text,
// so the body never reaches the dropped table, and files every message as before.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists survey_of_sender(text, text, text, text, timestamptz)`.execute(db);
  await sql`
    create or replace function satisfaction_score(p_text text) returns smallint
    language plpgsql immutable parallel safe as $fn$
    begin
      return null;
    end
    $fn$
  `.execute(db);
  await sql`drop table satisfaction_surveys`.execute(db);
}
