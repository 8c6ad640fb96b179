// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * A department means something only for the `staff` role: the cases they see and act on.
 * Managers reach every case, operators and admins none (src/staff/policy.ts), so their
 * accounts no longer need one; a staff account still must have it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table staff alter column department_code drop not null`.execute(db);
  await sql`
    alter table staff add constraint staff_department_required
      check (role <> 'staff' or department_code is not null)
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table staff drop constraint staff_department_required`.execute(db);
  await sql`update staff set department_code = 'AUDIT' where department_code is null`.execute(db);
  await sql`alter table staff alter column department_code set not null`.execute(db);
}
