import { mayorSessionCounts, type MayorSessionCounts } from '../mayor-sessions/report-counts.js';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { CASE_CHANNELS } from '../domain/channel.js';
import { seoulDayStart } from '../domain/seoul-time.js';
import { InvalidInput } from '../domain/errors.js';
import { satisfactionReport, type SatisfactionReport } from '../satisfaction/satisfaction-report.js';

const DAY_MS = 24 * 3600 * 1000;
/** The longest period one report covers: a few years of quarterly analysis. */
const MAX_REPORT_DAYS = 366 * 5;

export interface ReportPeriod {
  /** Seoul calendar dates, inclusive. */
  from: string;
  to: string;
}

/** Half-open instants of an inclusive Seoul date range; bad or reversed dates are a 400. */
export function periodBounds(period: ReportPeriod): { start: Date; end: Date; days: number } {
  const start = seoulDayStart(period.from);
  const end = new Date(seoulDayStart(period.to).getTime() + DAY_MS);
  const days = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  if (days < 1) throw new InvalidInput('invalid_period', '"from" must not be after "to"');
  if (days > MAX_REPORT_DAYS) throw new InvalidInput('invalid_period', `a report covers at most ${MAX_REPORT_DAYS} days`);
  return { start, end, days };
}

/** 'all' for the whole district, or the one department a staff member reports on. */
export type ReportScope = string | 'all';

export interface ReportSummary {
  period: { from: string; to: string; days: number };
  scope: ReportScope;
  received: number;
  byCategory: Record<string, number>;
  /** Received cases the router has not classified yet (in no category). */
  unclassified: number;
  byChannel: Record<string, number>;
  byDisposition: Record<string, number>;
  closed: number;
  completionRate: number;
  answerRate: number;
  dailyAverageReceived: number;
  dailyAverageClosed: number;
  averageProcessingDays: number;
  open: number;
  overdue: number;
  /** Cases closed in the period after their due time. */
  closedLate: number;
  /** The grievance committee (src/committee): cases referred to it in the period, and findings it recorded in the period. */
  committee: { referred: number; reviewed: number };
  /** The satisfaction questions asked in the period and their answers (src/satisfaction/). */
  satisfaction: SatisfactionReport;
  /** 온데이트 and 찾아가는 구청장실 in the period (src/mayor-sessions). */
  mayorSessions: MayorSessionCounts;
  /** Received cases with at least one photo the resident sent (kept or refused, docs/photos.md). */
  withPhotos: number;
}

/** A ratio that is 0, not NaN, when nothing was counted. */
const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);

export async function reportCodes(db: Db): Promise<{ categories: { code: string; label: string }[]; dispositions: { code: string; label: string }[] }> {
  const [categories, dispositions] = await Promise.all([
    db.selectFrom('categories').select(['code', 'label']).orderBy('position').orderBy('code').execute(),
    db.selectFrom('dispositions').select(['code', 'label']).orderBy('position').orderBy('code').execute(),
  ]);
  return { categories, dispositions };
}

/**
 * The district's report tables for a period (CONTRACT.md): cases received in it by
 * category and channel, cases closed in it by disposition, and the cases still open (and
 * overdue) at its end — or now, for a period that has not ended.
 */
export async function reportSummary(db: Db, period: ReportPeriod, scope: ReportScope, now = new Date()): Promise<ReportSummary> {
  const { start, end, days } = periodBounds(period);
  const snapshot = end < now ? end : now;
  const inScope = scope === 'all' ? sql<boolean>`true` : sql<boolean>`department_code = ${scope}`;
  const [codes, received, closed, backlog, committee, satisfaction, mayorSessions, photos] = await Promise.all([
    reportCodes(db),
    sql<{ category_code: string | null; channel: string; n: number; answered: number }>`
      select category_code, channel, count(*)::int as n, count(answered_at)::int as answered
      from cases where received_at >= ${start} and received_at < ${end} and ${inScope}
      group by category_code, channel
    `.execute(db),
    sql<{ disposition_code: string | null; n: number; seconds: number; late: number }>`
      select disposition_code, count(*)::int as n,
             coalesce(sum(extract(epoch from closed_at - received_at)), 0)::float8 as seconds,
             count(*) filter (where due_at is not null and closed_at > due_at)::int as late
      from cases where closed_at >= ${start} and closed_at < ${end} and ${inScope}
      group by disposition_code
    `.execute(db),
    sql<{ open: number; overdue: number }>`
      select count(*)::int as open, count(*) filter (where due_at < ${snapshot})::int as overdue
      from cases
      where received_at < ${snapshot} and (closed_at is null or closed_at >= ${snapshot}) and ${inScope}
    `.execute(db),
    sql<{ referred: number; reviewed: number }>`
      select count(*) filter (where r.referred_at >= ${start} and r.referred_at < ${end})::int as referred,
             count(*) filter (where r.reviewed_at >= ${start} and r.reviewed_at < ${end})::int as reviewed
      from committee_referrals r join cases on cases.id = r.case_id
      where r.status <> 'withdrawn' and ${inScope}
    `.execute(db),
    satisfactionReport(db, start, end, scope),
    mayorSessionCounts(db, start, end, scope === 'all' ? null : scope),
    sql<{ n: number }>`
      select count(*)::int as n from cases
      where received_at >= ${start} and received_at < ${end} and ${inScope}
        and exists (select 1 from message_attachments a where a.case_id = cases.id)
    `.execute(db),
  ]);

  const byCategory = Object.fromEntries(codes.categories.map((c) => [c.code, 0]));
  const byChannel: Record<string, number> = Object.fromEntries(CASE_CHANNELS.map((c) => [c, 0]));
  let receivedCount = 0;
  let answered = 0;
  let unclassified = 0;
  for (const row of received.rows) {
    receivedCount += row.n;
    answered += row.answered;
    if (row.category_code === null) unclassified += row.n;
    else byCategory[row.category_code] = (byCategory[row.category_code] ?? 0) + row.n;
    byChannel[row.channel] = (byChannel[row.channel] ?? 0) + row.n;
  }
  const byDisposition = Object.fromEntries(codes.dispositions.map((d) => [d.code, 0]));
  let closedCount = 0;
  let seconds = 0;
  let closedLate = 0;
  for (const row of closed.rows) {
    closedCount += row.n;
    seconds += row.seconds;
    closedLate += row.late;
    if (row.disposition_code !== null) byDisposition[row.disposition_code] = (byDisposition[row.disposition_code] ?? 0) + row.n;
  }
  const completed = (byDisposition.resolved ?? 0) + (byDisposition.scheduled ?? 0);
  return {
    period: { from: period.from, to: period.to, days },
    scope,
    received: receivedCount,
    byCategory,
    unclassified,
    byChannel,
    byDisposition,
    closed: closedCount,
    completionRate: ratio(completed, closedCount),
    answerRate: ratio(answered, receivedCount),
    dailyAverageReceived: receivedCount / days,
    dailyAverageClosed: closedCount / days,
    averageProcessingDays: ratio(seconds, closedCount) / 86_400,
    open: backlog.rows[0]?.open ?? 0,
    overdue: backlog.rows[0]?.overdue ?? 0,
    closedLate,
    committee: { referred: committee.rows[0]?.referred ?? 0, reviewed: committee.rows[0]?.reviewed ?? 0 },
    satisfaction,
    mayorSessions,
    withPhotos: photos.rows[0]?.n ?? 0,
  };
}

