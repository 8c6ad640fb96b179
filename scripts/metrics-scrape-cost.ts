// What a /metrics scrape costs Postgres at a million messages, before and after the kept
// message counts (migration 20261204T150000_message_counts), and what the counting triggers
// cost a write. Run: `npx tsx scripts/metrics-scrape-cost.ts [messages]` (default 1,000,000).
// Makes its own database on DATABASE_URL's server and drops it after. Not a test: figures vary
// with the machine; test/metrics-cost.test.ts keeps the property (no scan of messages).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createDb, type Db } from '../src/db/database.js';
import { prepareDatabase } from '../src/startup.js';
import { foldMessageCounts, readStoreCounts } from '../src/metrics/store-counts.js';
import { databaseUrlFor, dropDatabase } from './own-stores.js';
import { seedMessages } from './store-seed.js';

const MESSAGES = Number(process.argv[2] ?? 1_000_000);
const RUNS = 9;
const WRITES = 5_000;
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const DB_NAME = `sotong_scrape_cost_${randomBytes(4).toString('hex')}`;
const databaseUrl = databaseUrlFor(BASE_DB, DB_NAME);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** The four statements /metrics ran at each scrape before the kept counts. */
const BEFORE = [
  `select direction, channel, coalesce(delivery_status, 'none') as status, count(*) as n from messages group by direction, channel, coalesce(delivery_status, 'none')`,
  `select channel, count(*) as n from messages where direction = 'out' and kind in ('interim', 'answer') and delivery_status is distinct from 'delivered' group by channel`,
  `select count(*) as n from cases where status <> 'closed'`,
  `select count(*) as n from inbound_messages where message_id is null`,
];

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/** The plan's scan nodes and the shared buffers it touched, from EXPLAIN (ANALYZE, BUFFERS). */
async function explain(db: Db, statement: string): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, format text) ${sql.raw(statement)}`.execute(db);
  const lines = rows.map((r) => r['QUERY PLAN']);
  const scans = lines.filter((l) => /Scan/.test(l)).map((l) => l.trim().replace(/\s+\(cost.*$/, '').replace(/^->\s*/, ''));
  const buffers = lines.find((l) => /Buffers:/.test(l))?.trim() ?? 'Buffers: none';
  const time = lines.find((l) => /Execution Time/.test(l))?.trim() ?? '';
  return `${scans.join('; ')} | ${buffers} | ${time}`;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main() {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  await prepareDatabase(config, pino({ level: 'silent' }));
  const db = createDb(databaseUrl, { max: 1 });
  try {
    let started = performance.now();
    await seedMessages(db, MESSAGES);
    await sql`vacuum (analyze) messages`.execute(db);
    await sql`vacuum (analyze) cases`.execute(db);
    out(`seeded ${MESSAGES.toLocaleString('en')} messages over ${Math.floor(MESSAGES / 4).toLocaleString('en')} cases in ${ms(performance.now() - started)}`);

    out('\nbefore (GROUP BY over every message at each scrape):');
    for (const statement of BEFORE) out(`  ${statement.slice(0, 60)}…\n    ${await explain(db, statement)}`);
    const before = await median(async () => {
      for (const statement of BEFORE) await sql.raw(statement).execute(db);
    });
    out(`  one scrape's queries, median of ${RUNS} (round trips included): ${ms(before)}`);

    out('\nafter (kept counts, partial indexes):');
    started = performance.now();
    await foldMessageCounts(db);
    out(`  first fold after the bulk insert: ${ms(performance.now() - started)}`);
    const after = await median(() => readStoreCounts(db));
    out(`  one scrape's queries, median of ${RUNS} (round trips included): ${ms(after)}`);
    for (const statement of [
      `select direction, channel, delivery_status, sum(n) from message_counts group by direction, channel, delivery_status having sum(n) <> 0`,
      BEFORE[2]!,
      BEFORE[3]!,
    ]) {
      out(`  ${statement.slice(0, 60)}…\n    ${await explain(db, statement)}`);
    }

    // The same answers both ways.
    const kept = await readStoreCounts(db);
    const counted = await sql.raw<{ direction: string; channel: string; status: string; n: number }>(BEFORE[0]!).execute(db);
    const key = (d: string, c: string, s: string) => `${d}/${c}/${s}`;
    const keptMap = new Map(kept.messages.map((m) => [key(m.direction, m.channel, m.deliveryStatus), m.n]));
    const same = counted.rows.length === kept.messages.length && counted.rows.every((r) => keptMap.get(key(r.direction, r.channel, r.status)) === Number(r.n));
    out(`  kept counts equal a full count: ${same}`);

    // The writes of a busy minute between folds, one statement each as the app writes them, in
    // one DO block: the figure is Postgres' own work, not the round trips of a busy machine.
    const caseId = (await sql<{ id: number }>`select min(id) as id from cases`.execute(db)).rows[0]!.id;
    const timeWrites = async (label: string) => {
      let t = performance.now();
      await sql.raw(`do $$ begin for i in 1..${WRITES} loop
        insert into messages (case_id, direction, kind, channel, text, provider, delivery_status) values (${caseId}, 'out', 'answer', 'sms', '답변', 'seed', 'pending');
      end loop; end $$`).execute(db);
      const insertUs = ((performance.now() - t) * 1000) / WRITES;
      t = performance.now();
      await sql.raw(`do $$ declare m bigint; begin for m in select id from messages where delivery_status = 'pending' order by id desc limit ${WRITES} loop
        update messages set delivery_status = 'queued' where id = m;
      end loop; end $$`).execute(db);
      const updateUs = ((performance.now() - t) * 1000) / WRITES;
      out(`  ${label}: insert ${insertUs.toFixed(0)} µs, status update ${updateUs.toFixed(0)} µs (mean of ${WRITES.toLocaleString('en')} statements)`);
    };
    out('\nwrites (what the triggers cost):');
    await sql`alter table messages disable trigger messages_counted_insert, disable trigger messages_counted_update`.execute(db);
    await timeWrites('without the triggers');
    await sql`alter table messages enable trigger messages_counted_insert, enable trigger messages_counted_update`.execute(db);
    await timeWrites('with the triggers   ');
    const deltas = (await sql<{ n: number }>`select count(*) as n from message_counts`.execute(db)).rows[0]!.n;
    out(`  a scrape with ${deltas.toLocaleString('en')} rows of deltas not yet folded: ${ms(await median(() => readStoreCounts(db)))}`);
    started = performance.now();
    await foldMessageCounts(db);
    out(`  the sweeper's fold of them: ${ms(performance.now() - started)}`);
  } finally {
    await db.destroy();
    await dropDatabase(BASE_DB, DB_NAME);
  }
}

await main();
