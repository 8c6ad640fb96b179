-- Files one inbox message (what a webhook stored) into its case, exactly once: the inbox row
-- is locked, so two deliveries of the same job store the message once; afterwards the inbox
-- keeps only what recognises a re-send, the personal data lives with the case.
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
  -- The photos the resident sent with it (the webhook's media references, docs/photos.md): one
  -- attachment row each, in this transaction, for the attachments worker to fetch.
  if not v_result.duplicate and jsonb_typeof(v_in.media) = 'array' and jsonb_array_length(v_in.media) > 0 then
    insert into message_attachments (message_id, case_id, position, provider, source_url, declared_type)
    select v_result.message_id, v_result.case_id, (e.n - 1)::integer, v_in.provider, e.item ->> 'url', e.item ->> 'contentType'
      from jsonb_array_elements(v_in.media) with ordinality as e(item, n)
     where coalesce(e.item ->> 'url', '') <> ''
    on conflict (message_id, position) do nothing;
  end if;
  -- The personal data now lives with the case; the inbox keeps only what recognises a re-send.
  update inbound_messages
     set message_id = v_result.message_id, stored_at = now(), sender = '{}'::jsonb, text = '', raw = '{}'::jsonb, media = '[]'::jsonb
   where id = p_inbound_id;
  return query select v_result.message_id, v_result.case_id, v_result.case_number, v_result.new_case, v_result.duplicate,
    v_result.pending_acknowledgement_id, v_result.routed;
end
$fn$;
