import type { Staff } from '../staff/staff.table.js';
import type { Case } from './case.table.js';

/**
 * Which cases a staff member may see and act on. Managers: every case. Staff: their
 * own department's. Other roles never see case content (their routes refuse them).
 */
export function departmentScope(staff: Staff): string | 'all' {
  return staff.role === 'manager' ? 'all' : staff.department_code;
}

export function canSeeCase(staff: Staff, theCase: Pick<Case, 'department_code'>): boolean {
  const scope = departmentScope(staff);
  return scope === 'all' || theCase.department_code === scope;
}
