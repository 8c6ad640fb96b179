// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * Storing a resident's message is one call to this function: one round trip instead of six
 * (BEGIN, resident, thread, case, message, COMMIT). A webhook's throughput during a burst of
 * replies is bounded by round trips to Postgres, not by Node's CPU (measured: the API process
 * sat idle half the time waiting). The rules stay those of src/intake/accept-message.ts, which
 * documents them; this is their one implementation.
 *
 * Concurrency: a plpgsql function is VOLATILE, so each statement below sees what committed
 * before it started. The resident upsert locks the resident's row until commit, so a second
 * message from the same resident waits there, then finds the case the first one opened.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
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
      -- The intake worker's routing decision, made from this message alone: a NEW case is created
      -- already routed (department, kind, the reasons, the legal deadline), saving an update of
      -- the case and of its message right after. Ignored when the message joins an open case or
      -- the resident is on the block list; null leaves the case to routing.
      p_route jsonb default null
    ) returns table (message_id bigint, case_id bigint, case_number text, new_case boolean, duplicate boolean,
                     pending_acknowledgement_id bigint, routed boolean)
    language plpgsql as $fn$
    #variable_conflict use_column
    declare
      v_resident bigint;
      v_case_id bigint;
      v_case_number text;
      v_message_id bigint;
      v_year integer;
      v_ack text;
      v_new boolean;
      v_pending_ack bigint;
      v_blocked boolean;
      v_routed boolean := false;
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

      if p_thread_window_minutes > 0 then
        select c.id, c.case_number into v_case_id, v_case_number
          from cases c
         where c.resident_id = v_resident and c.channel = p_channel and c.status <> 'closed'
           and c.last_resident_message_at >= p_received_at - make_interval(mins => p_thread_window_minutes)
         order by c.last_resident_message_at desc
         limit 1;
      end if;

      v_new := v_case_id is null;
      if v_new then
        -- Numbers restart each year in Seoul time, from the year's own sequence: unlike a
        -- counter row, a sequence takes no lock, so a burst of new cases does not queue.
        v_year := extract(year from p_received_at at time zone 'Asia/Seoul');
        if to_regclass('case_number_' || v_year) is null then
          begin
            execute format('create sequence if not exists %I', 'case_number_' || v_year);
          exception when unique_violation or duplicate_table then
            null; -- another transaction created it at the same moment
          end;
        end if;
        v_routed := p_route is not null and not v_blocked;
        -- (The routing and deadline columns come with later migrations; plpgsql reads them when it runs.)
        insert into cases as c (case_number, channel, status, resident_id, received_at, last_resident_message_at,
                                category_code, department_code, kind, routing, routed_at, deadline_days, notice_due_at, due_at)
        values (v_year::text || '-' || lpad(nextval(('case_number_' || v_year)::regclass)::text, 6, '0'),
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
              jsonb_build_object('messageId', v_message_id));
      if v_routed then
        insert into case_events (case_id, type, data) values (v_case_id, 'routed', p_route -> 'event');
      end if;

      if v_ack is not null then
        -- 'pending': the provider's answer could not carry it (a gateway's webhook); it is sent
        -- as an outbound SMS, like a staff answer. Otherwise it went back in that answer.
        insert into messages as m (case_id, direction, kind, channel, text, provider, delivery_status, sent_at)
        values (v_case_id, 'out', 'acknowledgement', p_channel, replace(v_ack, '{caseNumber}', v_case_number),
                case when p_ack_status = 'pending' then 'pending' else p_provider end, p_ack_status,
                case when p_ack_status = 'pending' then null else p_received_at end)
        returning case when p_ack_status = 'pending' then m.id end into v_pending_ack;
      end if;

      return query select v_message_id, v_case_id, v_case_number, v_new, false, v_pending_ack, v_routed;
    end
    $fn$
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists accept_resident_message`.execute(db);
}
