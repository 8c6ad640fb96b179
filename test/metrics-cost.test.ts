// /metrics at scale: the scrape reads kept counts (migration 20261204T150000_message_counts)
// and partial indexes, never the messages table, and the kept counts stay equal to a full
// count through inserts, delivery reports, deletes and concurrent folds.
// scripts/metrics-scrape-cost.ts gives the figures at a million messages.
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { foldMessageCounts, readStoreCounts } from '../src/metrics/store-counts.js';
import { seedMessages } from '../scripts/store-seed.js';
import { createTestContext, type TestContext } from './support/harness.js';
import { find, samples, valueOf } from './support/prometheus.js';

const SEEDED = 40_000;
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  await seedMessages(ctx.db, SEEDED);
}, 60_000);
afterAll(async () => {
  await ctx?.close();
});

/** What a full count over the messages table says, keyed as the gauge's labels. */
async function countedByLabel(): Promise<Map<string, number>> {
  const { rows } = await sql<{ direction: string; channel: string; status: string; n: number }>`
    select direction, channel, coalesce(delivery_status, 'none') as status, count(*)::int as n from messages group by 1, 2, 3
  `.execute(ctx.db);
  return new Map(rows.map((r) => [`${r.direction}/${r.channel}/${r.status}`, r.n]));
}

async function scrapedByLabel(): Promise<{ messages: Map<string, number>; undelivered: Map<string, number>; open: number }> {
  const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  const all = samples(res.body);
  return {
    messages: new Map(find(all, 'sotong_messages').map((s) => [`${s.labels.direction}/${s.labels.channel}/${s.labels.delivery_status}`, s.value])),
    undelivered: new Map(find(all, 'sotong_undelivered_answers').map((s) => [s.labels.channel!, s.value])),
    open: valueOf(all, 'sotong_open_cases')!,
  };
}

async function countedUndelivered(): Promise<Map<string, number>> {
  const { rows } = await sql<{ channel: string; n: number }>`
    select channel, count(*)::int as n from messages
    where direction = 'out' and kind in ('interim', 'answer') and delivery_status is distinct from 'delivered' group by channel
  `.execute(ctx.db);
  return new Map(rows.map((r) => [r.channel, r.n]));
}

async function expectScrapeEqualsFullCount() {
  const scraped = await scrapedByLabel();
  expect(scraped.messages).toEqual(await countedByLabel());
  expect(scraped.undelivered).toEqual(await countedUndelivered());
  const open = await sql<{ n: number }>`select count(*)::int as n from cases where status <> 'closed'`.execute(ctx.db);
  expect(scraped.open).toBe(open.rows[0]!.n);
}

describe('GET /metrics at scale', () => {
  it('answers while the messages table is locked against every read: it does not read it', async () => {
    const holder = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table messages in access exclusive mode');
      const scrape = ctx.app.inject({ method: 'GET', url: '/metrics' });
      const answer = await Promise.race([scrape, new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000))]);
      expect(answer, 'the scrape waited for the messages table').not.toBeNull();
      const all = samples(answer!.body);
      const total = find(all, 'sotong_messages').reduce((n, s) => n + s.value, 0);
      expect(total).toBe(SEEDED);
      expect(valueOf(all, 'sotong_open_cases')).toBe(SEEDED / 4 / 100);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  it('counts open cases and unfiled inbox rows through partial indexes, never by scanning the table', async () => {
    const statements: CompiledQuery[] = [];
    const pool = new pg.Pool({ connectionString: ctx.config.databaseUrl, max: 1 });
    const watched = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => void statements.push(event.query),
    });
    try {
      await readStoreCounts(watched);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.sql).not.toMatch(/\bfrom\s+"?messages"?\b/i);
        const plan = await pool.query<{ 'QUERY PLAN': string }>(`explain ${statement.sql}`, [...statement.parameters]);
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(text, statement.sql).not.toMatch(/Seq Scan on (messages|cases)\b/);
      }
    } finally {
      await watched.destroy();
    }
  });

  it('keeps the counts equal to a full count through inserts, delivery reports, deletes and folds', async () => {
    await expectScrapeEqualsFullCount();
    const caseId = (await sql<{ id: number }>`select min(id)::int as id from cases`.execute(ctx.db)).rows[0]!.id;
    // One message per statement, as the app writes them, and a bulk insert.
    for (const status of ['pending', 'pending', 'queued']) {
      await sql`insert into messages (case_id, direction, kind, channel, text, provider, delivery_status)
                values (${caseId}, 'out', 'answer', 'kakao', '답변', 'test', ${status})`.execute(ctx.db);
    }
    await sql`insert into messages (case_id, direction, kind, channel, text, provider)
              select ${caseId}, 'in', 'resident', 'visit', '방문 민원', 'staff' from generate_series(1, 25)`.execute(ctx.db);
    await expectScrapeEqualsFullCount();
    // Delivery reports, one by one and many at once; a change that moves no label counts nothing.
    await sql`update messages set delivery_status = 'delivered' where id = (select max(id) from messages where delivery_status = 'pending')`.execute(ctx.db);
    await sql`update messages set delivery_status = 'failed' where delivery_status = 'queued'`.execute(ctx.db);
    await sql`update messages set routed_at = now(), text = '' where direction = 'in' and id % 7 = 0`.execute(ctx.db);
    await expectScrapeEqualsFullCount();
    // Cases closed, messages deleted.
    await sql`update cases set status = 'closed', closed_at = now() where id in (select id from cases where status <> 'closed' limit 10)`.execute(ctx.db);
    await sql`delete from messages where provider = 'seed' and id % 10 = 3`.execute(ctx.db);
    await expectScrapeEqualsFullCount();
    // Folds running side by side while messages arrive: nothing lost, nothing counted twice.
    await Promise.all([
      foldMessageCounts(ctx.db),
      foldMessageCounts(ctx.db),
      ...Array.from({ length: 20 }, () =>
        sql`insert into messages (case_id, direction, kind, channel, text, provider, delivery_status)
            values (${caseId}, 'out', 'interim', 'sms', '중간 답변', 'test', 'sent')`.execute(ctx.db),
      ),
      foldMessageCounts(ctx.db),
    ]);
    await expectScrapeEqualsFullCount();
    await foldMessageCounts(ctx.db);
    const kept = await sql<{ n: number }>`select count(*)::int as n from message_counts`.execute(ctx.db);
    // Folded: one row per label, however many messages.
    expect(kept.rows[0]!.n).toBe(await kindsByLabel());
    await expectScrapeEqualsFullCount();
  });
});

/** Rows message_counts holds once folded: one per (direction, kind, channel, status). */
async function kindsByLabel(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (select distinct direction, kind, channel, coalesce(delivery_status, 'none') from messages) labels
  `.execute(ctx.db);
  return rows[0]!.n;
}
