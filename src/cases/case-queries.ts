import type { Db } from '../db/database.js';
import type { CaseStatus, Channel } from './case.table.js';
import { badRequest } from '../http/errors.js';

export interface CaseFilter {
  /** 'all' or a department code the caller is limited to. */
  scope: string | 'all';
  status?: CaseStatus | undefined;
  department?: string | undefined;
  category?: string | undefined;
  channel?: Channel | undefined;
  /** Seoul calendar dates, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Start of a Seoul calendar day (Korea keeps no daylight saving time). */
export function seoulDayStart(date: string): Date {
  const at = new Date(`${date}T00:00:00+09:00`);
  if (Number.isNaN(at.getTime())) throw badRequest('invalid_date', `${date} is not a date (YYYY-MM-DD)`);
  return at;
}

const DAY_MS = 24 * 3600 * 1000;

function decodeCursor(cursor: string): { receivedAt: Date; id: number } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, number];
    const receivedAt = new Date(at);
    if (Number.isNaN(receivedAt.getTime()) || !Number.isInteger(id)) throw new Error('bad cursor');
    return { receivedAt, id };
  } catch {
    throw badRequest('invalid_cursor', 'the cursor is not one this API returned');
  }
}

function encodeCursor(receivedAt: Date, id: number): string {
  return Buffer.from(JSON.stringify([receivedAt.toISOString(), id]), 'utf8').toString('base64url');
}

/** A page of cases, newest first, with a cursor for the next page. */
export async function listCases(db: Db, filter: CaseFilter) {
  let query = db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .select(['residents.phone as resident_phone']);
  if (filter.scope !== 'all') query = query.where('cases.department_code', '=', filter.scope);
  if (filter.status) query = query.where('cases.status', '=', filter.status);
  if (filter.department) query = query.where('cases.department_code', '=', filter.department);
  if (filter.category) query = query.where('cases.category_code', '=', filter.category);
  if (filter.channel) query = query.where('cases.channel', '=', filter.channel);
  if (filter.from) query = query.where('cases.received_at', '>=', seoulDayStart(filter.from));
  if (filter.to) query = query.where('cases.received_at', '<', new Date(seoulDayStart(filter.to).getTime() + DAY_MS));
  if (filter.cursor) {
    const { receivedAt, id } = decodeCursor(filter.cursor);
    query = query.where((eb) =>
      eb.or([
        eb('cases.received_at', '<', receivedAt),
        eb.and([eb('cases.received_at', '=', receivedAt), eb('cases.id', '<', id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('cases.received_at', 'desc')
    .orderBy('cases.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.received_at, last.id) : null,
  };
}

export async function findCaseWithResident(db: Db, id: number) {
  return db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .select(['residents.phone as resident_phone'])
    .where('cases.id', '=', id)
    .executeTakeFirst();
}
