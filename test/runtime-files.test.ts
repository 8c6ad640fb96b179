// dist/ alone must run the program: the Docker image copies dist/ and nothing else of the
// checkout. These checks hold the build's copy step and the sources to src/paths.ts.
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as paths from '../src/paths.js';
import { copyRuntimeFiles } from '../scripts/copy-runtime-files.js';

const { CODE_ROOT, PROJECT_ROOT, RUNTIME_FILES } = paths;
/** Every file path src/paths.ts exports (DEFAULT_DEPARTMENTS_PATH, ...). */
const exportedPaths = Object.entries(paths).filter(([name]) => name.endsWith('_PATH')) as [string, string][];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(PROJECT_ROOT, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(PROJECT_ROOT, path.join(e.parentPath, e.name)));
}

describe('files read at run time', () => {
  it('are all exported by src/paths.ts, inside the code tree and listed in RUNTIME_FILES', () => {
    expect(exportedPaths.map(([name]) => name).sort()).toEqual(['DEFAULT_DEPARTMENTS_PATH', 'DEFAULT_EXAMPLES_PATH']);
    for (const [name, file] of exportedPaths) {
      // Under vitest the code root is the checkout; compiled, it is dist/.
      expect(file.startsWith(CODE_ROOT + path.sep), name).toBe(true);
      expect(Object.values(RUNTIME_FILES), name).toContain(path.relative(CODE_ROOT, file));
    }
  });

  it("land in a build's output directory, every exported path resolving there with the same content", async () => {
    const outDir = path.join(await mkdtemp(path.join(tmpdir(), 'sotong-build-')), 'dist');
    await copyRuntimeFiles(PROJECT_ROOT, outDir);
    for (const [name, file] of exportedPaths) {
      const built = path.join(outDir, path.relative(CODE_ROOT, file));
      expect(await readFile(built, 'utf8'), name).toBe(await readFile(path.join(PROJECT_ROOT, path.relative(CODE_ROOT, file)), 'utf8'));
    }
    // The migrations apply the plpgsql functions from their files: each is there too.
    for (const name of paths.SQL_FUNCTIONS) {
      const file = path.relative(CODE_ROOT, paths.sqlFunctionPath(name));
      expect(await readFile(path.join(outDir, file), 'utf8'), name).toBe(await readFile(path.join(PROJECT_ROOT, file), 'utf8'));
    }
  });

  it('include every data file of the sources: a new one must be listed to reach the image', async () => {
    const dataFiles = [];
    for (const dir of ['src', 'workers', 'webhooks', 'migrations']) {
      // Code is .ts, and .tsx for the console's pages. A provider's fixtures sit beside the test that
      // reads them: test data, never read at run time.
      dataFiles.push(...(await filesUnder(dir)).filter((f) => !/\.tsx?$/.test(f) && !f.split('/').includes('fixtures')));
    }
    expect(dataFiles.sort()).toEqual(Object.values(RUNTIME_FILES).sort());
  });

  it('are found through src/paths.ts only: no other code locates files from its own URL', async () => {
    const offenders = [];
    for (const dir of ['src', 'workers', 'webhooks', 'migrations']) {
      for (const file of (await filesUnder(dir)).filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.test.ts') && f !== 'src/paths.ts')) {
        if ((await readFile(path.join(PROJECT_ROOT, file), 'utf8')).includes('import.meta.url')) offenders.push(file);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('are copied by `npm run build`, and the image takes dist/ whole and no source file', async () => {
    const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json && node dist\/scripts\/copy-runtime-files\.js$/);
    const dockerfile = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    const copies = runtimeStage.split('\n').filter((line) => /^COPY\b/.test(line));
    expect(copies).toEqual(['COPY package.json package-lock.json ./', 'COPY --from=build /app/dist ./dist']);
  });
});
