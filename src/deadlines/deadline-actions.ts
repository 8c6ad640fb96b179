import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import type { Channel } from '../domain/channel.js';
import { addCaseEvent } from '../cases/case-repository.js';
import { addOutbound, lockCaseInScope } from '../cases/case-actions.js';
import { InvalidInput, StateConflict } from '../domain/errors.js';
import { extendDueAt } from './working-time.js';
import { seoulClock } from '../domain/seoul-time.js';
import { noticeDueAt, type DeadlinePolicy } from './deadlines.js';

const WEEKDAYS = ['일', '월', '화', '수', '목', '금', '토'];

/** 11월 30일(월) 18:00, Seoul time: how a due time reads in a notice. */
export function formatDueForResident(at: Date): string {
  const seoul = seoulClock(at);
  const hh = String(seoul.hour).padStart(2, '0');
  const mm = String(seoul.minute).padStart(2, '0');
  return `${seoul.month}월 ${seoul.day}일(${WEEKDAYS[seoul.weekday]}) ${hh}:${mm}`;
}

export function extensionNotice(caseNumber: string, dueAt: Date, reason: string): string {
  return `[구청장 소통폰] 접수번호 ${caseNumber} 민원의 처리기간이 ${formatDueForResident(dueAt)}까지 연장되었습니다. 사유: ${reason}`;
}

export function interimNotice(caseNumber: string, dueAt: Date): string {
  return `[구청장 소통폰] 접수번호 ${caseNumber} 민원을 처리하고 있습니다. 처리기한은 ${formatDueForResident(dueAt)}이며, 처리 결과를 알려 드리겠습니다.`;
}

export interface NoticeResult {
  /** The stored notice to hand to the outbound queue; null when the resident left no contact. */
  send: { channel: Channel; messageId: number } | null;
}

/**
 * The one extension the Act allows: at most the case's own period again, with a reason
 * that the resident is told on their channel.
 */
export async function extendDeadline(
  db: Db,
  staff: Staff,
  policy: DeadlinePolicy,
  caseId: number,
  input: { days: number; reason: string },
): Promise<NoticeResult & { dueAt: Date }> {
  const reason = input.reason.trim();
  if (reason === '') throw new InvalidInput('reason_required', 'an extension needs a reason for the resident');
  return db.transaction().execute(async (trx) => {
    const theCase = await lockCaseInScope(trx, staff, caseId);
    if (theCase.status === 'closed') throw new StateConflict('case_closed', 'the case is closed');
    if (theCase.extended_at !== null) throw new StateConflict('already_extended', 'a deadline can be extended only once');
    if (theCase.due_at === null || theCase.deadline_days === null) {
      throw new StateConflict('no_deadline', 'the case has no deadline yet: assign it to a department first');
    }
    if (input.days > theCase.deadline_days) {
      throw new InvalidInput('extension_too_long', `an extension is at most the case's own period (${theCase.deadline_days} working days)`);
    }
    const dueAt = extendDueAt(theCase.due_at, input.days);
    const message = await addOutbound(trx, theCase, staff.id, 'interim', extensionNotice(theCase.case_number, dueAt, reason));
    const now = new Date();
    await trx
      .updateTable('cases')
      .set({
        due_at: dueAt,
        // A notice already sent is not sent again; one not yet due moves with the deadline.
        notice_due_at: theCase.interim_notice_at ? theCase.notice_due_at : noticeDueAt(policy, dueAt),
        extended_at: now,
        extension_days: input.days,
        extension_reason: reason,
      })
      .where('id', '=', theCase.id)
      .execute();
    await addCaseEvent(
      trx,
      theCase.id,
      'deadline_extended',
      { from: theCase.due_at.toISOString(), to: dueAt.toISOString(), days: input.days, reason, messageId: message?.id ?? null, notified: message !== null },
      staff.id,
    );
    return { dueAt, send: message ? { channel: message.channel, messageId: message.id } : null };
  });
}

export type InterimOutcome = 'sent' | 'no-contact' | 'already-sent' | 'not-due' | 'closed' | 'spam' | 'missing';

/**
 * 중간통보: tells the resident their case is still being handled, once, when its deadline
 * is near. Postgres records it, so a job run twice (or by two workers) sends one notice.
 */
export async function sendInterimNotice(db: Db, caseId: number, now = new Date()): Promise<NoticeResult & { outcome: InterimOutcome }> {
  return db.transaction().execute(async (trx) => {
    const theCase = await trx.selectFrom('cases').selectAll().where('id', '=', caseId).forUpdate().executeTakeFirst();
    if (!theCase) return { outcome: 'missing', send: null };
    if (theCase.status === 'closed') return { outcome: 'closed', send: null };
    // Flagged as spam or abuse: nobody is told their "petition" is being handled.
    if (theCase.kind === 'spam') return { outcome: 'spam', send: null };
    if (theCase.interim_notice_at !== null) return { outcome: 'already-sent', send: null };
    if (theCase.notice_due_at === null || theCase.due_at === null || theCase.notice_due_at > now) return { outcome: 'not-due', send: null };
    const message = await addOutbound(trx, theCase, null, 'interim', interimNotice(theCase.case_number, theCase.due_at));
    await trx.updateTable('cases').set({ interim_notice_at: now }).where('id', '=', caseId).execute();
    await addCaseEvent(trx, caseId, 'interim_notice', { messageId: message?.id ?? null, notified: message !== null });
    return {
      outcome: message ? 'sent' : 'no-contact',
      send: message ? { channel: message.channel, messageId: message.id } : null,
    };
  });
}

/** Open cases whose interim notice is due and not yet sent, oldest first. */
export async function casesDueForNotice(db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('cases')
    .select('id')
    .where('status', '<>', 'closed')
    .where('interim_notice_at', 'is', null)
    .where('notice_due_at', '<=', now)
    .where((eb) => eb.or([eb('kind', 'is', null), eb('kind', '<>', 'spam')]))
    .orderBy('notice_due_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
