import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { DEFAULT_DEPARTMENTS_PATH, PROJECT_ROOT } from '../src/paths.js';

const run = promisify(execFile);
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** Runs `npm run cli -- ...` as an operator would, from the TypeScript sources. */
async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: ctx.config.databaseUrl, REDIS_URL: ctx.config.redisUrl, LOG_LEVEL: 'info' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run cli', () => {
  it('staff add prints the new token as the last line, and the token opens the staff API', async () => {
    const result = await cli('staff', 'add', '--name', '홍길동', '--department', 'ROAD', '--role', 'staff');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const token = lines[lines.length - 1]!;
    expect(token).toMatch(/^sotong_[A-Za-z0-9_-]{43}$/);
    const staff = await ctx.db.selectFrom('staff').selectAll().where('name', '=', '홍길동').executeTakeFirstOrThrow();
    expect(staff.role).toBe('staff');
    expect(staff.department_code).toBe('ROAD');
    // Only a hash is stored.
    expect(staff.token_hash).not.toContain(token);
    const res = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
  });

  it('staff revoke cuts a token off at once', async () => {
    const added = await cli('staff', 'add', '--name', '김철수', '--department', 'ROAD', '--role', 'staff');
    const token = added.stdout.trim().split('\n').at(-1)!;
    const staff = await ctx.db.selectFrom('staff').selectAll().where('name', '=', '김철수').executeTakeFirstOrThrow();
    const ok = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    const revoked = await cli('staff', 'revoke', '--id', String(staff.id));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`staff #${staff.id} 김철수 revoked`);
    const refused = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${token}` } });
    expect(refused.statusCode).toBe(401);
    const again = await cli('staff', 'revoke', '--id', String(staff.id));
    expect(again.code).toBe(64);
    expect(again.stderr).toContain(`no active staff account #${staff.id}`);
  });

  it('refuses an unknown role or department with a clear message and no account', async () => {
    const badRole = await cli('staff', 'add', '--name', 'x', '--department', 'ROAD', '--role', 'boss');
    expect(badRole.code).toBe(64);
    expect(badRole.stderr).toContain('--role must be one of staff, manager, operator, admin');
    const badDepartment = await cli('staff', 'add', '--name', 'y', '--department', 'NOPE', '--role', 'staff');
    expect(badDepartment.code).toBe(64);
    expect(badDepartment.stderr).toContain('no active department NOPE');
    const rows = await ctx.db.selectFrom('staff').select('name').where('name', 'in', ['x', 'y']).execute();
    expect(rows).toHaveLength(0);
  });

  it('departments load updates departments from a file and deactivates the ones it no longer lists', async () => {
    const file = JSON.parse(await readFile(DEFAULT_DEPARTMENTS_PATH, 'utf8')) as {
      departments: { code: string; name: string }[];
    };
    file.departments = file.departments.filter((d) => d.code !== 'DESIGN');
    file.departments.find((d) => d.code === 'ROAD')!.name = '도로관리과';
    const dir = await mkdtemp(path.join(tmpdir(), 'sotong-'));
    const target = path.join(dir, 'departments.json');
    await writeFile(target, JSON.stringify(file));
    const result = await cli('departments', 'load', target);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`loaded ${file.departments.length} departments`);
    const road = await ctx.db.selectFrom('departments').selectAll().where('code', '=', 'ROAD').executeTakeFirstOrThrow();
    expect(road.name).toBe('도로관리과');
    const design = await ctx.db.selectFrom('departments').selectAll().where('code', '=', 'DESIGN').executeTakeFirstOrThrow();
    expect(design.active).toBe(false);
  });

  it('departments load replaces the routing examples when the file carries some, keeping staff corrections', async () => {
    const file = JSON.parse(await readFile(DEFAULT_DEPARTMENTS_PATH, 'utf8')) as Record<string, unknown>;
    file.examples = [
      { text: '놀이터 그네 줄이 끊어졌어요', department: 'CULTURE' },
      { text: '구청장님 늘 감사합니다', department: 'AUDIT', kind: 'thanks' },
    ];
    const dir = await mkdtemp(path.join(tmpdir(), 'sotong-'));
    const target = path.join(dir, 'with-examples.json');
    await writeFile(target, JSON.stringify(file));
    const result = await cli('departments', 'load', target);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('and 2 routing examples');
    const examples = await ctx.db.selectFrom('routing_examples').select(['text', 'department_code', 'kind', 'source']).orderBy('id').execute();
    expect(examples).toEqual([
      { text: '놀이터 그네 줄이 끊어졌어요', department_code: 'CULTURE', kind: 'complaint', source: 'file' },
      { text: '구청장님 늘 감사합니다', department_code: 'AUDIT', kind: 'thanks', source: 'file' },
    ]);
    // An example naming a department the file does not have is refused, and nothing changes.
    file.examples = [{ text: '가나다', department: 'NOPE' }];
    await writeFile(target, JSON.stringify(file));
    const refused = await cli('departments', 'load', target);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('example 1 names unknown department NOPE');
    expect(await ctx.db.selectFrom('routing_examples').select('id').execute()).toHaveLength(2);
  });

  it('rejects a malformed departments file and changes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sotong-'));
    const target = path.join(dir, 'bad.json');
    await writeFile(target, JSON.stringify({ categories: [], dispositions: [], departments: [{ code: 'X' }] }));
    const before = await ctx.db.selectFrom('departments').select('code').execute();
    const result = await cli('departments', 'load', target);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Not a valid departments file');
    const after = await ctx.db.selectFrom('departments').select('code').execute();
    expect(after).toEqual(before);
  });
});
