// Server time of the staff console's inbox page (50 cases) with 100,000 cases in the database.
// Run: `npm run bench:console [-- cases] [--keep]` (default 100,000). Makes its own database on
// DATABASE_URL's server and its own Redis prefix, and drops both after. Not a test: the figures
// vary with the machine. The time is the app's, through fastify's inject (no network): the
// session check, the queries, the audit row and the drawing of the page.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { buildApp } from '../src/app.js';
import { prepareDatabase } from '../src/startup.js';
import { addStaff } from '../src/staff/staff-repository.js';
import { databaseUrlFor, dropDatabase, dropKeys } from './own-stores.js';

const args = process.argv.slice(2);
/** --keep: leave the seeded database for a look with EXPLAIN (its name is printed). */
const KEEP = args.includes('--keep');
const CASES = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const RUNS = 31;
const WARM_UP = 5;
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const id = randomBytes(4).toString('hex');
const DB_NAME = `sotong_bench_console_${id}`;
const PREFIX = `sotong-bench-console-${id}`;
const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `cases` cases over the active departments, one resident per ten cases, one message each;
 * one in five open (received, assigned or answered) with due times from two days ago to ten
 * days ahead, the rest closed.
 */
async function seed(db: Awaited<ReturnType<typeof buildApp>>['db'], cases: number): Promise<void> {
  await sql`
    insert into residents (phone)
    select '+8210' || lpad(g::text, 8, '0') from generate_series(1, ${Math.ceil(cases / 10)}::int) g
  `.execute(db);
  await sql`
    with d as (select array_agg(code order by code) as codes, array_agg(category_code order by code) as cats from departments where active),
    r as (select min(id) as first from residents)
    insert into cases (case_number, channel, status, department_code, category_code, resident_id, received_at, last_resident_message_at,
                       routed_at, closed_at, disposition_code, deadline_days, due_at)
    select '2026-' || lpad(g::text, 6, '0'),
           case when g % 3 = 0 then 'kakao' else 'sms' end,
           case when g % 5 <> 0 then 'closed' when g % 15 = 0 then 'received' when g % 10 = 0 then 'answered' else 'assigned' end,
           d.codes[1 + g % array_length(d.codes, 1)], d.cats[1 + g % array_length(d.codes, 1)],
           r.first + g % ${Math.ceil(cases / 10)}::int,
           now() - make_interval(mins => g * 3), now() - make_interval(mins => g * 3), now() - make_interval(mins => g * 3),
           case when g % 5 <> 0 then now() - make_interval(mins => g * 2) end,
           case when g % 5 <> 0 then 'resolved' end,
           7, now() + make_interval(hours => (g % 288) - 48)
    from generate_series(1, ${cases}::int) g, d, r
  `.execute(db);
  await sql`
    insert into messages (case_id, direction, kind, channel, text, provider, created_at)
    select id, 'in', 'resident', channel, '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요 ' || id, 'seed', received_at from cases
  `.execute(db);
  await sql`vacuum (analyze) residents, cases, messages`.execute(db);
}

function stats(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms`;
}

async function main() {
  const databaseUrl = databaseUrlFor(BASE_DB, DB_NAME);
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: PREFIX, LOG_LEVEL: 'silent', WORKER_METRICS_PORT: '0' });
  const logger = pino({ level: 'silent' });
  await prepareDatabase(config, logger);
  const app = await buildApp(config, { logger });
  await app.ready();
  try {
    let started = performance.now();
    await seed(app.db, CASES);
    const { open } = await sql<{ open: number }>`select count(*)::int as open from cases where status <> 'closed'`.execute(app.db).then((r) => r.rows[0]!);
    // On a shared machine the load decides the figures more than the code does: say what it was.
    out(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    out(`seeded ${CASES.toLocaleString('en')} cases (${open.toLocaleString('en')} open) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const { token: staff } = await addStaff(app.db, { name: 'bench-road', departmentCode: 'ROAD', role: 'staff', tokenDays: 1 });
    const { token: manager } = await addStaff(app.db, { name: 'bench-manager', departmentCode: 'AUDIT', role: 'manager', tokenDays: 1 });
    const pages: [string, string, string][] = [
      ['one department, page 1', staff, '/console'],
      ['one department, page 20', staff, '/console?page=20'],
      ['one department, SMS only', staff, '/console?channel=sms'],
      ['manager, every department, page 1', manager, '/console'],
      ['a case', staff, '/console/cases/__CASE__'],
    ];
    const someCase = await app.db.selectFrom('cases').select('id').where('department_code', '=', 'ROAD').where('status', '<>', 'closed').limit(1).executeTakeFirstOrThrow();
    for (const [name, token, rawUrl] of pages) {
      const url = rawUrl.replace('__CASE__', String(someCase.id));
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < WARM_UP + RUNS; i++) {
        started = performance.now();
        const res = await app.inject({ method: 'GET', url, cookies: { sotong_console: token } });
        const elapsed = performance.now() - started;
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
        rows = (res.body.match(/data-case-id=/g) ?? []).length;
        if (i >= WARM_UP) times.push(elapsed);
      }
      out(`${name.padEnd(36)} ${String(rows).padStart(3)} rows  ${stats(times)}  (${RUNS} runs)`);
    }
  } finally {
    await app.close();
    if (KEEP) out(`kept database ${DB_NAME}`);
    else await dropDatabase(BASE_DB, DB_NAME);
    await dropKeys(REDIS_URL, PREFIX);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
