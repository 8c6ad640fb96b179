-- Deleted messages leave the counts, once per statement (see count_inserted_messages).
create or replace function count_deleted_messages() returns trigger language plpgsql as $fn$
begin
  insert into message_counts (direction, kind, channel, delivery_status, n)
  select direction, kind, channel, coalesce(delivery_status, 'none'), -count(*) from deleted_messages group by 1, 2, 3, 4;
  return null;
end
$fn$;
