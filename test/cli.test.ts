import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
import { DEFAULT_DEPARTMENTS_PATH, PROJECT_ROOT } from '../src/paths.js';
import { COMMANDS } from '../src/cli/usage.js';
import { RUN } from '../src/cli/commands.js';

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
  return cliWith({}, ...args);
}

async function cliWith(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: ctx.config.databaseUrl, REDIS_URL: ctx.config.redisUrl, LOG_LEVEL: 'info', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Every call is a process of its own (about a second each on an idle machine, far more on a busy one).
describe('npm run cli', { timeout: 90_000 }, () => {
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

  it('--help on the top level, each group and each command prints its usage and exits 0, needing no database', async () => {
    // Nothing listens on port 1: a command that touched the database would fail.
    const noDatabase = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' };
    const commands = ['staff add', 'staff revoke', 'departments list', 'departments load', 'retention purge', 'outbox list', 'notices import'];
    expect(Object.keys(COMMANDS)).toEqual(commands);
    expect(Object.keys(RUN)).toEqual(commands);
    const calls = [['--help'], ['-h'], ['help'], ['staff', '--help'], ['departments', '--help'], ...commands.map((c) => [...c.split(' '), '--help'])];
    const results = await Promise.all(calls.map((args) => cliWith(noDatabase, ...args)));
    results.forEach((result, i) => {
      const args = calls[i]!.join(' ');
      expect(result.code, args).toBe(0);
      expect(result.stdout, args).toMatch(/^usage:\n {2}npm run cli -- /);
      expect(result.stderr, args).toBe('');
    });
    for (const command of commands) expect(results[0]!.stdout).toContain(`npm run cli -- ${command}`);
    expect(results[3]!.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(' ').slice(4, 6).join(' '))).toEqual(['staff add', 'staff revoke']);
    const staffAdd = results[5]!.stdout;
    expect(staffAdd).toContain('npm run cli -- staff add --name NAME --role staff|manager|operator|admin|committee [--department CODE]');
    expect(staffAdd).toContain('--department is required for the staff role');
    expect(results.at(-2)!.stdout).toContain("residents' correspondence");
    expect(results.at(-1)!.stdout).toContain('npm run cli -- notices import FILE --phone COLUMN --date COLUMN');
    // Without --help, a missing command is still a usage error.
    const none = await cliWith(noDatabase);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('unknown command: (none)');
  });

  it('staff add needs no department for managers, operators and admins, and still does for staff', async () => {
    const roles = ['manager', 'operator', 'admin'];
    const [manager, operator, admin, managerRoad, staff] = await Promise.all([
      ...roles.map((role) => cli('staff', 'add', '--name', `${role}-without`, '--role', role)),
      // A manager may still be given one; a staff member must be.
      cli('staff', 'add', '--name', 'manager-road', '--role', 'manager', '--department', 'ROAD'),
      cli('staff', 'add', '--name', 'staff-without', '--role', 'staff'),
    ]);
    for (const [i, result] of [manager!, operator!, admin!].entries()) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`(${roles[i]}, no department) created`);
      const row = await ctx.db.selectFrom('staff').selectAll().where('name', '=', `${roles[i]}-without`).executeTakeFirstOrThrow();
      expect(row.department_code).toBeNull();
    }
    expect(managerRoad!.code).toBe(0);
    // What each role is for still works without one: a manager sees every department's cases,
    // an operator the queues.
    const { caseId } = await makeCase(ctx.db, { department: 'WELFARE' });
    const tokenOf = (result: { stdout: string }) => result.stdout.trim().split('\n').at(-1)!;
    const cases = await ctx.app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: `Bearer ${tokenOf(manager!)}` } });
    expect(cases.json<{ items: { id: number }[] }>().items.map((c) => c.id)).toContain(caseId);
    const queues = await ctx.app.inject({ method: 'GET', url: '/ops/queues', headers: { authorization: `Bearer ${tokenOf(operator!)}` } });
    expect(queues.statusCode).toBe(200);
    expect(staff!.code).toBe(64);
    expect(staff!.stderr).toContain('staff add --role staff needs --department');
    // And the database holds to it, whatever writes the row.
    await expect(
      ctx.db.insertInto('staff').values({ name: 'raw', department_code: null, role: 'staff', token_hash: 'x', token_expires_at: new Date() }).execute(),
    ).rejects.toThrow(/staff_department_required/);
  });

  it('departments list prints every department with its category and whether it is active', async () => {
    await ctx.db.updateTable('departments').set({ active: false }).where('code', '=', 'CULTURE').execute();
    try {
      const result = await cli('departments', 'list');
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n').map((l) => l.split('\t'));
      expect(lines[0]).toEqual(['code', 'name', 'category', 'category label', 'active']);
      const rows = await ctx.db
        .selectFrom('departments')
        .innerJoin('categories', 'categories.code', 'departments.category_code')
        .select(['departments.code', 'departments.name', 'departments.category_code', 'categories.label', 'departments.active'])
        .execute();
      expect(lines.slice(1)).toHaveLength(rows.length);
      for (const d of rows) {
        expect(lines, d.code).toContainEqual([d.code, d.name, d.category_code, d.label, d.active ? 'yes' : 'no']);
      }
      expect(lines.find((l) => l[0] === 'CULTURE')![4]).toBe('no');
      expect(lines.find((l) => l[0] === 'ROAD')![4]).toBe('yes');
    } finally {
      await ctx.db.updateTable('departments').set({ active: true }).where('code', '=', 'CULTURE').execute();
    }
  });

  it('outbox list shows what the development outbox kept: case number, channel, Seoul time, kind and the text', async () => {
    const empty = await cli('outbox', 'list');
    expect(empty.code).toBe(0);
    expect(empty.stdout.trim()).toBe('the development outbox is empty');
    expect(empty.stderr).toContain('SMS answers go to the development outbox: nothing is sent to residents.');

    const token = await ctx.staffToken('staff', 'ROAD');
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    const answer = '보수 완료했습니다.\n불편을 드려 죄송합니다.';
    const closed = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${caseId}/close`,
      headers: { authorization: `Bearer ${token}` },
      payload: { disposition: 'resolved', text: answer },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    await ctx.startWorkers();
    const sent = await eventually(() =>
      ctx.db.selectFrom('messages').selectAll().where('case_id', '=', caseId).where('direction', '=', 'out').where('provider', '=', 'outbox').executeTakeFirst(),
    );
    const { case_number } = await ctx.db.selectFrom('cases').select('case_number').where('id', '=', caseId).executeTakeFirstOrThrow();
    const seoul = new Date(sent.sent_at!.getTime() + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

    const listed = await cli('outbox', 'list', '--case', case_number);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe(`${case_number}\tsms\t${seoul}\tanswer\n    보수 완료했습니다.\n    불편을 드려 죄송합니다.\n`);
    const [all, other, badLimit] = await Promise.all([
      cli('outbox', 'list'),
      cli('outbox', 'list', '--case', '1999-000001'),
      cli('outbox', 'list', '--limit', '0'),
    ]);
    expect(all.stdout).toContain(`${case_number}\tsms\t${seoul}\tanswer`);
    expect(other.stdout.trim()).toBe('the development outbox is empty');
    expect(badLimit.code).toBe(64);
  });
});
