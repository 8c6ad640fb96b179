-- A message moving between labels (a delivery report changing its status), row by row; the
-- trigger fires only when a label changes (see count_inserted_messages).
create or replace function count_updated_message() returns trigger language plpgsql as $fn$
begin
  insert into message_counts (direction, kind, channel, delivery_status, n) values
    (old.direction, old.kind, old.channel, coalesce(old.delivery_status, 'none'), -1),
    (new.direction, new.kind, new.channel, coalesce(new.delivery_status, 'none'), 1);
  return null;
end
$fn$;
