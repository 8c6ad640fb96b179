// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * Message counts kept as the messages change, so /metrics never counts the messages table
 * (a GROUP BY over every message, at each scrape, cost ~0.1 s of Postgres per million
 * messages; see scripts/metrics-scrape-cost.ts).
 *
 * message_counts holds signed deltas (direction, kind, channel, delivery status, n): triggers
 * only ever insert into it, so concurrent writers never wait on a shared counter row (as an
 * UPDATE of one row per label would make them do, until commit). A scrape sums it; the
 * workers' sweeper folds the deltas into one row per label every minute
 * (src/metrics/store-counts.ts), so it stays as small as the labels plus a minute of changes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table message_counts (
      direction text not null,
      kind text not null,
      channel text not null,
      delivery_status text not null,
      n bigint not null
    )
  `.execute(db);
  // Inserts and deletes once per statement (a bulk insert adds one row per label, not per message).
  await sql`
    create function count_inserted_messages() returns trigger language plpgsql as $fn$
    begin
      insert into message_counts (direction, kind, channel, delivery_status, n)
      select direction, kind, channel, coalesce(delivery_status, 'none'), count(*) from inserted_messages group by 1, 2, 3, 4;
      return null;
    end
    $fn$
  `.execute(db);
  await sql`
    create function count_deleted_messages() returns trigger language plpgsql as $fn$
    begin
      insert into message_counts (direction, kind, channel, delivery_status, n)
      select direction, kind, channel, coalesce(delivery_status, 'none'), -count(*) from deleted_messages group by 1, 2, 3, 4;
      return null;
    end
    $fn$
  `.execute(db);
  // Updates row by row, and only those that move a message between labels (a delivery report):
  // marking messages routed or purging their text fires nothing.
  await sql`
    create function count_updated_message() returns trigger language plpgsql as $fn$
    begin
      insert into message_counts (direction, kind, channel, delivery_status, n) values
        (old.direction, old.kind, old.channel, coalesce(old.delivery_status, 'none'), -1),
        (new.direction, new.kind, new.channel, coalesce(new.delivery_status, 'none'), 1);
      return null;
    end
    $fn$
  `.execute(db);
  // Creating the triggers locks out writers until this migration commits, so the counts
  // taken below miss no message and count none twice.
  await sql`
    create trigger messages_counted_insert after insert on messages
      referencing new table as inserted_messages for each statement execute function count_inserted_messages()
  `.execute(db);
  await sql`
    create trigger messages_counted_delete after delete on messages
      referencing old table as deleted_messages for each statement execute function count_deleted_messages()
  `.execute(db);
  await sql`
    create trigger messages_counted_update after update of direction, kind, channel, delivery_status on messages
      for each row
      when (old.direction is distinct from new.direction or old.kind is distinct from new.kind
            or old.channel is distinct from new.channel or old.delivery_status is distinct from new.delivery_status)
      execute function count_updated_message()
  `.execute(db);
  await sql`
    insert into message_counts (direction, kind, channel, delivery_status, n)
    select direction, kind, channel, coalesce(delivery_status, 'none'), count(*) from messages group by 1, 2, 3, 4
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists messages_counted_update on messages`.execute(db);
  await sql`drop trigger if exists messages_counted_delete on messages`.execute(db);
  await sql`drop trigger if exists messages_counted_insert on messages`.execute(db);
  await sql`drop function if exists count_updated_message`.execute(db);
  await sql`drop function if exists count_deleted_messages`.execute(db);
  await sql`drop function if exists count_inserted_messages`.execute(db);
  await sql`drop table if exists message_counts`.execute(db);
}
