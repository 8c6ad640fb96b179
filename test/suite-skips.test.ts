// A test that does not run must say why in the run's output: `describe.skipIf(...)` and its
// kind leave only a count of skipped tests, which reads like a pass. A test skips itself with
// `context.skip(note)` after printing its reason (see src/routing/classifier/cv.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const SILENT = /\b(?:describe|it|test|suite)\s*\.\s*(?:skip|skipIf|runIf|todo)\b|\.only\s*\(/;
/** `context.skip()` / `ctx.skip(true)` without a note saying why. */
const UNEXPLAINED = /\b(?:context|ctx|t)\s*\.\s*skip\s*\(\s*(?:\)|(?:true|false|[A-Za-z_!][^,'"`)]*)\s*\))/;

describe('the suite', () => {
  it('has no silent skips: every skipped test names its reason', () => {
    const files = ['test', 'src', 'webhooks', 'workers'].flatMap((dir) => testFiles(path.join(PROJECT_ROOT, dir)));
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      if (file === path.join(PROJECT_ROOT, 'test/suite-skips.test.ts')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (SILENT.test(line) || UNEXPLAINED.test(line)) offenders.push(`${path.relative(PROJECT_ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
