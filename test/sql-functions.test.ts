// The rules that run inside Postgres live in one file per function (src/db/functions/), and the
// migrated database runs exactly those files: no function is defined only inside a migration,
// and none differs from its file.
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { SQL_FUNCTIONS, sqlFunctionPath } from '../src/paths.js';
import { applySqlFunctions } from '../src/db/sql-functions.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** The plpgsql functions of the database's public schema (extensions' functions are in C or sql), with their definitions. */
async function definitions(): Promise<Map<string, string>> {
  const { rows } = await sql<{ name: string; definition: string }>`
    select p.proname as name, pg_get_functiondef(p.oid) as definition
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
     where n.nspname = 'public' and l.lanname = 'plpgsql'`.execute(ctx.db);
  return new Map(rows.map((r) => [r.name, r.definition]));
}

describe('plpgsql functions', () => {
  it('are each in a file of their own, and the migrated database has no other', async () => {
    expect([...(await definitions()).keys()].sort()).toEqual([...SQL_FUNCTIONS].sort());
    for (const name of SQL_FUNCTIONS) {
      const text = await readFile(sqlFunctionPath(name), 'utf8');
      const defined = [...text.matchAll(/create or replace function (\w+)\(/g)].map((m) => m[1]);
      expect(defined, name).toEqual([name]);
      // Why the function is there is said at the top of its file.
      expect(text.startsWith('-- '), name).toBe(true);
    }
  });

  it('run as their files say: applying the files again changes no definition', async () => {
    const migrated = await definitions();
    await applySqlFunctions(ctx.db, SQL_FUNCTIONS);
    expect(await definitions()).toEqual(migrated);
  });

  it('keep the sender rows out of the WAL: sender_flood_counts is unlogged (its loss is a forgotten sender, see case-number-acknowledgement)', async () => {
    const { rows } = await sql<{ persistence: string }>`select relpersistence as persistence from pg_class where oid = 'sender_flood_counts'::regclass`.execute(ctx.db);
    expect(rows[0]!.persistence).toBe('u');
  });
});
