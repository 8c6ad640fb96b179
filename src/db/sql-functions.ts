import { readFile } from 'node:fs/promises';
import { type Kysely, sql } from 'kysely';
import { sqlFunctionPath, type SqlFunction } from '../paths.js';

/**
 * Applies plpgsql functions from their files (src/db/functions/<name>.sql, each one
 * `create or replace function`). A migration that needs a function's new version edits its
 * file and applies it by name; the file is where the function is read and reviewed, and the
 * migrations that applied earlier versions stay as they were released.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function applySqlFunctions(db: Kysely<any>, names: readonly SqlFunction[]): Promise<void> {
  for (const name of names) {
    const text = await readFile(sqlFunctionPath(name), 'utf8');
    await sql.raw(text).execute(db);
  }
}
