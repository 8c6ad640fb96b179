// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * The grievance committee (구민고충처리위원회): a manager refers a case to it with a reason,
 * the committee (citizens and experts, staff role `committee`) records its finding and
 * opinion, and the department answers with it (src/committee/, docs/committee.md).
 *
 * - `staff.role` gains `committee`; a committee member has no department.
 * - One referral open (`referred`) per case at a time; a finding (`reviewed`) or a withdrawal
 *   ends it. `reason` and `opinion` are free text about the case: retention blanks them with
 *   the case's messages (src/cases/retention.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table staff drop constraint if exists staff_role_check`.execute(db);
  await sql`
    alter table staff add constraint staff_role_check
      check (role in ('staff', 'manager', 'operator', 'admin', 'committee'))
  `.execute(db);

  await db.schema
    .createTable('committee_referrals')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('case_id', 'bigint', (c) => c.notNull().references('cases.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('referred').check(sql`status in ('referred', 'reviewed', 'withdrawn')`))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('referred_by', 'bigint', (c) => c.notNull().references('staff.id'))
    .addColumn('referred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finding', 'text', (c) => c.check(sql`finding in ('correction', 'improvement', 'opinion', 'dismissed')`))
    .addColumn('opinion', 'text')
    .addColumn('reviewed_by', 'bigint', (c) => c.references('staff.id'))
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('withdrawn_by', 'bigint', (c) => c.references('staff.id'))
    .addColumn('withdrawn_at', 'timestamptz')
    /** When the department closed the case with the finding (the answer was given with it). */
    .addColumn('answered_at', 'timestamptz')
    .addCheckConstraint(
      'committee_referrals_finding_complete',
      sql`(status = 'reviewed') = (finding is not null and opinion is not null and reviewed_by is not null and reviewed_at is not null)`,
    )
    .addCheckConstraint('committee_referrals_withdrawal_complete', sql`(status = 'withdrawn') = (withdrawn_at is not null)`)
    .execute();
  await sql`create unique index committee_referrals_one_open_idx on committee_referrals (case_id) where status = 'referred'`.execute(db);
  await db.schema.createIndex('committee_referrals_case_idx').on('committee_referrals').columns(['case_id', 'id']).execute();
  await db.schema.createIndex('committee_referrals_status_idx').on('committee_referrals').columns(['status', 'referred_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('committee_referrals').execute();
  await sql`update staff set revoked_at = coalesce(revoked_at, now()), role = 'operator' where role = 'committee'`.execute(db);
  await sql`alter table staff drop constraint staff_role_check`.execute(db);
  await sql`alter table staff add constraint staff_role_check check (role in ('staff', 'manager', 'operator', 'admin'))`.execute(db);
}
