// package.json promises Node 20.11+ (or 22+) to run the program, and the README 20.19+ for the
// test tools. npm only warns (EBADENGINE) when a package wants more, so the lock is held to it here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean };

const read = (file: string) => JSON.parse(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'));
const pkg = read('package.json') as { engines: { node: string } };
const lock = read('package-lock.json') as { packages: Record<string, { version?: string; dev?: boolean; os?: string[]; engines?: { node?: string } | string[] }> };

/** The oldest Node of each line package.json admits. */
const RUN_ON = ['20.11.0', '22.0.0'];
/** The oldest Node 20 the development tools (vitest, vite, nock) run on, as the README says. */
const DEVELOP_ON = '20.19.0';

/** Installed packages whose declared engines refuse `version`. */
function refusing(version: string, which: (entry: { dev?: boolean }) => boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([name, entry]) => name !== '' && which(entry))
    // A platform package for another system (sharp's @img/sharp-win32-*) is never installed
    // on the Linux servers this line runs on, so npm ci never weighs its engines.
    .filter(([, entry]) => entry.os === undefined || entry.os.includes('linux'))
    .filter(([, entry]) => {
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return node !== undefined && !semver.satisfies(version, node);
    })
    .map(([name, entry]) => `${name.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
}

describe('Node versions (no EBADENGINE on npm ci)', () => {
  it('package.json admits the versions checked below', () => {
    for (const version of [...RUN_ON, DEVELOP_ON]) expect(semver.satisfies(version, pkg.engines.node), version).toBe(true);
    expect(semver.satisfies('21.0.0', pkg.engines.node)).toBe(false);
  });

  it('the README names the same versions', () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('**Node 20** (20.11 or later) or Node 22+');
    expect(readme).toContain(`Node ${DEVELOP_ON.replace(/\.0$/, '')} or later on the 20 line`);
  });

  for (const version of RUN_ON) {
    it(`every production package runs on Node ${version}`, () => {
      expect(refusing(version, (entry) => entry.dev !== true)).toEqual([]);
    });
  }

  it(`every package, development tools included, installs on Node ${DEVELOP_ON}`, () => {
    expect(refusing(DEVELOP_ON, () => true)).toEqual([]);
  });
});
