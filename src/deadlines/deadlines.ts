import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { DeadlineConfig } from '../config/config.js';
import { workingDaysFor } from './deadline-rules.js';
import { computeDueAt, subtractWorkingHours } from './working-time.js';

export type DeadlinePolicy = Pick<DeadlineConfig, 'rules' | 'interimNoticeWorkingHours'>;

export interface CaseDeadline {
  deadline_days: number;
  due_at: Date;
  /** Null when interim notices are off. */
  notice_due_at: Date | null;
}

/** The case's legal deadline from its receipt, category and kind. */
export function deadlineFor(
  policy: DeadlinePolicy,
  receivedAt: Date,
  category: string | null,
  kind: string | null,
): CaseDeadline {
  const days = workingDaysFor(policy.rules, category, kind);
  const due = computeDueAt(receivedAt, days);
  return { deadline_days: days, due_at: due, notice_due_at: noticeDueAt(policy, due) };
}

export function noticeDueAt(policy: Pick<DeadlinePolicy, 'interimNoticeWorkingHours'>, dueAt: Date): Date | null {
  return policy.interimNoticeWorkingHours > 0 ? subtractWorkingHours(dueAt, policy.interimNoticeWorkingHours) : null;
}

/**
 * Gives a case its deadline once its category is known (routing, assignment, registration).
 * A case keeps the deadline it was given: moving it to another department does not restart
 * the legal period.
 */
export async function setDeadlineIfMissing(trx: Db, policy: DeadlinePolicy, caseId: number): Promise<void> {
  const theCase = await trx
    .selectFrom('cases')
    .select(['received_at', 'category_code', 'kind', 'due_at'])
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!theCase || theCase.due_at !== null) return;
  const deadline = deadlineFor(policy, theCase.received_at, theCase.category_code, theCase.kind);
  await trx.updateTable('cases').set(deadline).where('id', '=', caseId).where('due_at', 'is', null).execute();
}

/**
 * Open, classified cases without a deadline: those from before deadlines existed, or routed by
 * an older worker during a rolling upgrade. Returns how many got theirs.
 */
export async function giveMissingDeadlines(db: Db, policy: DeadlinePolicy, limit: number): Promise<number> {
  const rows = await db
    .selectFrom('cases')
    .select('id')
    .where('due_at', 'is', null)
    .where('status', '<>', 'closed')
    .where('category_code', 'is not', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  for (const { id } of rows) await setDeadlineIfMissing(db, policy, id);
  return rows.length;
}

/** Open and past its due time, as of `at`. */
export const overdueCondition = (at: Date) => sql<boolean>`(cases.status <> 'closed' and cases.due_at < ${at})`;
