// `npm run cli` (and start, migrate) used to compile everything on every call; now
// scripts/build-if-stale.mjs builds only when a build input changed. Checked on a small
// project of its own whose "build" only counts how often it ran.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

const run = promisify(execFile);

async function fakeProject() {
  const root = await mkdtemp(path.join(tmpdir(), 'sotong-stale-'));
  await mkdir(path.join(root, 'scripts'));
  await mkdir(path.join(root, 'src', 'routing'), { recursive: true });
  await copyFile(path.join(PROJECT_ROOT, 'scripts/build-if-stale.mjs'), path.join(root, 'scripts/build-if-stale.mjs'));
  // The build appends a line per run, and fails while the file `broken` exists.
  await writeFile(
    path.join(root, 'count-build.mjs'),
    `import fs from 'node:fs';
if (fs.existsSync('broken')) process.exit(2);
fs.mkdirSync('dist', { recursive: true });
fs.appendFileSync('builds.log', 'built\\n');`,
  );
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'fake', private: true, type: 'module', scripts: { build: 'node count-build.mjs' } }));
  await writeFile(path.join(root, 'src/main.ts'), 'export {};\n');
  await writeFile(path.join(root, 'src/routing/router.ts'), 'export {};\n');
  await writeFile(path.join(root, 'src/routing/router.test.ts'), 'export {};\n');
  await ageAll(root);
  return root;
}

async function buildIfStale(root: string) {
  try {
    await run(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}
const builds = async (root: string) => (await readFile(path.join(root, 'builds.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
/** An edit, now. */
const touch = (file: string) => utimes(file, new Date(), new Date());
/** Dates every file and folder of the fake project an hour back: all written long before the first build. */
async function ageAll(root: string) {
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const entry of await readdir(root, { recursive: true })) await utimes(path.join(root, entry), hourAgo, hourAgo);
  await utimes(root, hourAgo, hourAgo);
}

describe('scripts/build-if-stale.mjs', { timeout: 90_000 }, () => {
  it('builds the first time and when an input changes, not otherwise', async () => {
    const root = await fakeProject();
    try {
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(1);
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(1);
      // A test file is not a build input.
      await touch(path.join(root, 'src/routing/router.test.ts'));
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(1);
      // An edited source is.
      await touch(path.join(root, 'src/routing/router.ts'));
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(2);
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(2);
      // So is a removed one (its folder's time changes), and package.json.
      await rm(path.join(root, 'src/main.ts'));
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(3);
      await touch(path.join(root, 'package.json'));
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(4);
      // A file dated in the future (a skewed clock) keeps it building rather than skipping an edit.
      const later = new Date(Date.now() + 3600_000);
      await utimes(path.join(root, 'src/routing/router.ts'), later, later);
      expect(await buildIfStale(root)).toBe(0);
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(6);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('fails with the build, and tries again next time', async () => {
    const root = await fakeProject();
    try {
      await writeFile(path.join(root, 'broken'), '');
      expect(await buildIfStale(root)).toBe(2);
      expect(await builds(root)).toBe(0);
      await rm(path.join(root, 'broken'));
      expect(await buildIfStale(root)).toBe(0);
      expect(await builds(root)).toBe(1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('is what every entry point that runs dist/ does first, instead of a full build', async () => {
    const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const entry of ['start', 'start:api', 'start:worker', 'migrate', 'cli']) {
      expect(pkg.scripts[entry], entry).toMatch(/^node dist\//);
      expect(pkg.scripts[`pre${entry}`], entry).toBe('node scripts/build-if-stale.mjs');
    }
  });
});
