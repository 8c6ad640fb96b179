// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // What the router learns from: built-in examples, examples loaded from a departments
  // file, and staff corrections (a reassignment is a labelled example). A withdrawn
  // correction stays, for the audit trail, but no longer teaches anything.
  await db.schema
    .createTable('routing_examples')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('department_code', 'text', (c) => c.notNull().references('departments.code'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('complaint', 'thanks', 'spam')`))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('builtin', 'file', 'correction')`))
    .addColumn('case_id', 'bigint', (c) => c.references('cases.id'))
    .addColumn('staff_id', 'bigint', (c) => c.references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('withdrawn_at', 'timestamptz')
    .addColumn('withdrawn_by', 'bigint', (c) => c.references('staff.id'))
    .execute();
  await db.schema.createIndex('routing_examples_case_idx').on('routing_examples').column('case_id').execute();

  // The kind the router saw (complaint, thanks, spam); reports and triage filter on it.
  await db.schema.alterTable('cases').addColumn('kind', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cases').dropColumn('kind').execute();
  await db.schema.dropTable('routing_examples').execute();
}
