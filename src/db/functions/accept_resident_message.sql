-- Files a resident's message into its case and records the acknowledgement they were given,
-- in one call (a webhook's and a worker's throughput is bounded by round trips to Postgres):
--   - a provider re-sending a message (same provider id) gets what was stored the first time;
--   - the resident's row is upserted and locked, so one resident's messages are filed one at a time;
--   - the number the webhook told the resident (p_case_number, see reserve_case_number) names
--     its case if that is open, or a new case with that number; without one (or if that case
--     closed in the meantime) a follow-up within the thread window joins the resident's open case;
--   - a new case may be created already routed (p_route: the worker's decision, see
--     file_and_route_inbound), unless the sender is blocked;
--   - a score (satisfaction_score) answering the resident's satisfaction question on this
--     channel within its reply window is filed on the closed case asked about and recorded
--     there (the first answer counts); it never opens a case. A second score told that case's
--     number by the webhook joins it too, unrecorded.
-- Tests file messages directly through it (test/support/accept-message.ts); in production the
-- routing worker reaches it through store_inbound_message.
create or replace function accept_resident_message(
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
  v_score smallint;
  v_survey boolean := false;
  v_survey_open boolean;
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

  -- A reply to the satisfaction question: its closed case, never a new one (see above).
  if not v_blocked then
    v_score := satisfaction_score(p_text);
    if v_score is not null then
      select s.case_id, c.case_number, s.score is null into v_case_id, v_case_number, v_survey_open
        from satisfaction_surveys s join cases c on c.id = s.case_id
       where s.resident_id = v_resident and s.channel = p_channel
         and p_received_at >= s.asked_at and p_received_at <= s.expires_at
         and (s.score is null or c.case_number = p_case_number)
       order by (s.score is null) desc, s.asked_at desc
       limit 1
       for update of s;
      v_survey := found;
    end if;
  end if;

  if p_case_number is not null and not v_survey then
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
  if v_case_id is null and v_number is null and p_thread_window_minutes > 0 and not v_survey then
    select c.id, c.case_number into v_case_id, v_case_number
      from cases c
     where c.resident_id = v_resident and c.channel = p_channel and c.status <> 'closed'
       and c.last_resident_message_at >= p_received_at - make_interval(mins => p_thread_window_minutes)
       -- A 찾아가는 구청장실 application is a case of its own and takes no follow-ups.
       and not exists (select 1 from mayor_visit_requests v where v.case_id = c.id)
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
  elsif not v_survey then
    -- The routing worker may file two of one resident's messages out of order.
    update cases set last_resident_message_at = greatest(last_resident_message_at, p_received_at) where id = v_case_id;
    v_ack := p_ack_follow_up;
  end if;

  insert into messages as m (case_id, direction, kind, channel, text, provider, provider_message_id, raw, created_at, routed_at)
  values (v_case_id, 'in', 'resident', p_channel, p_text, p_provider, p_provider_message_id, p_raw, p_received_at,
          case when v_routed then now() end)
  returning m.id into v_message_id;

  if v_survey then
    if v_survey_open then
      update satisfaction_surveys set score = v_score, answered_at = p_received_at, reply_message_id = v_message_id
       where case_id = v_case_id;
    end if;
    insert into case_events (case_id, type, data)
    values (v_case_id, 'satisfaction', jsonb_build_object('messageId', v_message_id, 'score', v_score, 'recorded', v_survey_open));
  else
    insert into case_events (case_id, type, data)
    values (v_case_id, case when v_new then 'received' else 'message_added' end,
            jsonb_build_object('messageId', v_message_id)
              || case when p_case_number is not null and p_case_number <> v_case_number
                      then jsonb_build_object('toldCaseNumber', p_case_number) else '{}'::jsonb end);
  end if;
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
$fn$;
