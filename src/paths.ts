import path from 'node:path';
import { fileURLToPath } from 'node:url';

// This file runs from src/ under vitest and from dist/src/ once compiled.
const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the running code tree starts: the project, or dist/ inside it. */
export const CODE_ROOT = path.resolve(here, '..');
/** The project checkout, where data files live. */
export const PROJECT_ROOT = path.basename(CODE_ROOT) === 'dist' ? path.resolve(CODE_ROOT, '..') : CODE_ROOT;
export const DEFAULT_DEPARTMENTS_PATH = path.join(PROJECT_ROOT, 'src/departments/default-departments.json');
