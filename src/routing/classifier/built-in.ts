// The built-in training material as files on disk: tests and the eval script train on it.
import { readFileSync } from 'node:fs';
import { DEFAULT_DEPARTMENTS_PATH, DEFAULT_EXAMPLES_PATH } from '../../paths.js';
import type { DepartmentRule, TrainingExample } from '../router.js';

export function builtInDepartments(): DepartmentRule[] {
  const file = JSON.parse(readFileSync(DEFAULT_DEPARTMENTS_PATH, 'utf8')) as {
    departments: DepartmentRule[];
  };
  return file.departments.map(({ code, category, keywords }) => ({ code, category, keywords }));
}

export function builtInExamples(): TrainingExample[] {
  return readFileSync(DEFAULT_EXAMPLES_PATH, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TrainingExample);
}
