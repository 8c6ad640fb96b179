import type { Db } from '../db/database.js';
import type { Case, CaseStatus } from './case.table.js';
import type { CaseEventType } from './case-event.table.js';

const SEOUL_OFFSET_MS = 9 * 3600 * 1000;

/** The calendar year in Seoul (UTC+9 all year: Korea keeps no daylight saving time). */
export function seoulYear(at: Date): number {
  return new Date(at.getTime() + SEOUL_OFFSET_MS).getUTCFullYear();
}

export async function findCase(db: Db, id: number): Promise<Case | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the case's row for the caller's transaction (staff actions on one case take turns). */
export async function findCaseForUpdate(trx: Db, id: number): Promise<Case | undefined> {
  return trx.selectFrom('cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateCase(
  trx: Db,
  caseId: number,
  values: Partial<{
    status: CaseStatus;
    department_code: string;
    category_code: string;
    disposition_code: string;
    answered_at: Date;
    closed_at: Date;
  }>,
): Promise<void> {
  await trx.updateTable('cases').set(values).where('id', '=', caseId).execute();
}

export async function addCaseEvent(
  trx: Db,
  caseId: number,
  type: CaseEventType,
  data: Record<string, unknown> = {},
  staffId: number | null = null,
): Promise<void> {
  await trx
    .insertInto('case_events')
    .values({ case_id: caseId, type, data: JSON.stringify(data), staff_id: staffId })
    .execute();
}

export async function listCaseEvents(db: Db, caseId: number) {
  return db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}
