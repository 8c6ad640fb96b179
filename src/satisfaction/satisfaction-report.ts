// The satisfaction figures of the reports (src/reports): questions asked in the period, how
// many residents answered, how the scores fell, and the positive share (4 or 5), for the
// district or a department, and by department and by category.
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface SatisfactionFigures {
  /** Questions asked in the period. */
  asked: number;
  /** Of those, answered (at any time since). */
  responded: number;
  /** responded / asked; 0 when none was asked. */
  responseRate: number;
  /** Scores 1–5 given, every score present (0 included). */
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  /** Scores 4 and 5, of all responses; 0 when none. */
  positiveShare: number;
  /** Mean score of the responses; null when none. */
  averageScore: number | null;
}

export interface SatisfactionReport extends SatisfactionFigures {
  /** By the case's department (every department with a question asked). */
  byDepartment: Record<string, SatisfactionFigures>;
  /** By the case's category (every category with a question asked). */
  byCategory: Record<string, SatisfactionFigures>;
}

function empty(): { asked: number; scores: number[] } {
  return { asked: 0, scores: [0, 0, 0, 0, 0] };
}

function figures(tally: { asked: number; scores: number[] }): SatisfactionFigures {
  const responded = tally.scores.reduce((a, b) => a + b, 0);
  const [s1, s2, s3, s4, s5] = tally.scores as [number, number, number, number, number];
  return {
    asked: tally.asked,
    responded,
    responseRate: tally.asked === 0 ? 0 : responded / tally.asked,
    distribution: { '1': s1, '2': s2, '3': s3, '4': s4, '5': s5 },
    positiveShare: responded === 0 ? 0 : (s4 + s5) / responded,
    averageScore: responded === 0 ? null : (s1 + 2 * s2 + 3 * s3 + 4 * s4 + 5 * s5) / responded,
  };
}

/** The satisfaction figures of the questions asked in [start, end), in a scope ('all' or a department). */
export async function satisfactionReport(db: Db, start: Date, end: Date, scope: string): Promise<SatisfactionReport> {
  const inScope = scope === 'all' ? sql<boolean>`true` : sql<boolean>`c.department_code = ${scope}`;
  const { rows } = await sql<{ department_code: string | null; category_code: string | null; score: number | null; n: number }>`
    select c.department_code, c.category_code, s.score, count(*)::int as n
    from satisfaction_surveys s join cases c on c.id = s.case_id
    where s.asked_at >= ${start} and s.asked_at < ${end} and ${inScope}
    group by 1, 2, 3
  `.execute(db);
  const total = empty();
  const departments = new Map<string, ReturnType<typeof empty>>();
  const categories = new Map<string, ReturnType<typeof empty>>();
  const add = (tally: ReturnType<typeof empty>, score: number | null, n: number) => {
    tally.asked += n;
    if (score !== null) tally.scores[score - 1]! += n;
  };
  for (const row of rows) {
    add(total, row.score, row.n);
    const department = row.department_code ?? 'none';
    const category = row.category_code ?? 'none';
    if (!departments.has(department)) departments.set(department, empty());
    if (!categories.has(category)) categories.set(category, empty());
    add(departments.get(department)!, row.score, row.n);
    add(categories.get(category)!, row.score, row.n);
  }
  const sorted = (m: Map<string, ReturnType<typeof empty>>) =>
    Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => [k, figures(t)]));
  return { ...figures(total), byDepartment: sorted(departments), byCategory: sorted(categories) };
}
