// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';
import * as intakeFunction from './20261126T090000_intake_function.js';

/*
 * A resident learns their case number in the webhook's own answer, before the intake worker
 * has made the case: the statement that stores the message (src/intake/inbox-repository.ts)
 * reserves the number, and filing the message later uses it.
 *
 * Where the reservation lives: on the sender's row of sender_flood_counts, which that
 * statement already writes to count a flood, and locks (select for update; a new sender's row
 * is inserted, and a second message racing it waits for that insert). Beside the count it keeps
 * the sender's current thread: the number told for it and the latest received time of a
 * message told that number. Under the row lock each message of a sender decides, in turn:
 *
 *   - the thread is alive (a number, its last message within the thread window, and no
 *     closed case with that number): the message joins it and is told that number;
 *   - otherwise the filing rule of accept_resident_message, read from the cases (a sender
 *     whose row was forgotten, or cases made before this migration): their open case within
 *     the window, if any;
 *   - otherwise a new number from the year's sequence (next_case_number).
 *
 * The window is the one filing uses: THREAD_WINDOW_MINUTES, or a week for a message that is
 * part of a flood. Two messages from a new sender at the same moment take turns on the row:
 * the first reserves a number, the second finds it alive and joins it, so both are told the
 * number of the one case they make (the second may have taken a number before it found the
 * row: that number is never told, a gap).
 *
 * Filing (accept_resident_message) then puts the message in the case with the reserved
 * number, creating it with that number if it does not exist yet. Only if that case was closed
 * in the moment between the webhook's answer and filing (staff closing it within that
 * second) does the message go by the old rule into another open case or a new number: the
 * message reaches staff rather than a closed case.
 *
 * A number is reserved only for a stored message (a provider's re-send of a stored message is
 * not stored again, but may refresh the thread), and every stored message is filed into a
 * case (empty, blocked, thanks and spam ones too), so a number told is a case's number.
 * Gaps in the numbering remain possible and harmless: the race above, a statement that fails
 * after taking a number (sequences do not roll back), a re-sent message after its thread
 * ended. Messages the webhook kept in Redis while Postgres was away are numbered when they
 * are stored (insertInbound); inbox rows from before this migration have no number and are
 * filed by the old rule.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sender_flood_counts add column case_number text, add column case_last_message_at timestamptz`.execute(db);
  await sql`alter table inbound_messages add column case_number text`.execute(db);

  // Numbers restart each year in Seoul time, from the year's own sequence (made on first use).
  await sql`
    create function next_case_number(p_received_at timestamptz) returns text
    language plpgsql as $fn$
    declare
      v_year integer := extract(year from p_received_at at time zone 'Asia/Seoul');
    begin
      if to_regclass('case_number_' || v_year) is null then
        begin
          execute format('create sequence if not exists %I', 'case_number_' || v_year);
        exception when unique_violation or duplicate_table then
          null; -- another transaction created it at the same moment
        end;
      end if;
      return v_year::text || '-' || lpad(nextval(('case_number_' || v_year)::regclass)::text, 6, '0');
    end
    $fn$
  `.execute(db);

  // The filing rule of accept_resident_message, read before the case exists: the sender's open
  // case on this channel whose last message is within the window. (plpgsql, not sql: Postgres
  // 15 plans an sql function called this way anew at every call.)
  await sql`
    create function open_case_of_sender(p_channel text, p_phone text, p_kakao_user_key text, p_received_at timestamptz,
                                        p_window_minutes integer, out open_number text, out open_last_at timestamptz)
    language plpgsql stable as $fn$
    declare
      v_resident bigint;
    begin
      if p_window_minutes <= 0 then
        return;
      end if;
      if p_phone is not null then
        select r.id into v_resident from residents r where r.phone = p_phone;
      else
        select r.id into v_resident from residents r where r.kakao_user_key = p_kakao_user_key;
      end if;
      if v_resident is null then
        return;
      end if;
      select k.case_number, k.last_resident_message_at into open_number, open_last_at
        from cases k
       where k.resident_id = v_resident and k.channel = p_channel and k.status <> 'closed'
         and k.last_resident_message_at >= p_received_at - make_interval(mins => p_window_minutes)
       order by k.last_resident_message_at desc
       limit 1;
    end
    $fn$
  `.execute(db);

  await sql`
    create function reserve_case_number(
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
    $fn$
  `.execute(db);

  // The same function with one more argument, the reserved number; its other rules are unchanged.
  await sql`drop function accept_resident_message`.execute(db);
  await sql`
    create function accept_resident_message(
      p_channel text,
      p_provider text,
      p_provider_message_id text,
      p_phone text,
      p_kakao_user_key text,
      p_kakao_plusfriend_user_key text,
      p_kakao_app_user_id text,
      p_kakao_is_friend boolean,
      p_text text,
      p_raw jsonb,
      p_received_at timestamptz,
      p_thread_window_minutes integer,
      p_ack_new text,
      p_ack_follow_up text,
      p_ack_status text,
      p_route jsonb default null,
      -- The number the webhook told the resident (reserve_case_number); null: none was reserved.
      p_case_number text default null
    ) returns table (message_id bigint, case_id bigint, case_number text, new_case boolean, duplicate boolean,
                     pending_acknowledgement_id bigint, routed boolean)
    language plpgsql as $fn$
    #variable_conflict use_column
    declare
      v_resident bigint;
      v_case_id bigint;
      v_case_number text;
      v_number text;
      v_message_id bigint;
      v_ack text;
      v_new boolean;
      v_pending_ack bigint;
      v_blocked boolean;
      v_routed boolean := false;
      v_reserved record;
    begin
      -- A provider re-sending a webhook: answer with what was stored the first time.
      if p_provider_message_id is not null then
        select m.id, c.id, c.case_number into v_message_id, v_case_id, v_case_number
          from messages m join cases c on c.id = m.case_id
         where m.direction = 'in' and m.provider = p_provider and m.provider_message_id = p_provider_message_id;
        if found then
          return query select v_message_id, v_case_id, v_case_number, false, true, null::bigint, false;
          return;
        end if;
      end if;

      -- Locks the resident's row: their messages are filed one at a time.
      if p_phone is not null then
        insert into residents as r (phone) values (p_phone)
        on conflict (phone) do update set updated_at = now()
        returning r.id, r.blocked_at is not null into v_resident, v_blocked;
      else
        insert into residents as r (kakao_user_key, kakao_plusfriend_user_key, kakao_app_user_id, kakao_is_friend)
        values (p_kakao_user_key, p_kakao_plusfriend_user_key, p_kakao_app_user_id, p_kakao_is_friend)
        on conflict (kakao_user_key) do update set
          kakao_plusfriend_user_key = coalesce(excluded.kakao_plusfriend_user_key, r.kakao_plusfriend_user_key),
          kakao_app_user_id = coalesce(excluded.kakao_app_user_id, r.kakao_app_user_id),
          kakao_is_friend = excluded.kakao_is_friend,
          updated_at = now()
        returning r.id, r.blocked_at is not null into v_resident, v_blocked;
      end if;

      if p_case_number is not null then
        -- The number the resident was told: its case if it is there and open, else a new case with it.
        select c.id, c.case_number, c.status, c.resident_id, c.channel into v_reserved from cases c where c.case_number = p_case_number;
        if not found then
          v_number := p_case_number;
        elsif v_reserved.status <> 'closed' and v_reserved.resident_id = v_resident and v_reserved.channel = p_channel then
          v_case_id := v_reserved.id;
          v_case_number := v_reserved.case_number;
        end if;
      end if;

      -- No number reserved (or its case closed meanwhile): the resident's open case within the window.
      if v_case_id is null and v_number is null and p_thread_window_minutes > 0 then
        select c.id, c.case_number into v_case_id, v_case_number
          from cases c
         where c.resident_id = v_resident and c.channel = p_channel and c.status <> 'closed'
           and c.last_resident_message_at >= p_received_at - make_interval(mins => p_thread_window_minutes)
         order by c.last_resident_message_at desc
         limit 1;
      end if;

      v_new := v_case_id is null;
      if v_new then
        v_routed := p_route is not null and not v_blocked;
        insert into cases as c (case_number, channel, status, resident_id, received_at, last_resident_message_at,
                                category_code, department_code, kind, routing, routed_at, deadline_days, notice_due_at, due_at)
        values (coalesce(v_number, next_case_number(p_received_at)),
                p_channel, case when v_routed then 'assigned' else 'received' end, v_resident, p_received_at, p_received_at,
                case when v_routed then p_route ->> 'category' end, case when v_routed then p_route ->> 'department' end,
                case when v_routed then p_route ->> 'kind' end, case when v_routed then p_route -> 'routing' end,
                case when v_routed then now() end, case when v_routed then (p_route ->> 'deadlineDays')::integer end,
                case when v_routed then (p_route ->> 'noticeDueAt')::timestamptz end, case when v_routed then (p_route ->> 'dueAt')::timestamptz end)
        returning c.id, c.case_number into v_case_id, v_case_number;
        v_ack := p_ack_new;
      else
        -- The intake worker may file two of one resident's messages out of order.
        update cases set last_resident_message_at = greatest(last_resident_message_at, p_received_at) where id = v_case_id;
        v_ack := p_ack_follow_up;
      end if;

      insert into messages as m (case_id, direction, kind, channel, text, provider, provider_message_id, raw, created_at, routed_at)
      values (v_case_id, 'in', 'resident', p_channel, p_text, p_provider, p_provider_message_id, p_raw, p_received_at,
              case when v_routed then now() end)
      returning m.id into v_message_id;

      insert into case_events (case_id, type, data)
      values (v_case_id, case when v_new then 'received' else 'message_added' end,
              jsonb_build_object('messageId', v_message_id)
                || case when p_case_number is not null and p_case_number <> v_case_number
                        then jsonb_build_object('toldCaseNumber', p_case_number) else '{}'::jsonb end);
      if v_routed then
        insert into case_events (case_id, type, data) values (v_case_id, 'routed', p_route -> 'event');
      end if;

      if v_ack is not null then
        -- 'pending': the provider's answer could not carry it (a gateway's webhook); it is sent
        -- as an outbound SMS, like a staff answer, and so names the case's actual number.
        -- Otherwise it went back in that answer and is kept as it was said.
        v_ack := replace(v_ack, '{caseNumber}', v_case_number);
        if p_ack_status = 'pending' and p_case_number is not null and p_case_number <> v_case_number then
          v_ack := replace(v_ack, p_case_number, v_case_number);
        end if;
        insert into messages as m (case_id, direction, kind, channel, text, provider, delivery_status, sent_at)
        values (v_case_id, 'out', 'acknowledgement', p_channel, v_ack,
                case when p_ack_status = 'pending' then 'pending' else p_provider end, p_ack_status,
                case when p_ack_status = 'pending' then null else p_received_at end)
        returning case when p_ack_status = 'pending' then m.id end into v_pending_ack;
      end if;

      return query select v_message_id, v_case_id, v_case_number, v_new, false, v_pending_ack, v_routed;
    end
    $fn$
  `.execute(db);

  await sql`
    create or replace function store_inbound_message(p_inbound_id bigint, p_thread_window_minutes integer, p_route jsonb default null)
    returns table (message_id bigint, case_id bigint, case_number text, new_case boolean, duplicate boolean,
                   pending_acknowledgement_id bigint, routed boolean)
    language plpgsql as $fn$
    #variable_conflict use_column
    declare
      v_in inbound_messages%rowtype;
      v_result record;
    begin
      -- Locked: two deliveries of the same job store the message once.
      select * into v_in from inbound_messages where id = p_inbound_id for update;
      if not found then
        return;
      end if;
      if v_in.message_id is not null then
        return query select m.id, c.id, c.case_number, false, true, null::bigint, false
          from messages m join cases c on c.id = m.case_id where m.id = v_in.message_id;
        return;
      end if;
      select * into v_result from accept_resident_message(
        v_in.channel, v_in.provider, v_in.provider_message_id,
        v_in.sender ->> 'phone',
        v_in.sender -> 'kakao' ->> 'userKey', v_in.sender -> 'kakao' ->> 'plusfriendUserKey',
        v_in.sender -> 'kakao' ->> 'appUserId', (v_in.sender -> 'kakao' ->> 'isFriend')::boolean,
        v_in.text, v_in.raw, v_in.received_at,
        case when v_in.flood then greatest(p_thread_window_minutes, 7 * 24 * 60) else p_thread_window_minutes end,
        v_in.acknowledgement, v_in.acknowledgement, v_in.acknowledgement_status, p_route, v_in.case_number
      );
      -- The personal data now lives with the case; the inbox keeps only what recognises a re-send.
      update inbound_messages
         set message_id = v_result.message_id, stored_at = now(), sender = '{}'::jsonb, text = '', raw = '{}'::jsonb
       where id = p_inbound_id;
      return query select v_result.message_id, v_result.case_id, v_result.case_number, v_result.new_case, v_result.duplicate,
        v_result.pending_acknowledgement_id, v_result.routed;
    end
    $fn$
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function accept_resident_message`.execute(db);
  await intakeFunction.up(db);
  await sql`
    create or replace function store_inbound_message(p_inbound_id bigint, p_thread_window_minutes integer, p_route jsonb default null)
    returns table (message_id bigint, case_id bigint, case_number text, new_case boolean, duplicate boolean,
                   pending_acknowledgement_id bigint, routed boolean)
    language plpgsql as $fn$
    #variable_conflict use_column
    declare
      v_in inbound_messages%rowtype;
      v_result record;
    begin
      select * into v_in from inbound_messages where id = p_inbound_id for update;
      if not found then
        return;
      end if;
      if v_in.message_id is not null then
        return query select m.id, c.id, c.case_number, false, true, null::bigint, false
          from messages m join cases c on c.id = m.case_id where m.id = v_in.message_id;
        return;
      end if;
      select * into v_result from accept_resident_message(
        v_in.channel, v_in.provider, v_in.provider_message_id,
        v_in.sender ->> 'phone',
        v_in.sender -> 'kakao' ->> 'userKey', v_in.sender -> 'kakao' ->> 'plusfriendUserKey',
        v_in.sender -> 'kakao' ->> 'appUserId', (v_in.sender -> 'kakao' ->> 'isFriend')::boolean,
        v_in.text, v_in.raw, v_in.received_at,
        case when v_in.flood then greatest(p_thread_window_minutes, 7 * 24 * 60) else p_thread_window_minutes end,
        v_in.acknowledgement, v_in.acknowledgement, v_in.acknowledgement_status, p_route
      );
      update inbound_messages
         set message_id = v_result.message_id, stored_at = now(), sender = '{}'::jsonb, text = '', raw = '{}'::jsonb
       where id = p_inbound_id;
      return query select v_result.message_id, v_result.case_id, v_result.case_number, v_result.new_case, v_result.duplicate,
        v_result.pending_acknowledgement_id, v_result.routed;
    end
    $fn$
  `.execute(db);
  await sql`drop function reserve_case_number`.execute(db);
  await sql`drop function open_case_of_sender`.execute(db);
  await sql`drop function next_case_number`.execute(db);
  await sql`alter table inbound_messages drop column case_number`.execute(db);
  await sql`alter table sender_flood_counts drop column case_number, drop column case_last_message_at`.execute(db);
}
