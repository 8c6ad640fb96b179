import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import type { Case } from './case.table.js';
import { CHANNELS, type Channel } from '../domain/channel.js';
import { addCaseEvent, findCaseForUpdate, updateCase } from './case-repository.js';
import { insertMessage } from './message-repository.js';
import { canReachCase } from '../staff/policy.js';
import { recordAudit } from '../audit/audit-repository.js';
import { ANSWER_LIMITS } from '../outbound/channel-limits.js';
import { recordCorrection } from '../routing/routing-examples.js';
import { InvalidInput, NotFound, StateConflict } from '../domain/errors.js';
import { findActiveDepartment, listDispositionCodes } from '../departments/department-repository.js';
import { setDeadlineIfMissing, type DeadlinePolicy } from '../deadlines/deadlines.js';
import { markFindingAnswered } from '../committee/referral-answered.js';
import { askSatisfaction, type SatisfactionPolicy } from '../satisfaction/satisfaction.js';

/** Dispositions that need no answer to the resident. */
const SILENT_DISPOSITIONS = new Set(['thanks', 'exception']);

/** Loads and locks a case the staff member may act on; out of scope looks exactly like missing. */
export async function lockCaseInScope(trx: Db, staff: Staff, caseId: number): Promise<Case> {
  const theCase = await findCaseForUpdate(trx, caseId);
  if (!theCase || !canReachCase(staff, 'cases:act', theCase)) throw new NotFound(`case ${caseId} not found`);
  return theCase;
}

type CaseToAnswer = Pick<Case, 'id' | 'channel' | 'answered_at' | 'resident_id'>;

/**
 * The channel that reaches the resident: the case's own for messaging channels; for a walk-in
 * or homepage case, SMS when the resident left a phone number, otherwise none.
 */
export async function contactChannel(trx: Db, theCase: Pick<Case, 'channel' | 'resident_id'>): Promise<Channel | null> {
  if ((CHANNELS as readonly string[]).includes(theCase.channel)) return theCase.channel as Channel;
  const resident = await trx.selectFrom('residents').select('phone').where('id', '=', theCase.resident_id).executeTakeFirst();
  return resident?.phone ? 'sms' : null;
}

/**
 * A message waiting for the outbound queue on the resident's channel; `staffId` null when the
 * office's system wrote it. Null when the resident left no contact: nothing can be sent.
 */
export async function addOutbound(
  trx: Db,
  theCase: Pick<Case, 'id' | 'channel' | 'resident_id'>,
  staffId: number | null,
  kind: 'interim' | 'answer',
  text: string,
  /** A line added after the text on SMS only (the 온데이트 offer, src/mayor-sessions); not counted against the limit. */
  smsFooter?: string,
): Promise<{ id: number; channel: Channel } | null> {
  const channel = await contactChannel(trx, theCase);
  if (channel === null) return null;
  const limit = ANSWER_LIMITS[channel];
  const length = [...text].length;
  if (length > limit) {
    throw new InvalidInput('answer_too_long', `a ${channel} answer holds at most ${limit} characters (this one has ${length})`);
  }
  const message = await insertMessage(trx, {
    case_id: theCase.id,
    direction: 'out',
    kind,
    channel,
    text: channel === 'sms' && smsFooter ? `${text}\n\n${smsFooter}` : text,
    provider: 'pending',
    delivery_status: 'pending',
    staff_id: staffId,
  });
  return { id: message.id, channel };
}

/** An interim reply; returns the outbound message to hand to the queue. */
export async function replyToCase(
  db: Db,
  staff: Staff,
  caseId: number,
  input: string,
  ip: string | null = null,
): Promise<{ messageId: number | null; channel: Channel | null }> {
  const text = input.trim();
  if (text === '') throw new InvalidInput('answer_required', 'a reply needs text for the resident');
  return db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw new StateConflict('case_closed', 'the case is closed');
    const message = await addOutbound(trx, theCase, staff.id, 'interim', text);
    const now = new Date();
    await updateCase(trx, theCase.id, { status: 'answered', ...(theCase.answered_at ? {} : { answered_at: now }) });
    // Without a contact the reply was given in person; it is kept on the case's record.
    await addCaseEvent(trx, theCase.id, 'replied', message ? { messageId: message.id } : { messageId: null, text, sent: false }, staff.id);
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.replied', [theCase.id], { messageId: message?.id ?? null });
    return { messageId: message?.id ?? null, channel: message?.channel ?? null };
  });
}

/** What closing hands to the outbound queue: the answer, and the satisfaction question when it went apart. */
export interface Closed {
  messageId: number | null;
  channel: Channel | null;
  /** The satisfaction question as a message of its own (src/satisfaction/); absent when none was. */
  question?: { channel: Channel; messageId: number };
}

