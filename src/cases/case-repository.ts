import type { Db } from '../db/database.js';
import { sql } from 'kysely';
import type { Case, CaseStatus } from './case.table.js';
import type { CaseChannel } from '../domain/channel.js';
import type { CaseEventType } from './case-event.table.js';
import { seoulYear } from '../domain/seoul-time.js';

/** Per database: the years whose number sequence this process has already made sure of. */
const sequencesReady = new WeakMap<Db, Set<number>>();

function sequenceName(year: number): string {
  return `case_number_${year}`;
}

/**
 * Case numbers restart every year (Seoul time): 2026-000123. Each year has its own
 * Postgres sequence: unlike a counter row, a sequence takes no lock, so a burst of
 * new cases does not queue behind one row. A number used by a rolled-back
 * transaction is skipped, which is harmless. Call before the transaction that uses it.
 */
export async function prepareCaseNumbers(db: Db, at: Date): Promise<void> {
  const year = seoulYear(at);
  const ready = sequencesReady.get(db) ?? new Set<number>();
  sequencesReady.set(db, ready);
  if (ready.has(year)) return;
  const name = sequenceName(year);
  try {
    await sql`create sequence if not exists ${sql.id(name)}`.execute(db);
  } catch (error) {
    // Two processes creating it at once: the loser sees a duplicate in the catalog.
    if ((error as { code?: string }).code !== '23505' && (error as { code?: string }).code !== '42P07') throw error;
  }
  ready.add(year);
}

export async function createCase(
  trx: Db,
  values: { channel: CaseChannel; residentId: number; receivedAt: Date },
): Promise<Case> {
  const year = seoulYear(values.receivedAt);
  return trx
    .insertInto('cases')
    .values({
      // Numbered in the same statement: one round trip less in the webhook's path.
      case_number: sql<string>`${String(year)}::text || '-' || lpad(nextval(${sequenceName(year)}::regclass)::text, 6, '0')`,
      channel: values.channel,
      status: 'received',
      resident_id: values.residentId,
      received_at: values.receivedAt,
      last_resident_message_at: values.receivedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
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
