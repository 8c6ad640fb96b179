// `npm start`, `npm run migrate`, `npm run cli` and the other entry points run this first:
// it runs `npm run build` only when a build input changed since the last build, instead of a
// full TypeScript compile on every call. Plain JavaScript, so it runs before anything is built.
//
// Stale means: no stamp yet, or a file or folder under the inputs is newer than the stamp (the
// newest input the last build saw). A folder's time changes when a file in it is added, removed
// or renamed, so deletions count too; a git checkout gives the files it writes the current time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
/** What tsconfig.build.json compiles, the data files the build copies, and what shapes the build. */
const INPUT_DIRS = ['src', 'webhooks', 'workers', 'migrations', 'scripts'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
/** Tests are not compiled into dist/. */
const isTest = (name) => /\.test\.ts$/.test(name);

/** The newest modification time (ms) among the inputs and their folders. */
function newestInput() {
  let newest = 0;
  const visit = (target) => {
    const stat = statSync(target, { throwIfNoEntry: false });
    if (!stat) return;
    newest = Math.max(newest, stat.mtimeMs);
    if (!stat.isDirectory()) return;
    for (const entry of readdirSync(target, { withFileTypes: true })) {
      if (entry.isFile() && isTest(entry.name)) continue;
      visit(path.join(target, entry.name));
    }
  };
  for (const dir of INPUT_DIRS) visit(path.join(root, dir));
  for (const file of INPUT_FILES) visit(path.join(root, file));
  return newest;
}

const stamp = statSync(STAMP, { throwIfNoEntry: false });
const newest = newestInput();
if (stamp && newest <= stamp.mtimeMs) process.exit(0);

const started = Date.now();
process.stderr.write(`${stamp ? 'sources changed since the last build' : 'no build yet'}: building (npm run build)\n`);
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) process.exit(build.status ?? 1);
// The stamp takes the time of the newest input this build saw, so that one saved during the build
// counts next time (rounded up: file times carry nanoseconds, utimes takes milliseconds). Never
// later than the build's start: a file dated in the future keeps the build stale, not skipped.
const stampTime = new Date(Math.min(Math.ceil(newest) + 1, started));
mkdirSync(path.dirname(STAMP), { recursive: true });
writeFileSync(STAMP, `${stampTime.toISOString()}\n`);
utimesSync(STAMP, stampTime, stampTime);
