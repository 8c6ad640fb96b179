-- The burst path in one call: a webhook's message filed into its case and, when it opened a
-- new case, routed with the decision the worker made from the inbox text (the case is inserted
-- routed: no update after): one round trip and one commit per message while a burst of replies
-- drains. A message joining an existing case (or a duplicate) is only filed; the worker then
-- routes it the usual way, from all of the case's messages, as it does a blocked sender's case.
create or replace function file_and_route_inbound(
  p_inbound_id bigint,
  p_thread_window_minutes integer,
  p_category text,
  p_department text,
  p_kind text,
  p_routing jsonb,
  p_event jsonb,
  p_deadline_days integer,
  p_notice_due_at timestamptz,
  p_due_at timestamptz
) returns table (message_id bigint, case_id bigint, routed boolean, pending_acknowledgement_id bigint)
language plpgsql as $fn$
#variable_conflict use_column
declare
  v_stored record;
begin
  -- A new case is created already routed (accept_resident_message, p_route); a blocked
  -- sender's case is not, and the worker closes it instead (routeMessage).
  select * into v_stored from store_inbound_message(p_inbound_id, p_thread_window_minutes, jsonb_build_object(
    'category', p_category, 'department', p_department, 'kind', p_kind, 'routing', p_routing, 'event', p_event,
    'deadlineDays', p_deadline_days, 'noticeDueAt', p_notice_due_at, 'dueAt', p_due_at));
  if not found then
    return;
  end if;
  return query select v_stored.message_id, v_stored.case_id, v_stored.routed, v_stored.pending_acknowledgement_id;
end
$fn$;
