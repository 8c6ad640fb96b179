// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // The legal deadline of each case (working time), its one extension and its interim notice.
  await db.schema
    .alterTable('cases')
    .addColumn('deadline_days', 'integer')
    .addColumn('due_at', 'timestamptz')
    .addColumn('notice_due_at', 'timestamptz')
    .addColumn('interim_notice_at', 'timestamptz')
    .addColumn('extended_at', 'timestamptz')
    .addColumn('extension_days', 'integer')
    .addColumn('extension_reason', 'text')
    .execute();
  // Open cases by due time: the overdue filter, the reports and the digest.
  await db.schema
    .createIndex('cases_open_due_idx')
    .on('cases')
    .column('due_at')
    .where(sql.ref('status'), '<>', 'closed')
    .execute();
  // The scan for interim notices looks only at open cases still waiting for theirs.
  await db.schema
    .createIndex('cases_notice_due_idx')
    .on('cases')
    .column('notice_due_at')
    .where(sql<boolean>`status <> 'closed' and interim_notice_at is null`)
    .execute();

  // One row per department per day: the daily digest of open and overdue cases (counts only).
  await db.schema
    .createTable('department_digests')
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('department_code', 'text', (c) => c.notNull().references('departments.code'))
    .addColumn('open', 'integer', (c) => c.notNull())
    .addColumn('overdue', 'integer', (c) => c.notNull())
    .addColumn('due_today', 'integer', (c) => c.notNull())
    .addColumn('received_yesterday', 'integer', (c) => c.notNull())
    .addColumn('closed_yesterday', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('department_digests_pk', ['day', 'department_code'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('department_digests').execute();
  await db.schema.dropIndex('cases_notice_due_idx').execute();
  await db.schema.dropIndex('cases_open_due_idx').execute();
  for (const column of ['extension_reason', 'extension_days', 'extended_at', 'interim_notice_at', 'notice_due_at', 'due_at', 'deadline_days']) {
    await db.schema.alterTable('cases').dropColumn(column).execute();
  }
}
