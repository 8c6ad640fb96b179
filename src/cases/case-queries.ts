import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CaseStatus } from './case.table.js';
import type { CaseChannel } from '../domain/channel.js';
import { overdueCondition } from '../deadlines/deadlines.js';
import { InvalidInput } from '../domain/errors.js';
import { seoulDayStart } from '../domain/seoul-time.js';
import { searchCondition, type CaseSearch } from './case-search.js';

export interface CaseFilter {
  /** 'all' or a department code the caller is limited to. */
  scope: string | 'all';
  status?: CaseStatus | undefined;
  department?: string | undefined;
  category?: string | undefined;
  channel?: CaseChannel | undefined;
  /** true: open cases past their due time; false: every other case. */
  overdue?: boolean | undefined;
  /** Seoul calendar dates, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  /** GET /api/cases?q= (src/cases/case-search.ts). */
  search?: CaseSearch | undefined;
  limit: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The cursor carries received_at as Postgres prints it, to the microsecond: a JS Date keeps
 * milliseconds only, and the lost digits would skip cases received within the same millisecond.
 */
const cursorAt = sql<string>`to_char(cases.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Anything a client made up is a 400, never a value Postgres refuses (a 500). */
function decodeCursor(cursor: string): { receivedAt: string; id: number } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [at, id] = decoded as [unknown, unknown];
    if (typeof at === 'string' && CURSOR_AT.test(at) && Number.isSafeInteger(id) && (id as number) > 0) {
      const parsed = new Date(at);
      // A real instant reads back as itself (no 2026-02-30, no 24:00, no year 0).
      const real = !Number.isNaN(parsed.getTime()) && parsed.getUTCFullYear() >= 1 && parsed.toISOString().slice(0, 23) === at.slice(0, 23);
      if (real) return { receivedAt: at, id: id as number };
    }
  }
  throw new InvalidInput('invalid_cursor', 'the cursor is not one this API returned');
}

function encodeCursor(receivedAt: string, id: number): string {
  return Buffer.from(JSON.stringify([receivedAt, id]), 'utf8').toString('base64url');
}

/**
 * A page of cases, newest first, with a cursor for the next page. With a search, `wordsSince`
 * says from when two-character words alone were looked for (null: every date).
 */
export async function listCases(db: Db, filter: CaseFilter) {
  let query = db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .select(['residents.phone as resident_phone', cursorAt.as('cursor_at')]);
  if (filter.scope !== 'all') query = query.where('cases.department_code', '=', filter.scope);
  if (filter.status) query = query.where('cases.status', '=', filter.status);
  if (filter.department) query = query.where('cases.department_code', '=', filter.department);
  if (filter.category) query = query.where('cases.category_code', '=', filter.category);
  if (filter.channel) query = query.where('cases.channel', '=', filter.channel);
  if (filter.overdue !== undefined) {
    const overdue = overdueCondition(new Date());
    query = query.where(filter.overdue ? overdue : sql<boolean>`not coalesce(${overdue}, false)`);
  }
  const from = filter.from ? seoulDayStart(filter.from) : undefined;
  const to = filter.to ? new Date(seoulDayStart(filter.to).getTime() + DAY_MS) : undefined;
  if (from) query = query.where('cases.received_at', '>=', from);
  if (to) query = query.where('cases.received_at', '<', to);
  let wordsSince: Date | null = null;
  if (filter.search) {
    const search = searchCondition(filter.search, { from, to });
    query = query.where(search.condition);
    wordsSince = search.wordsSince;
  }
  if (filter.cursor) {
    const { receivedAt, id } = decodeCursor(filter.cursor);
    const at = sql<Date>`cast(${receivedAt} as timestamptz)`;
    query = query.where((eb) =>
      eb.or([
        eb('cases.received_at', '<', at),
        eb.and([eb('cases.received_at', '=', at), eb('cases.id', '<', id)]),
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
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
    wordsSince,
  };
}

export async function findCaseWithResident(db: Db, id: number) {
  return db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .select(['residents.phone as resident_phone', 'residents.blocked_at as resident_blocked_at'])
    .where('cases.id', '=', id)
    .executeTakeFirst();
}
