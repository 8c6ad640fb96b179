import path from 'node:path';
import { fileURLToPath } from 'node:url';

// This file runs from src/ under vitest and from dist/src/ once compiled.
const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the running code tree starts: the project, or dist/ inside it. */
export const CODE_ROOT = path.resolve(here, '..');
/** The project checkout (tests, scripts and the build read it; the running program does not). */
export const PROJECT_ROOT = path.basename(CODE_ROOT) === 'dist' ? path.resolve(CODE_ROOT, '..') : CODE_ROOT;

/**
 * Every file the program reads at run time, relative to the code root. The build copies them
 * into dist/ beside the compiled code (scripts/copy-runtime-files.ts), so dist/ alone runs the
 * program: the Docker image copies nothing else. Read them only through the paths below;
 * test/runtime-files.test.ts holds the build to this list.
 */
/**
 * The rules that run inside Postgres (threading, case numbers, acknowledgements, routing's write,
 * message counts): one plpgsql function per file, src/db/functions/<name>.sql, applied by the
 * migration that needs its current version (src/db/sql-functions.ts).
 */
export const SQL_FUNCTIONS = [
  'next_case_number',
  'open_case_of_sender',
  'satisfaction_score',
  'survey_of_sender',
  'reserve_case_number',
  'accept_resident_message',
  'store_inbound_message',
  'apply_routing',
  'file_and_route_inbound',
  'count_inserted_messages',
  'count_deleted_messages',
  'count_updated_message',
] as const;
export type SqlFunction = (typeof SQL_FUNCTIONS)[number];

const sqlFunctionFile = (name: SqlFunction) => `src/db/functions/${name}.sql`;

export const RUNTIME_FILES = {
  /** The built-in departments, categories and dispositions, loaded on first start. */
  defaultDepartments: 'src/departments/default-departments.json',
  /** The built-in routing examples, loaded on first start. */
  defaultExamples: 'src/routing/examples/default-examples.jsonl',
  ...(Object.fromEntries(SQL_FUNCTIONS.map((name) => [`sql:${name}`, sqlFunctionFile(name)])) as Record<`sql:${SqlFunction}`, string>),
};

export const DEFAULT_DEPARTMENTS_PATH = path.join(CODE_ROOT, RUNTIME_FILES.defaultDepartments);
export const DEFAULT_EXAMPLES_PATH = path.join(CODE_ROOT, RUNTIME_FILES.defaultExamples);

/** Where a plpgsql function's file is, in the checkout or in dist/. */
export const sqlFunctionPath = (name: SqlFunction) => path.join(CODE_ROOT, sqlFunctionFile(name));
