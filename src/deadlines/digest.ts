import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Selectable } from 'kysely';
import { seoulDayStart } from '../domain/seoul-time.js';
import type { DepartmentDigestTable } from './digest.table.js';

type DigestCounts = Omit<Selectable<DepartmentDigestTable>, 'day' | 'created_at'>;

const DAY_MS = 24 * 3600 * 1000;

export interface DigestView {
  day: string;
  department: string;
  open: number;
  overdue: number;
  dueToday: number;
  receivedYesterday: number;
  closedYesterday: number;
}

/**
 * The daily digest: for every active department, its open and overdue cases now, the cases
 * due today, and yesterday's received and closed counts (Seoul days). Stored once per
 * department per day; running it again that day refreshes the same rows.
 */
export async function buildDailyDigests(db: Db, day: string, now = new Date()): Promise<DigestView[]> {
  const today = seoulDayStart(day);
  const tomorrow = new Date(today.getTime() + DAY_MS);
  const yesterday = new Date(today.getTime() - DAY_MS);
  const rows = await sql<DigestCounts>`
    insert into department_digests (day, department_code, open, overdue, due_today, received_yesterday, closed_yesterday, created_at)
    select ${day}::date, d.code,
      count(c.id) filter (where c.status <> 'closed')::int,
      count(c.id) filter (where c.status <> 'closed' and c.due_at < ${now})::int,
      count(c.id) filter (where c.status <> 'closed' and c.due_at >= ${today} and c.due_at < ${tomorrow})::int,
      count(c.id) filter (where c.received_at >= ${yesterday} and c.received_at < ${today})::int,
      count(c.id) filter (where c.closed_at >= ${yesterday} and c.closed_at < ${today})::int,
      ${now}::timestamptz
    from departments d left join cases c on c.department_code = d.code
    where d.active
    group by d.code
    on conflict (day, department_code) do update set
      open = excluded.open, overdue = excluded.overdue, due_today = excluded.due_today,
      received_yesterday = excluded.received_yesterday, closed_yesterday = excluded.closed_yesterday,
      created_at = excluded.created_at
    returning department_code, open, overdue, due_today, received_yesterday, closed_yesterday
  `.execute(db);
  return rows.rows.map((r) => toView(day, r)).sort((a, b) => a.department.localeCompare(b.department));
}

function toView(day: string, r: DigestCounts): DigestView {
  return {
    day,
    department: r.department_code,
    open: r.open,
    overdue: r.overdue,
    dueToday: r.due_today,
    receivedYesterday: r.received_yesterday,
    closedYesterday: r.closed_yesterday,
  };
}

/** The stored digests of a day: every department's for managers, one department's for its staff. */
export async function listDigests(db: Db, day: string, scope: string | 'all'): Promise<DigestView[]> {
  seoulDayStart(day);
  let query = db.selectFrom('department_digests').selectAll().where('day', '=', day);
  if (scope !== 'all') query = query.where('department_code', '=', scope);
  const rows = await query.orderBy('department_code').execute();
  return rows.map((r) => toView(day, r));
}
