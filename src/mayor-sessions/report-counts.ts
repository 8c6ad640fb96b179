import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** What the report summary counts of the mayor's sessions in a period. */
export interface MayorSessionCounts {
  /** 온데이트: residents who volunteered in the period, and those of them chosen. */
  ondate: { volunteers: number; chosen: number };
  /** 찾아가는 구청장실: applications received in the period, and meetings recorded in it as held. */
  visits: { applied: number; met: number };
}

/**
 * Counts for [start, end); `department` limits them to cases of one department (a
 * volunteer's case, the case a meeting opened or joined), as a department's report does.
 */
export async function mayorSessionCounts(db: Db, start: Date, end: Date, department: string | null): Promise<MayorSessionCounts> {
  const inScope = (alias: string) => (department === null ? sql<boolean>`true` : sql<boolean>`${sql.ref(`${alias}.department_code`)} = ${department}`);
  const [ondate, visits] = await Promise.all([
    sql<{ volunteers: number; chosen: number }>`
      select count(*)::int as volunteers, count(*) filter (where v.status = 'chosen')::int as chosen
      from ondate_volunteers v join cases c on c.id = v.case_id
      where v.opted_in_at >= ${start} and v.opted_in_at < ${end} and ${inScope('c')}
    `.execute(db),
    sql<{ applied: number; met: number }>`
      select count(*) filter (where v.created_at >= ${start} and v.created_at < ${end})::int as applied,
             count(*) filter (where v.status = 'met' and v.outcome_at >= ${start} and v.outcome_at < ${end})::int as met
      from mayor_visit_requests v left join cases o on o.id = v.outcome_case_id
      where ${department === null ? sql<boolean>`true` : inScope('o')}
    `.execute(db),
  ]);
  return {
    ondate: { volunteers: ondate.rows[0]?.volunteers ?? 0, chosen: ondate.rows[0]?.chosen ?? 0 },
    visits: { applied: visits.rows[0]?.applied ?? 0, met: visits.rows[0]?.met ?? 0 },
  };
}
