import type { Staff, StaffRole } from './staff.table.js';

/**
 * The one authorisation policy. Every route names the permission it needs
 * (`app.requirePermission`), and every case read or change goes through `caseScope`,
 * so what a role may do is decided here and nowhere else. test/authorization.test.ts
 * checks it as a matrix of roles × routes over HTTP.
 */
export const PERMISSIONS = [
  /** List and read cases (with message text) in the caller's case scope. */
  'cases:read',
  /** Reply to, reassign and close cases in the caller's case scope. */
  'cases:act',
  /** Write internal notes on cases in the caller's case scope (read with the case; never sent to the resident). */
  'cases:note',
  /** The resident's full phone number, for the department that owns the case (audited, with a reason). */
  'cases:resident-phone',
  /** Review and withdraw the routing corrections staff made. */
  'corrections:manage',
  /** Queue health, the queue dashboard and dead letters: ids and counts, never case content. */
  'ops:read',
  /** Send a dead letter again. */
  'ops:retry',
  /** The audit log of who read or changed which case. */
  'audit:read',
  /** The report tables, CSV and digests: the whole district for managers, one's department for staff. */
  'reports:read',
  /** The printable report page /reports (the district's figures). */
  'reports:page',
  /** Put a case's sender on the block list, or take them off (audited). */
  'senders:block',
  /** Refer a case to the grievance committee (구민고충처리위원회) with a reason, or withdraw the referral. */
  'committee:refer',
  /**
   * The committee's work: the referred cases only (the resident's messages, contact masked; no
   * notes, no other case, no phone number), and recording a finding. See `committeeMaySee`.
   */
  'committee:review',
  /** The mayor's sessions (온데이트, 찾아가는 구청장실): choose and schedule residents, record meetings. */
  'mayor-sessions:manage',
  /** Notices to subscribed residents: read them with their preview, cost and progress. */
  'notices:read',
  /** Draft a notice (never sends it). */
  'notices:draft',
  /** Approve a notice someone else drafted: this sends it. */
  'notices:approve',
  /** Cancel a notice, also midway. */
  'notices:cancel',
  /** The consent ledger (numbers masked) and its import. */
  'notices:consents',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, readonly Permission[]>> = {
  staff: ['cases:read', 'cases:act', 'cases:note', 'cases:resident-phone', 'reports:read'],
  // Managers oversee every case but do not call residents: the owning department does.
  manager: [
    'cases:read',
    'cases:act',
    'cases:note',
    'corrections:manage',
    'reports:read',
    'reports:page',
    'senders:block',
    'committee:refer',
    'mayor-sessions:manage',
    'notices:read',
    'notices:draft',
    'notices:cancel',
    'notices:consents',
  ],
  operator: ['ops:read', 'ops:retry'],
  // A notice is drafted by a manager and approved by an admin: never one person alone.
  admin: ['ops:read', 'ops:retry', 'corrections:manage', 'audit:read', 'notices:read', 'notices:approve', 'notices:cancel', 'notices:consents'],
  // Citizens and experts of the grievance committee: no case scope at all, only referrals.
  committee: ['committee:review'],
};

export function can(role: StaffRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Which cases a caller's permission reaches: every case, one department's, or none. */
export type CaseScope = { kind: 'all' } | { kind: 'department'; department: string } | { kind: 'none' };

/**
 * Managers reach every case (including unclassified ones) for reading and acting; staff
 * their own department's. The resident's phone number is for the owning department only.
 */
export function caseScope(staff: Pick<Staff, 'role' | 'department_code'>, permission: Permission): CaseScope {
  if (!can(staff.role, permission)) return { kind: 'none' };
  if (staff.role === 'manager' && permission !== 'cases:resident-phone') return { kind: 'all' };
  // Only a department's own cases: an account without a department (a manager need not have one) reaches none.
  if ((staff.role === 'staff' || staff.role === 'manager') && staff.department_code !== null) {
    return { kind: 'department', department: staff.department_code };
  }
  return { kind: 'none' };
}

/** A case outside the scope must look exactly like a missing one (404), never a 403. */
export function inCaseScope(scope: CaseScope, theCase: { department_code: string | null }): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'department') return theCase.department_code === scope.department;
  return false;
}

/**
 * A committee member sees a case only through a referral to the committee that is open or
 * answered by a finding; a withdrawn referral is gone from their view (it looks missing).
 */
export function committeeMaySee(staff: Pick<Staff, 'role'>, referral: { status: 'referred' | 'reviewed' | 'withdrawn' }): boolean {
  return can(staff.role, 'committee:review') && referral.status !== 'withdrawn';
}

export function canReachCase(staff: Pick<Staff, 'role' | 'department_code'>, permission: Permission, theCase: { department_code: string | null }): boolean {
  return inCaseScope(caseScope(staff, permission), theCase);
}
