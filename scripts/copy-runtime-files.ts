// The build's second step (`npm run build`): copies every file the program reads at run time
// (src/paths.ts RUNTIME_FILES) from the checkout into dist/, so that dist/ alone runs the program.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODE_ROOT, PROJECT_ROOT, RUNTIME_FILES } from '../src/paths.js';

export async function copyRuntimeFiles(fromRoot: string, toRoot: string): Promise<string[]> {
  const copied: string[] = [];
  for (const file of Object.values(RUNTIME_FILES)) {
    await mkdir(path.dirname(path.join(toRoot, file)), { recursive: true });
    await copyFile(path.join(fromRoot, file), path.join(toRoot, file));
    copied.push(file);
  }
  return copied;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Compiled, this runs from dist/scripts/: CODE_ROOT is dist/, PROJECT_ROOT the checkout.
  if (CODE_ROOT === PROJECT_ROOT) throw new Error('run the compiled copy (node dist/scripts/copy-runtime-files.js)');
  await copyRuntimeFiles(PROJECT_ROOT, CODE_ROOT);
}
