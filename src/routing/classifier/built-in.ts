// The built-in training material as files on disk: tests and the eval script train on it.
import { readFileSync } from 'node:fs';
import type { DepartmentRule, TrainingExample } from '../router.js';

export function builtInDepartments(): DepartmentRule[] {
  const file = JSON.parse(readFileSync(new URL('../../departments/default-departments.json', import.meta.url), 'utf8')) as {
    departments: DepartmentRule[];
  };
  return file.departments.map(({ code, category, keywords }) => ({ code, category, keywords }));
}

export function builtInExamples(): TrainingExample[] {
  return readFileSync(new URL('../examples/default-examples.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TrainingExample);
}