export type TrendBy = 'month' | 'quarter';

/** The calendar months or quarters that overlap a period, each clipped to it. */
export function trendPeriods(period: ReportPeriod, by: TrendBy): (ReportPeriod & { label: string })[] {
  periodBounds(period);
  const out: (ReportPeriod & { label: string })[] = [];
  const step = by === 'month' ? 1 : 3;
  let year = Number(period.from.slice(0, 4));
  let month = Number(period.from.slice(5, 7));
  if (by === 'quarter') month = Math.floor((month - 1) / 3) * 3 + 1;
  for (;;) {
    const first = `${year}-${String(month).padStart(2, '0')}-01`;
    if (first > period.to) break;
    const nextMonth = month + step > 12 ? month + step - 12 : month + step;
    const nextYear = month + step > 12 ? year + 1 : year;
    const last = new Date(Date.parse(`${nextYear}-${String(nextMonth).padStart(2, '0')}-01T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
    out.push({
      label: by === 'month' ? first.slice(0, 7) : `${year}-Q${(month - 1) / 3 + 1}`,
      from: first < period.from ? period.from : first,
      to: last > period.to ? period.to : last,
    });
    year = nextYear;
    month = nextMonth;
  }
  return out;
}

/** One summary per month or quarter (분기별 분석). */
export async function reportTrend(db: Db, period: ReportPeriod, by: TrendBy, scope: ReportScope, now = new Date()) {
  const periods = trendPeriods(period, by);
  const summaries = [];
  // One period at a time: a year of months is a dozen small queries, not a burst on the pool.
  for (const p of periods) {
    const s = await reportSummary(db, p, scope, now);
    summaries.push({
      period: p.label,
      from: p.from,
      to: p.to,
      received: s.received,
      closed: s.closed,
      completionRate: s.completionRate,
      answerRate: s.answerRate,
      averageProcessingDays: s.averageProcessingDays,
      open: s.open,
      overdue: s.overdue,
      byCategory: s.byCategory,
      byDisposition: s.byDisposition,
    });
  }
  return { by, from: period.from, to: period.to, scope, periods: summaries };
}

/** One row per case received in the period, for the CSV download. */
export async function reportCaseRows(db: Db, period: ReportPeriod, scope: ReportScope) {
  const { start, end } = periodBounds(period);
  let query = db
    .selectFrom('cases')
    .leftJoin('categories', 'categories.code', 'cases.category_code')
    .leftJoin('departments', 'departments.code', 'cases.department_code')
    .leftJoin('dispositions', 'dispositions.code', 'cases.disposition_code')
    .select([
      'cases.case_number',
      'cases.received_at',
      'cases.channel',
      'cases.category_code',
      'categories.label as category_label',
      'cases.department_code',
      'departments.name as department_name',
      'cases.status',
      'cases.kind',
      'cases.disposition_code',
      'dispositions.label as disposition_label',
      'cases.deadline_days',
      'cases.due_at',
      'cases.extended_at',
      'cases.answered_at',
      'cases.closed_at',
      (eb) => eb.selectFrom('satisfaction_surveys').select('satisfaction_surveys.score').whereRef('satisfaction_surveys.case_id', '=', 'cases.id').as('satisfaction_score'),
      (eb) =>
        eb.exists(eb.selectFrom('satisfaction_surveys').select('satisfaction_surveys.case_id').whereRef('satisfaction_surveys.case_id', '=', 'cases.id')).as('satisfaction_asked'),
      // Every file the resident sent with the case, kept or refused, as `withPhotos` counts them.
      (eb) =>
        eb
          .selectFrom('message_attachments')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('message_attachments.case_id', '=', 'cases.id')
          .as('photos'),
    ])
    .where('cases.received_at', '>=', start)
    .where('cases.received_at', '<', end);
  if (scope !== 'all') query = query.where('cases.department_code', '=', scope);
  return query.orderBy('cases.received_at').orderBy('cases.id').execute();
}
