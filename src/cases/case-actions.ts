import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import type { Case, Channel } from './case.table.js';
import { addCaseEvent, findCaseForUpdate, updateCase } from './case-repository.js';
import { insertMessage } from './message-repository.js';
import { canReachCase } from '../staff/policy.js';
import { recordAudit } from '../audit/audit-repository.js';
import { ANSWER_LIMITS } from '../outbound/channel-limits.js';
import { recordCorrection } from '../routing/routing-examples.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { findActiveDepartment, listDispositionCodes } from '../departments/department-repository.js';

/** Dispositions that need no answer to the resident. */
const SILENT_DISPOSITIONS = new Set(['thanks', 'exception']);

/** Loads and locks a case the staff member may act on; out of scope looks exactly like missing. */
async function lockCaseInScope(trx: Db, staff: Staff, caseId: number): Promise<Case> {
  const theCase = await findCaseForUpdate(trx, caseId);
  if (!theCase || !canReachCase(staff, 'cases:act', theCase)) throw notFound(`case ${caseId} not found`);
  return theCase;
}

type CaseToAnswer = Pick<Case, 'id' | 'channel' | 'answered_at'>;

/** An answer waiting for the outbound queue; `staffId` null when the office's system wrote it. */
async function addOutbound(trx: Db, theCase: CaseToAnswer, staffId: number | null, kind: 'interim' | 'answer', text: string) {
  const limit = ANSWER_LIMITS[theCase.channel];
  const length = [...text].length;
  if (length > limit) {
    throw badRequest('answer_too_long', `a ${theCase.channel} answer holds at most ${limit} characters (this one has ${length})`);
  }
  return insertMessage(trx, {
    case_id: theCase.id,
    direction: 'out',
    kind,
    channel: theCase.channel,
    text,
    provider: 'pending',
    delivery_status: 'pending',
    staff_id: staffId,
  });
}

/** An interim reply; returns the outbound message to hand to the queue. */
export async function replyToCase(
  db: Db,
  staff: Staff,
  caseId: number,
  input: string,
  ip: string | null = null,
): Promise<{ messageId: number; channel: Channel }> {
  const text = input.trim();
  if (text === '') throw badRequest('answer_required', 'a reply needs text for the resident');
  return db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw conflict('case_closed', 'the case is closed');
    const message = await addOutbound(trx, theCase, staff.id, 'interim', text);
    const now = new Date();
    await updateCase(trx, theCase.id, { status: 'answered', ...(theCase.answered_at ? {} : { answered_at: now }) });
    await addCaseEvent(trx, theCase.id, 'replied', { messageId: message.id }, staff.id);
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.replied', [theCase.id], { messageId: message.id });
    return { messageId: message.id, channel: theCase.channel };
  });
}

/** Closes with a disposition; the answer (if any) goes to the resident on the case's channel. */
export async function closeCase(
  db: Db,
  staff: Staff,
  caseId: number,
  input: { disposition: string; text?: string | undefined },
  ip: string | null = null,
): Promise<{ messageId: number | null; channel: Channel }> {
  const dispositions = await listDispositionCodes(db);
  if (!dispositions.includes(input.disposition)) {
    throw badRequest('unknown_disposition', `disposition must be one of ${dispositions.join(', ')}`);
  }
  const text = input.text?.trim() ?? '';
  if (text === '' && !SILENT_DISPOSITIONS.has(input.disposition)) {
    throw badRequest('answer_required', `an answer text is required to close as ${input.disposition}`);
  }
  return db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw conflict('case_closed', 'the case is already closed');
    const { messageId } = await closeLockedCase(trx, theCase, { disposition: input.disposition, text, staffId: staff.id });
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.closed', [theCase.id], { disposition: input.disposition, messageId });
    return { messageId, channel: theCase.channel };
  });
}

/**
 * Closes a case the caller has locked and checked. The answer, when there is one, waits
 * for the case's channel. Staff close cases; the router closes pure thanks (staffId null).
 */
export async function closeLockedCase(
  trx: Db,
  theCase: CaseToAnswer,
  input: { disposition: string; text: string; staffId: number | null; automatic?: boolean },
): Promise<{ messageId: number | null }> {
  const message = input.text === '' ? null : await addOutbound(trx, theCase, input.staffId, 'answer', input.text);
  const now = new Date();
  await updateCase(trx, theCase.id, {
    status: 'closed',
    disposition_code: input.disposition,
    closed_at: now,
    ...(message && !theCase.answered_at ? { answered_at: now } : {}),
  });
  await addCaseEvent(
    trx,
    theCase.id,
    'closed',
    { disposition: input.disposition, messageId: message?.id ?? null, ...(input.automatic ? { automatic: true } : {}) },
    input.staffId,
  );
  return { messageId: message?.id ?? null };
}

/** 부서이첩: moves the case to another department. */
export async function assignCase(db: Db, staff: Staff, caseId: number, departmentCode: string, ip: string | null = null): Promise<void> {
  const department = await findActiveDepartment(db, departmentCode);
  if (!department) throw badRequest('unknown_department', `no active department ${departmentCode}`);
  await db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw conflict('case_closed', 'the case is closed');
    if (theCase.department_code === department.code) return;
    await updateCase(trx, theCase.id, {
      department_code: department.code,
      category_code: department.category_code,
      ...(theCase.status === 'received' ? { status: 'assigned' as const } : {}),
    });
    await addCaseEvent(
      trx,
      theCase.id,
      'assigned',
      { from: theCase.department_code, to: department.code },
      staff.id,
    );
    // A reassignment teaches the router where such messages belong (and can be withdrawn).
    await recordCorrection(trx, { caseId: theCase.id, staffId: staff.id, department: department.code });
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.assigned', [theCase.id], { from: theCase.department_code, to: department.code });
  });
}
