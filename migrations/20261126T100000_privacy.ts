// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Who read or changed which case, and when (reads too). No message text, no phone number.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('staff_id', 'bigint', (c) => c.notNull().references('staff.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    // A list read names every case it showed; a single-case action names one.
    .addColumn('case_ids', sql`bigint[]`, (c) => c.notNull().defaultTo(sql`'{}'::bigint[]`))
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('ip', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('audit_log_case_ids_idx').on('audit_log').using('gin').column('case_ids').execute();
  await db.schema.createIndex('audit_log_staff_idx').on('audit_log').columns(['staff_id', 'id']).execute();
  await db.schema.createIndex('audit_log_created_idx').on('audit_log').columns(['created_at', 'id']).execute();

  // Retention: when a closed case's text and the resident's contact details were removed.
  await db.schema.alterTable('cases').addColumn('purged_at', 'timestamptz').execute();
  await db.schema
    .createIndex('cases_unpurged_closed_idx')
    .on('cases')
    .column('closed_at')
    .where(sql.ref('purged_at'), 'is', null)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('cases_unpurged_closed_idx').execute();
  await db.schema.alterTable('cases').dropColumn('purged_at').execute();
  await db.schema.dropTable('audit_log').execute();
}
