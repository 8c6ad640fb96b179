import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ExampleKind, ExampleSource } from './routing-example.table.js';
import type { TrainingExample } from './router.js';
import { DEFAULT_EXAMPLES_PATH } from '../paths.js';

/**
 * A staff correction counts as this many examples: it is a fresh, local judgement, and a
 * single one must be enough for the next similar message to go the right way.
 */
const CORRECTION_WEIGHT = 5;

/** Everything the router learns from now: every example not withdrawn. */
export async function loadTrainingExamples(db: Db): Promise<TrainingExample[]> {
  const rows = await db
    .selectFrom('routing_examples')
    .innerJoin('departments', 'departments.code', 'routing_examples.department_code')
    .select(['routing_examples.text', 'routing_examples.department_code', 'routing_examples.kind', 'routing_examples.source'])
    .where('routing_examples.withdrawn_at', 'is', null)
    .where('departments.active', '=', true)
    .orderBy('routing_examples.id')
    .execute();
  return rows.flatMap((r) =>
    Array.from({ length: r.source === 'correction' ? CORRECTION_WEIGHT : 1 }, () => ({
      text: r.text,
      department: r.department_code,
      kind: r.kind,
    })),
  );
}

/** Changes whenever what the router learns from changes (examples, corrections, department rules). */
export async function trainingFingerprint(db: Db): Promise<string> {
  const row = await sql<{ fingerprint: string }>`
    select concat_ws('/',
      (select count(*) from routing_examples where withdrawn_at is null),
      (select max(id) from routing_examples),
      (select max(withdrawn_at) from routing_examples),
      (select max(updated_at) from departments)) as fingerprint
  `.execute(db);
  return row.rows[0]?.fingerprint ?? '';
}

export interface ExampleInput {
  text: string;
  department: string;
  kind?: ExampleKind | undefined;
}

/** Replaces the examples that came from files (built-in or loaded); corrections stay. */
export async function replaceExamples(trx: Db, examples: ExampleInput[], source: Exclude<ExampleSource, 'correction'>): Promise<void> {
  await trx.deleteFrom('routing_examples').where('source', 'in', ['builtin', 'file']).execute();
  for (let i = 0; i < examples.length; i += 500) {
    await trx
      .insertInto('routing_examples')
      .values(
        examples.slice(i, i + 500).map((e) => ({ text: e.text, department_code: e.department, kind: e.kind ?? 'complaint', source })),
      )
      .execute();
  }
}

export function parseExamplesJsonl(text: string): ExampleInput[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line) as { text: string; department: string; kind?: ExampleKind };
      return { text: row.text, department: row.department, kind: row.kind };
    });
}

/** First start: the built-in examples (the district's labelled messages). */
export async function loadDefaultExamplesIfEmpty(db: Db): Promise<boolean> {
  const { count } = await db
    .selectFrom('routing_examples')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('source', 'in', ['builtin', 'file'])
    .executeTakeFirstOrThrow();
  if (count > 0) return false;
  const examples = parseExamplesJsonl(await readFile(DEFAULT_EXAMPLES_PATH, 'utf8'));
  await db.transaction().execute((trx) => replaceExamples(trx, examples, 'builtin'));
  return true;
}

/**
 * A reassignment (부서이첩) is a labelled example: the case's words belong to the new
 * department. A later reassignment of the same case supersedes the earlier one.
 */
export async function recordCorrection(
  trx: Db,
  input: { caseId: number; staffId: number; department: string; reason?: string | null },
): Promise<void> {
  await trx
    .updateTable('routing_examples')
    .set({ withdrawn_at: new Date(), withdrawn_by: input.staffId })
    .where('case_id', '=', input.caseId)
    .where('source', '=', 'correction')
    .where('withdrawn_at', 'is', null)
    .execute();
  await sql`
    insert into routing_examples (text, department_code, kind, source, case_id, staff_id, reason)
    select string_agg(text, E'\n' order by id), ${input.department}, 'complaint', 'correction', ${input.caseId}::bigint, ${input.staffId}::bigint, ${input.reason ?? null}::text
    from messages where case_id = ${input.caseId}::bigint and direction = 'in'
    having count(*) > 0
  `.execute(trx);
}

export async function listCorrections(db: Db, limit = 100) {
  return db
    .selectFrom('routing_examples')
    .innerJoin('cases', 'cases.id', 'routing_examples.case_id')
    .leftJoin('staff', 'staff.id', 'routing_examples.staff_id')
    .select([
      'routing_examples.id',
      'routing_examples.case_id',
      'cases.case_number',
      'routing_examples.department_code',
      'routing_examples.staff_id',
      'staff.name as staff_name',
      'routing_examples.created_at',
      'routing_examples.withdrawn_at',
      'routing_examples.withdrawn_by',
      'routing_examples.reason',
      sql<string | null>`cases.routing->>'department'`.as('routed_department'),
    ])
    .where('routing_examples.source', '=', 'correction')
    .orderBy('routing_examples.id', 'desc')
    .limit(limit)
    .execute();
}

/** Withdraws a correction: it stays on record but teaches nothing any more. */
export async function withdrawCorrection(db: Db, id: number, staffId: number): Promise<boolean> {
  const result = await db
    .updateTable('routing_examples')
    .set({ withdrawn_at: new Date(), withdrawn_by: staffId })
    .where('id', '=', id)
    .where('source', '=', 'correction')
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
