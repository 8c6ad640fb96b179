import type { ColumnType, Generated, Selectable } from 'kysely';

export const STAFF_ROLES = ['staff', 'manager', 'operator', 'admin', 'committee'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffTable {
  id: Generated<number>;
  name: string;
  /** Required for `staff` (the cases they see); managers, operators, admins and committee members may have none. */
  department_code: string | null;
  role: StaffRole;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  token_expires_at: Date;
  revoked_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type Staff = Selectable<StaffTable>;
