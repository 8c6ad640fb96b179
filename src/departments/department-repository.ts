import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { DepartmentsFile } from './departments-file.js';
import { DEFAULT_DEPARTMENTS_PATH } from '../paths.js';
import { replaceExamples } from '../routing/routing-examples.js';

/**
 * Loads categories, dispositions and departments from a file, updating what exists.
 * Departments missing from the file are deactivated, not deleted: old cases still name them.
 */
export async function loadDepartments(db: Db, file: DepartmentsFile): Promise<{ departments: number; examples: number | null }> {
  await db.transaction().execute(async (trx) => {
    for (const [position, c] of file.categories.entries()) {
      await trx
        .insertInto('categories')
        .values({ code: c.code, label: c.label, position })
        .onConflict((oc) => oc.column('code').doUpdateSet({ label: c.label, position }))
        .execute();
    }
    for (const [position, d] of file.dispositions.entries()) {
      const meaning = d.meaning ?? '';
      await trx
        .insertInto('dispositions')
        .values({ code: d.code, label: d.label, meaning, position })
        .onConflict((oc) => oc.column('code').doUpdateSet({ label: d.label, meaning, position }))
        .execute();
    }
    for (const d of file.departments) {
      const row = {
        name: d.name,
        category_code: d.category,
        duties: d.duties ?? '',
        keywords: JSON.stringify(d.keywords ?? []),
        active: true,
        updated_at: new Date(),
      };
      await trx
        .insertInto('departments')
        .values({ code: d.code, ...row })
        .onConflict((oc) => oc.column('code').doUpdateSet(row))
        .execute();
    }
    await trx
      .updateTable('departments')
      .set({ active: false, updated_at: new Date() })
      .where(
        'code',
        'not in',
        file.departments.map((d) => d.code),
      )
      .execute();
    if (file.examples) await replaceExamples(trx, file.examples, 'file');
  });
  return { departments: file.departments.length, examples: file.examples?.length ?? null };
}

/** First start: an empty database gets the built-in organisation. */
export async function loadDefaultDepartmentsIfEmpty(db: Db): Promise<boolean> {
  const { count } = await db
    .selectFrom('departments')
    .select(sql<number>`count(*)::int`.as('count'))
    .executeTakeFirstOrThrow();
  if (count > 0) return false;
  // Loaded here only: the file checker (typebox) is slow to import, and workers never need it.
  const { readDepartmentsFile } = await import('./departments-file.js');
  await loadDepartments(db, await readDepartmentsFile(DEFAULT_DEPARTMENTS_PATH));
  return true;
}

export async function listActiveDepartments(db: Db) {
  return db.selectFrom('departments').selectAll().where('active', '=', true).orderBy('code').execute();
}

export async function findActiveDepartment(db: Db, code: string) {
  return db.selectFrom('departments').selectAll().where('code', '=', code).where('active', '=', true).executeTakeFirst();
}

export async function listDispositionCodes(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('dispositions').select('code').orderBy('position').execute();
  return rows.map((r) => r.code);
}

/** Every department, inactive ones too, with its category's label (the CLI's `departments list`). */
export async function listDepartments(db: Db) {
  return db
    .selectFrom('departments')
    .innerJoin('categories', 'categories.code', 'departments.category_code')
    .select(['departments.code', 'departments.name', 'departments.category_code', 'categories.label as category_label', 'departments.active'])
    .orderBy('departments.active', 'desc')
    .orderBy('departments.code')
    .execute();
}
