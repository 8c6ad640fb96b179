-- Routing's write in one place: what routing decided (in Node: the classifier and the office's
-- policy, src/routing/route-message.ts) written to the case (department, category, kind, the
-- reasons, the legal deadline unless it has one) with its event, and the case's messages
-- marked routed.
create or replace function apply_routing(
  p_case_id bigint,
  p_category text,
  p_department text,
  p_kind text,
  p_routing jsonb,
  p_event jsonb,
  p_deadline_days integer,
  p_notice_due_at timestamptz,
  p_due_at timestamptz,
  p_now timestamptz
) returns void
language plpgsql as $fn$
begin
  update cases
     set category_code = p_category, department_code = p_department, kind = p_kind,
         routing = p_routing, routed_at = p_now,
         deadline_days = coalesce(deadline_days, p_deadline_days),
         notice_due_at = case when due_at is null then p_notice_due_at else notice_due_at end,
         due_at = coalesce(due_at, p_due_at),
         status = case when status = 'received' then 'assigned' else status end
   where id = p_case_id;
  insert into case_events (case_id, type, data) values (p_case_id, 'routed', p_event);
  update messages set routed_at = p_now where case_id = p_case_id and direction = 'in' and routed_at is null;
end
$fn$;
