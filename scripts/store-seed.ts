// Many messages, quickly: cases and messages made by generate_series in Postgres, for the
// /metrics cost figures (scripts/metrics-scrape-cost.ts) and the test that keeps them
// (test/metrics-cost.test.ts). Not the shape of real traffic in detail: the proportions matter.
import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';

/**
 * `messages` messages over messages / 4 cases (1 in 100 of them open): half inbound, a quarter
 * acknowledgements, a quarter answers; 1 in 200 outbound failed, 1 in 1,000 still queued.
 */
export async function seedMessages(db: Db, messages: number): Promise<void> {
  const cases = Math.max(1, Math.floor(messages / 4));
  const resident = await sql<{ id: number }>`
    insert into residents (phone) values (${`+8210${String(Date.now()).slice(-8)}`}) returning id
  `.execute(db);
  const first = await sql<{ id: number }>`
    with made as (
      insert into cases (case_number, channel, status, resident_id, received_at, last_resident_message_at, closed_at)
      select 'SEED-' || g, case when g % 3 = 0 then 'kakao' else 'sms' end,
             case when g % 100 = 0 then 'assigned' else 'closed' end, ${resident.rows[0]!.id},
             now() - make_interval(mins => g), now() - make_interval(mins => g),
             case when g % 100 = 0 then null else now() end
      from generate_series(1, ${cases}::int) g
      returning id
    )
    select min(id)::bigint as id from made
  `.execute(db);
  const firstCase = first.rows[0]!.id;
  await sql`
    insert into messages (case_id, direction, kind, channel, text, provider, delivery_status, created_at)
    select ${firstCase}::bigint + (g % ${cases}::int),
           case when g % 4 in (0, 3) then 'in' else 'out' end,
           case g % 4 when 1 then 'acknowledgement' when 2 then 'answer' else 'resident' end,
           case when g % 3 = 0 then 'kakao' else 'sms' end,
           '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요', 'seed',
           case when g % 4 in (0, 3) then null when g % 200 = 1 then 'failed' when g % 1000 = 2 then 'queued' else 'delivered' end,
           now() - make_interval(secs => g)
    from generate_series(1, ${messages}::int) g
  `.execute(db);
  await sql`analyze residents, cases, messages, inbound_messages, message_counts`.execute(db);
}
