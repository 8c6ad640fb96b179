import { readFile } from 'node:fs/promises';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

const Code = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_]+$' });

export const DepartmentsFileSchema = Type.Object({
  about: Type.Optional(Type.String()),
  categories: Type.Array(Type.Object({ code: Code, label: Type.String({ minLength: 1 }) }), { minItems: 1 }),
  dispositions: Type.Array(
    Type.Object({ code: Code, label: Type.String({ minLength: 1 }), meaning: Type.Optional(Type.String()) }),
    { minItems: 1 },
  ),
  departments: Type.Array(
    Type.Object({
      code: Code,
      name: Type.String({ minLength: 1 }),
      category: Code,
      duties: Type.Optional(Type.String()),
      keywords: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    }),
    { minItems: 1 },
  ),
  /** Labelled messages the router learns from; when present they replace the loaded ones (corrections stay). */
  examples: Type.Optional(
    Type.Array(
      Type.Object({
        text: Type.String({ minLength: 1, maxLength: 20_000 }),
        department: Code,
        kind: Type.Optional(Type.Union([Type.Literal('complaint'), Type.Literal('thanks'), Type.Literal('spam')])),
      }),
    ),
  ),
});
export type DepartmentsFile = Static<typeof DepartmentsFileSchema>;

/** Reads and checks a departments file; every problem is reported with its place in the file. */
export function parseDepartmentsFile(json: unknown): DepartmentsFile {
  if (!Value.Check(DepartmentsFileSchema, json)) {
    const problems = [...Value.Errors(DepartmentsFileSchema, json)]
      .slice(0, 10)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`Not a valid departments file:\n  - ${problems.join('\n  - ')}`);
  }
  const file = json;
  const categories = new Set(file.categories.map((c) => c.code));
  const problems: string[] = [];
  for (const d of file.departments) {
    if (!categories.has(d.category)) problems.push(`department ${d.code} names unknown category ${d.category}`);
  }
  const seen = new Set<string>();
  for (const d of file.departments) {
    if (seen.has(d.code)) problems.push(`department ${d.code} appears twice`);
    seen.add(d.code);
  }
  if (!seen.has('AUDIT')) problems.push('department AUDIT (the triage team) is required');
  for (const [i, e] of (file.examples ?? []).entries()) {
    if (!seen.has(e.department)) problems.push(`example ${i + 1} names unknown department ${e.department}`);
  }
  if (problems.length > 0) throw new Error(`Not a valid departments file:\n  - ${problems.join('\n  - ')}`);
  return file;
}

export async function readDepartmentsFile(path: string | URL): Promise<DepartmentsFile> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${String(path)} is not JSON: ${(error as Error).message}`);
  }
  return parseDepartmentsFile(json);
}
