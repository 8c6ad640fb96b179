// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * Each sender's messages within their current flood window, counted by the same statement
 * that stores the message (it used to be a Redis round trip of its own before the insert,
 * the webhook's largest cost beyond the floor's one insert and one job). The row lock makes
 * the count exact across API processes. One row per recent sender; the sweeper forgets a
 * sender once their window has passed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Room on each page for the next count of the same sender (HOT updates, no index work).
  await sql`
    create table sender_flood_counts (
      sender text primary key,
      window_started_at timestamptz not null,
      messages integer not null
    ) with (fillfactor = 70)
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sender_flood_counts`.execute(db);
}
