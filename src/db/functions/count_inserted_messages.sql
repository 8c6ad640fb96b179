-- Message counts kept as the messages change, so /metrics never counts the messages table.
-- message_counts holds signed deltas; triggers only ever insert into it, so concurrent writers
-- never wait on a shared counter row. Inserts count once per statement (a bulk insert adds one
-- row per label, not per message). The sweeper folds the deltas (src/metrics/store-counts.ts).
create or replace function count_inserted_messages() returns trigger language plpgsql as $fn$
begin
  insert into message_counts (direction, kind, channel, delivery_status, n)
  select direction, kind, channel, coalesce(delivery_status, 'none'), count(*) from inserted_messages group by 1, 2, 3, 4;
  return null;
end
$fn$;
