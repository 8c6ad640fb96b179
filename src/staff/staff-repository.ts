import type { Db } from '../db/database.js';
import type { Staff, StaffRole } from './staff.table.js';
import { hashToken, newStaffToken } from './tokens.js';

export async function addStaff(
  db: Db,
  values: { name: string; departmentCode: string | null; role: StaffRole; tokenDays: number },
): Promise<{ staff: Staff; token: string }> {
  const token = newStaffToken();
  const staff = await db
    .insertInto('staff')
    .values({
      name: values.name,
      department_code: values.departmentCode,
      role: values.role,
      token_hash: hashToken(token),
      token_expires_at: new Date(Date.now() + values.tokenDays * 24 * 3600 * 1000),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { staff, token };
}

/** The active staff member holding this token, or undefined (unknown, revoked or expired). */
export async function findStaffByToken(db: Db, token: string): Promise<Staff | undefined> {
  return db
    .selectFrom('staff')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .where('token_expires_at', '>', new Date())
    .executeTakeFirst();
}

/** Cuts off a staff member's token at once; the account stays for the audit trail. */
export async function revokeStaff(db: Db, id: number): Promise<Staff | undefined> {
  return db
    .updateTable('staff')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
