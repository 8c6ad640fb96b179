-- The webhook's case number, reserved in the statement that stores the message
-- (src/intake/inbox-repository.ts), so the resident learns it in the webhook's own answer
-- before the routing worker has made the case; filing later uses it (accept_resident_message).
--
-- Where the reservation lives: on the sender's row of sender_flood_counts, which the same
-- statement writes to count a flood, and locks (select for update; a new sender's row is
-- inserted, and a second message racing it waits for that insert). Beside the count the row
-- keeps the sender's current thread: the number told for it and the latest received time of a
-- message told that number. Under the row lock each message of a sender decides, in turn:
--   - the thread is alive (a number, its last message within the thread window, and no closed
--     case with that number): the message joins it and is told that number;
--   - otherwise the filing rule (open_case_of_sender, read from the cases: a sender whose row
--     was forgotten or lost): their open case within the window, if any;
--   - otherwise a new number (next_case_number).
-- The window is the one filing uses: the thread window, or a week for a message that is part
-- of a flood. Two messages from a new sender at the same moment take turns on the row: the
-- first reserves a number, the second finds it alive and joins it (it may have taken a number
-- before it found the row: never told, a gap).
--
-- sender_flood_counts is UNLOGGED (migration 20261204T190000): after a crash of Postgres it
-- starts empty, so flood counts restart and a thread is found again from the cases; a message
-- still in the inbox at that moment may then be followed by one told another number (two
-- cases, both answered). Keeping it out of the WAL is most of what this write costs a webhook.
create or replace function reserve_case_number(
  p_sender text,
  -- false for a message stored late (kept in Redis while Postgres was away): numbered, not counted.
  p_count boolean,
  p_flood_window_ms integer,
  p_flood_limit integer,
  p_channel text,
  p_phone text,
  p_kakao_user_key text,
  p_received_at timestamptz,
  p_thread_window_minutes integer,
  -- One row, not a set: no tuplestore for the webhook's statement to fill and read.
  out sender_messages integer,
  out reserved_number text,
  out joins_case boolean
) language plpgsql as $fn$
declare
  v_messages integer;
  v_started timestamptz;
  v_number text;
  v_last timestamptz;
  v_window integer;
  v_joins boolean := false;
begin
  if p_sender is null then
    return; -- a message that names nobody is neither counted nor numbered
  end if;

  -- A sender who wrote recently: their row, locked until commit. Every later message of
  -- theirs waits here, then sees what this one decided.
  select c.messages, c.window_started_at, c.case_number, c.case_last_message_at
    into v_messages, v_started, v_number, v_last
    from sender_flood_counts c where c.sender = p_sender for update;

  if not found then
    -- No row: a new thread unless the filing rule finds an open case (a forgotten row).
    -- The row is written once, with its number (the common case in a burst of new senders).
    select o.open_number, greatest(o.open_last_at, p_received_at) into v_number, v_last
      from open_case_of_sender(p_channel, p_phone, p_kakao_user_key, p_received_at, p_thread_window_minutes) o;
    v_joins := v_number is not null;
    if v_number is null then
      v_number := next_case_number(p_received_at);
      v_last := p_received_at;
    end if;
    v_messages := case when p_count then 1 else 0 end;
    insert into sender_flood_counts as c (sender, window_started_at, messages, case_number, case_last_message_at)
    values (p_sender, now(), v_messages, v_number, v_last)
    on conflict (sender) do nothing;
    if found then
      sender_messages := v_messages; reserved_number := v_number; joins_case := v_joins;
      return;
    end if;
    -- Another message of theirs made the row at the same moment (this insert waited for it):
    -- take turns with it like any later message. The number just taken stays unused (a gap).
    select c.messages, c.window_started_at, c.case_number, c.case_last_message_at
      into v_messages, v_started, v_number, v_last
      from sender_flood_counts c where c.sender = p_sender for update;
    v_joins := false;
  end if;

  -- The flood count: the window opens at the sender's first message.
  if p_count then
    if v_started > now() - p_flood_window_ms * interval '1 millisecond' then
      v_messages := v_messages + 1;
    else
      v_messages := 1;
      v_started := now();
    end if;
  end if;

  -- As store_inbound_message files it: a flood's message joins the open case whatever its age.
  v_window := case when p_count and v_messages > p_flood_limit then greatest(p_thread_window_minutes, 7 * 24 * 60)
                   else p_thread_window_minutes end;

  if v_number is not null and v_window > 0 and v_last >= p_received_at - make_interval(mins => v_window)
     and not exists (select 1 from cases k where k.case_number = v_number and k.status = 'closed') then
    v_joins := true;
    v_last := greatest(v_last, p_received_at);
  else
    -- Not alive: as filing would find it, the resident's open case within the window, if any.
    v_number := null;
    select o.open_number, greatest(o.open_last_at, p_received_at) into v_number, v_last
      from open_case_of_sender(p_channel, p_phone, p_kakao_user_key, p_received_at, v_window) o;
    v_joins := v_number is not null;
    if v_number is null then
      v_number := next_case_number(p_received_at);
      v_last := p_received_at;
    end if;
  end if;

  update sender_flood_counts as c
     set messages = v_messages, window_started_at = v_started, case_number = v_number, case_last_message_at = v_last
   where c.sender = p_sender;
  sender_messages := v_messages; reserved_number := v_number; joins_case := v_joins;
end
$fn$;