/**
 * Closes with a disposition; the answer (if any) goes to the resident on the case's channel,
 * with the satisfaction question when the policy asks it (src/satisfaction/satisfaction.ts).
 */
export async function closeCase(
  db: Db,
  staff: Staff,
  caseId: number,
  input: { disposition: string; text?: string | undefined },
  ip: string | null = null,
  /** The configured satisfaction question (config.satisfaction); absent: none is asked. */
  satisfaction?: SatisfactionPolicy,
  /** A line a closing SMS answer ends with (ONDATE_OFFER=on: the 온데이트 offer). */
  smsFooter?: string,
): Promise<Closed> {
  const dispositions = await listDispositionCodes(db);
  if (!dispositions.includes(input.disposition)) {
    throw new InvalidInput('unknown_disposition', `disposition must be one of ${dispositions.join(', ')}`);
  }
  const text = input.text?.trim() ?? '';
  if (text === '' && !SILENT_DISPOSITIONS.has(input.disposition)) {
    throw new InvalidInput('answer_required', `an answer text is required to close as ${input.disposition}`);
  }
  return db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw new StateConflict('case_closed', 'the case is already closed');
    const closed = await closeLockedCase(trx, theCase, {
      disposition: input.disposition,
      text,
      staffId: staff.id,
      ...(satisfaction ? { satisfaction } : {}),
      smsFooter,
    });
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.closed', [theCase.id], { disposition: input.disposition, messageId: closed.messageId });
    return closed;
  });
}

/**
 * Closes a case the caller has locked and checked. The answer, when there is one, waits
 * for the case's channel. Staff close cases; the router closes pure thanks (staffId null).
 */
export async function closeLockedCase(
  trx: Db,
  theCase: CaseToAnswer,
  input: { disposition: string; text: string; staffId: number | null; automatic?: boolean; satisfaction?: SatisfactionPolicy; smsFooter?: string | undefined },
): Promise<Closed> {
  const message = input.text === '' ? null : await addOutbound(trx, theCase, input.staffId, 'answer', input.text, input.smsFooter);
  const now = new Date();
  await updateCase(trx, theCase.id, {
    status: 'closed',
    disposition_code: input.disposition,
    closed_at: now,
    ...(input.text !== '' && !theCase.answered_at ? { answered_at: now } : {}),
  });
  // The answer was given with the grievance committee's finding, when it had one (src/committee).
  const referralId = await markFindingAnswered(trx, theCase.id, now);
  await addCaseEvent(
    trx,
    theCase.id,
    'closed',
    {
      disposition: input.disposition,
      messageId: message?.id ?? null,
      // An answer with no one to send it to (a walk-in without contact) was given in person: kept here.
      ...(input.text !== '' && !message ? { text: input.text, sent: false } : {}),
      ...(input.automatic ? { automatic: true } : {}),
      ...(referralId !== null ? { referralId } : {}),
    },
    input.staffId,
  );
  // The resident is asked how satisfied they are with the answer (not for thanks or an exception).
  const asked =
    message && input.satisfaction
      ? await askSatisfaction(trx, theCase.id, theCase.resident_id, input.disposition, message, input.satisfaction, now)
      : null;
  return {
    messageId: message?.id ?? null,
    channel: message?.channel ?? null,
    ...(asked && asked.messageId !== null ? { question: { channel: asked.channel, messageId: asked.messageId } } : {}),
  };
}

/**
 * 부서이첩: moves the case to another department. The staff member's reason, when given, is kept
 * on the `assigned` event and on the routing correction (not in the audit log, which holds no
 * free text about a case).
 */
export async function assignCase(
  db: Db,
  staff: Staff,
  caseId: number,
  departmentCode: string,
  ip: string | null = null,
  deadlines?: DeadlinePolicy,
  reasonInput?: string,
): Promise<void> {
  const reason = reasonInput?.trim() || null;
  if (reasonInput !== undefined && reason === null) throw new InvalidInput('reason_required', 'a reason, when given, must not be blank');
  const department = await findActiveDepartment(db, departmentCode);
  if (!department) throw new InvalidInput('unknown_department', `no active department ${departmentCode}`);
  await db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw new StateConflict('case_closed', 'the case is closed');
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
      { from: theCase.department_code, to: department.code, ...(reason === null ? {} : { reason }) },
      staff.id,
    );
    // A reassignment teaches the router where such messages belong (and can be withdrawn).
    await recordCorrection(trx, { caseId: theCase.id, staffId: staff.id, department: department.code, reason });
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.assigned', [theCase.id], { from: theCase.department_code, to: department.code });
    // A case placed by hand before the router reached it gets its deadline now.
    if (deadlines) await setDeadlineIfMissing(trx, deadlines, theCase.id);
  });
}
