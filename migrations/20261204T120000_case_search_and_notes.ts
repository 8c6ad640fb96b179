// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * Searching cases (GET /api/cases?q=) and staff's internal notes.
 *
 * - Words of messages: a trigram index (pg_trgm, a trusted extension since Postgres 13, so
 *   the database's owner may create it) serves `text ilike '%…%'` for words of three or more
 *   characters. Hangul syllables count as word characters for pg_trgm under C.UTF-8 and
 *   ko_KR/en_US UTF-8 locales (test/case-search.test.ts checks it on the database in use).
 * - The last four digits of a resident's phone: an expression index over the stored number,
 *   so no second copy of it is kept anywhere.
 * - A case number without its year (`123`, `000123`): an expression index on the serial.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index messages_text_trgm_idx on messages using gin (text gin_trgm_ops)`.execute(db);
  // Not partial (where phone is not null): Postgres keeps statistics only for the expressions
  // of whole-table indexes, and without them it guesses 0.5% of residents and scans every case.
  await sql`create index residents_phone_last4_idx on residents (right(phone, 4))`.execute(db);
  await sql`create index cases_number_serial_idx on cases (split_part(case_number, '-', 2))`.execute(db);

  // Why a case was moved, as the staff member wrote it; shown with the routing correction.
  await sql`alter table routing_examples add column reason text`.execute(db);

  // Staff's internal notes on a case: never sent to the resident; purged with the case's text.
  await db.schema
    .createTable('case_notes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('case_id', 'bigint', (c) => c.notNull().references('cases.id'))
    .addColumn('staff_id', 'bigint', (c) => c.notNull().references('staff.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('case_notes_case_idx').on('case_notes').columns(['case_id', 'id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('case_notes').execute();
  await sql`alter table routing_examples drop column reason`.execute(db);
  await sql`drop index cases_number_serial_idx`.execute(db);
  await sql`drop index residents_phone_last4_idx`.execute(db);
  await sql`drop index messages_text_trgm_idx`.execute(db);
}
