import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import { findCaseWithResident } from './case-queries.js';
import { canReachCase } from '../staff/policy.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { AppError, notFound } from '../http/errors.js';

/**
 * The resident's full number, only on an explicit request with a reason, for the department
 * that owns the case; the reason goes to the audit log. Used by the staff API and the console.
 */
export async function revealResidentPhone(db: Db, staff: Staff, caseId: number, reason: string, actor: Actor): Promise<{ caseId: number; phone: string }> {
  const row = await findCaseWithResident(db, caseId);
  if (!row || !canReachCase(staff, 'cases:resident-phone', row)) throw notFound(`case ${caseId} not found`);
  if (!row.resident_phone) {
    throw new AppError(404, 'no_phone_number', 'no phone number is known for this case (KakaoTalk, or removed after the retention period)');
  }
  await recordAudit(db, actor, 'case.resident_phone_read', [row.id], { reason: reason.trim() });
  return { caseId: row.id, phone: row.resident_phone };
}
