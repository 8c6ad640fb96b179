import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CaseStatus } from './case.table.js';
import type { CaseChannel } from '../domain/channel.js';
import { seoulDayStart } from '../domain/seoul-time.js';

/** An open case is "near due" when its due time falls within this many hours. */
export const NEAR_DUE_HOURS = 24;

const DAY_MS = 24 * 3600 * 1000;

export interface InboxFilter {
  /** 'all' or the one department the caller reaches (src/staff/policy.ts caseScope). */
  scope: string | 'all';
  /** A manager's choice of department within 'all'. */
  department?: string | undefined;
  status?: Exclude<CaseStatus, 'closed'> | undefined;
  channel?: CaseChannel | undefined;
  category?: string | undefined;
  /** Seoul calendar dates of receipt, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** 1-based. */
  page: number;
  pageSize: number;
}

/**
 * A department's open cases in the order they must be answered: earliest due first (cases not
 * yet given a deadline after them), then oldest. Served by cases_open_department_due_idx.
 */
export async function listInbox(db: Db, filter: InboxFilter, now = new Date()) {
  // Cases only: the inbox shows no contact, and a join would make the count read every row.
  let query = db.selectFrom('cases').where('cases.status', '<>', 'closed');
  if (filter.scope !== 'all') query = query.where('cases.department_code', '=', filter.scope);
  if (filter.department) query = query.where('cases.department_code', '=', filter.department);
  if (filter.status) query = query.where('cases.status', '=', filter.status);
  if (filter.channel) query = query.where('cases.channel', '=', filter.channel);
  if (filter.category) query = query.where('cases.category_code', '=', filter.category);
  if (filter.from) query = query.where('cases.received_at', '>=', seoulDayStart(filter.from));
  if (filter.to) query = query.where('cases.received_at', '<', new Date(seoulDayStart(filter.to).getTime() + DAY_MS));
  const [cases, total] = await Promise.all([
    query
      .selectAll('cases')
      .orderBy(sql`cases.due_at asc nulls last`)
      .orderBy('cases.received_at', 'asc')
      .orderBy('cases.id', 'asc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow(),
  ]);
  // The first words of each resident's first message, to tell cases apart: read for this page only.
  const words =
    cases.length === 0
      ? []
      : await db
          .selectFrom('messages')
          .select(['case_id', sql<string>`left(text, 80)`.as('words')])
          .distinctOn('case_id')
          .where('case_id', 'in', cases.map((c) => c.id))
          .where('direction', '=', 'in')
          .orderBy('case_id')
          .orderBy('id')
          .execute();
  const firstWords = new Map(words.map((w) => [Number(w.case_id), w.words]));
  return {
    items: cases.map((c) => ({ ...c, first_words: firstWords.get(c.id) ?? null, urgency: urgency(c, now) })),
    total: total.count,
  };
}

export type Urgency = 'overdue' | 'near_due' | null;

export function urgency(c: { status: string; due_at: Date | null }, now = new Date()): Urgency {
  if (c.status === 'closed' || c.due_at === null) return null;
  if (c.due_at.getTime() < now.getTime()) return 'overdue';
  if (c.due_at.getTime() < now.getTime() + NEAR_DUE_HOURS * 3600 * 1000) return 'near_due';
  return null;
}

export interface InboxCounts {
  open: number;
  received: number;
  overdue: number;
  nearDue: number;
  /** The newest open case's id: a page polls it to learn that new cases arrived. */
  latestId: number | null;
}

/** The figures at the top of an inbox: one department's open cases, or every department's. */
export async function inboxCounts(db: Db, scope: string | 'all', now = new Date()): Promise<InboxCounts> {
  const near = new Date(now.getTime() + NEAR_DUE_HOURS * 3600 * 1000);
  let query = db
    .selectFrom('cases')
    .select([
      sql<number>`count(*)::int`.as('open'),
      sql<number>`(count(*) filter (where cases.status = 'received'))::int`.as('received'),
      sql<number>`(count(*) filter (where cases.due_at < ${now}))::int`.as('overdue'),
      sql<number>`(count(*) filter (where cases.due_at >= ${now} and cases.due_at < ${near}))::int`.as('nearDue'),
      sql<number | null>`max(cases.id)`.as('latestId'),
    ])
    .where('cases.status', '<>', 'closed');
  if (scope !== 'all') query = query.where('cases.department_code', '=', scope);
  const row = await query.executeTakeFirstOrThrow();
  return { ...row, latestId: row.latestId === null ? null : Number(row.latestId) };
}

/** Open and overdue cases of every department, for managers (unassigned cases under null). */
export async function countsByDepartment(db: Db, now = new Date()) {
  const near = new Date(now.getTime() + NEAR_DUE_HOURS * 3600 * 1000);
  return db
    .selectFrom('departments')
    .leftJoin('cases', (join) => join.onRef('cases.department_code', '=', 'departments.code').on('cases.status', '<>', 'closed'))
    .select([
      'departments.code',
      'departments.name',
      sql<number>`count(cases.id)::int`.as('open'),
      sql<number>`(count(cases.id) filter (where cases.due_at < ${now}))::int`.as('overdue'),
      sql<number>`(count(cases.id) filter (where cases.due_at >= ${now} and cases.due_at < ${near}))::int`.as('nearDue'),
    ])
    .where('departments.active', '=', true)
    .groupBy(['departments.code', 'departments.name'])
    .orderBy(sql`count(cases.id) filter (where cases.due_at < ${now})`, 'desc')
    .orderBy(sql`count(cases.id)`, 'desc')
    .orderBy('departments.code')
    .execute();
}

/**
 * Cases the router sent to triage (low confidence, or spam) that are still where it put them
 * and still open, oldest first, with the router's candidates on `routing`.
 */
export async function listTriage(db: Db, scope: string | 'all', limit = 100) {
  let query = db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .selectAll('cases')
    .select([
      'residents.phone as resident_phone',
      sql<string | null>`(select left(m.text, 200) from messages m where m.case_id = cases.id and m.direction = 'in' order by m.id limit 1)`.as('first_words'),
    ])
    .where('cases.status', '<>', 'closed')
    .where(sql<boolean>`cases.routing->>'triage' is not null and cases.department_code = cases.routing->>'department'`);
  if (scope !== 'all') query = query.where('cases.department_code', '=', scope);
  return query.orderBy('cases.received_at', 'asc').orderBy('cases.id', 'asc').limit(limit).execute();
}

export type InboxStatus = Exclude<CaseStatus, 'closed'>;
