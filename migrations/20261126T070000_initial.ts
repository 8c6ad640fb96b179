// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('categories')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('dispositions')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('meaning', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('departments')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category_code', 'text', (c) => c.notNull().references('categories.code'))
    .addColumn('duties', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('keywords', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('residents')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('phone', 'text', (c) => c.unique())
    .addColumn('kakao_user_key', 'text', (c) => c.unique())
    .addColumn('kakao_plusfriend_user_key', 'text')
    .addColumn('kakao_app_user_id', 'text')
    .addColumn('kakao_is_friend', 'boolean')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('case_number', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('received', 'assigned', 'answered', 'closed')`),
    )
    .addColumn('category_code', 'text', (c) => c.references('categories.code'))
    .addColumn('department_code', 'text', (c) => c.references('departments.code'))
    .addColumn('disposition_code', 'text', (c) => c.references('dispositions.code'))
    .addColumn('resident_id', 'bigint', (c) => c.notNull().references('residents.id'))
    .addColumn('routing', 'jsonb')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_resident_message_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('routed_at', 'timestamptz')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('cases_received_idx').on('cases').columns(['received_at desc', 'id desc']).execute();
  await db.schema
    .createIndex('cases_department_received_idx')
    .on('cases')
    .columns(['department_code', 'received_at desc', 'id desc'])
    .execute();
  await db.schema.createIndex('cases_resident_status_idx').on('cases').columns(['resident_id', 'status']).execute();
  await db.schema.createIndex('cases_closed_idx').on('cases').column('closed_at').execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('case_id', 'bigint', (c) => c.notNull().references('cases.id'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('in', 'out')`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text')
    .addColumn('raw', 'jsonb')
    .addColumn('delivery_status', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('staff_id', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('status_updated_at', 'timestamptz')
    .addColumn('routed_at', 'timestamptz')
    .execute();
  // A provider re-sending a webhook (or reporting on a message) names it by its own id.
  await db.schema
    .createIndex('messages_provider_id_uq')
    .on('messages')
    .columns(['direction', 'provider', 'provider_message_id'])
    .unique()
    .execute();
  await db.schema.createIndex('messages_case_idx').on('messages').columns(['case_id', 'id']).execute();
  // The sweeper looks for work that was stored but never reached a queue.
  await db.schema
    .createIndex('messages_unrouted_idx')
    .on('messages')
    .column('created_at')
    .where(sql.ref('direction'), '=', 'in')
    .where(sql.ref('routed_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('messages_unsent_idx')
    .on('messages')
    .column('created_at')
    .where(sql.ref('delivery_status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('case_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('case_id', 'bigint', (c) => c.notNull().references('cases.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'bigint')
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('case_events_case_idx').on('case_events').columns(['case_id', 'id']).execute();

  await db.schema
    .createTable('delivery_reports')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('delivery_reports_message_idx')
    .on('delivery_reports')
    .columns(['provider', 'provider_message_id'])
    .execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('department_code', 'text', (c) => c.notNull().references('departments.code'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('staff', 'manager', 'operator', 'admin')`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'staff',
    'delivery_reports',
    'case_events',
    'messages',
    'cases',
    'residents',
    'departments',
    'dispositions',
    'categories',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
