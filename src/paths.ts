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
export const RUNTIME_FILES = {
  /** The built-in departments, categories and dispositions, loaded on first start. */
  defaultDepartments: 'src/departments/default-departments.json',
  /** The built-in routing examples, loaded on first start. */
  defaultExamples: 'src/routing/examples/default-examples.jsonl',
} as const;

export const DEFAULT_DEPARTMENTS_PATH = path.join(CODE_ROOT, RUNTIME_FILES.defaultDepartments);
export const DEFAULT_EXAMPLES_PATH = path.join(CODE_ROOT, RUNTIME_FILES.defaultExamples);
