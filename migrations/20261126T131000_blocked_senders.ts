// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * The block list is a mark on the resident (a phone number or a Kakao user): their new
 * messages are still stored, and their cases close by themselves as `exception` with no
 * answer. Managers set and lift it from one of the sender's cases (audited).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table residents
      add column blocked_at timestamptz,
      add column blocked_by bigint references staff (id),
      add column blocked_reason text
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table residents drop column blocked_at, drop column blocked_by, drop column blocked_reason`.execute(db);
}
