// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * The staff console's inbox (src/cases/case-inbox.ts): one department's open cases, earliest
 * due first. The index holds open cases only, in that order, so a page of 50 reads 50 entries
 * whatever the number of closed cases behind it; with the status beside them, the counts at
 * the top of the page (open, new, overdue, near due) are read from the index alone.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index cases_open_department_due_idx on cases (department_code, due_at asc nulls last, received_at, id)
    include (status) where status <> 'closed'
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index cases_open_department_due_idx`.execute(db);
}
