// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';
import { applySqlFunctions } from '../src/db/sql-functions.js';
import { SQL_FUNCTIONS } from '../src/paths.js';

/*
 * From here on every plpgsql function lives in its own file under src/db/functions/ and is
 * applied from there (`create or replace`): this migration applies all of them, in the versions
 * the earlier migrations left (nothing of their behaviour changes), so a later change is an edit
 * of one file and a migration that applies it by name.
 *
 * sender_flood_counts becomes UNLOGGED. Each webhook call writes the sender's row (the flood
 * count and the thread's reserved case number, see reserve_case_number.sql); as a logged table
 * that write and its random-key index cost about as much WAL as the message itself. Its content
 * is short-lived: after a crash Postgres empties an unlogged table, flood counts restart, and a
 * resident's thread is found again from their open cases.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await applySqlFunctions(db, SQL_FUNCTIONS);
  await sql`alter table sender_flood_counts set unlogged`.execute(db);
}

// The functions' bodies are those the earlier migrations created: only the table goes back.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sender_flood_counts set logged`.execute(db);
}
