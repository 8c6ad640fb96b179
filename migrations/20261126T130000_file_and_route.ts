// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * Routing's write in one place, and the burst path in one call.
 *
 * apply_routing: what routing decided (in Node: the classifier and the office's policy,
 * src/routing/route-message.ts) written to the case — department, category, kind, the
 * reasons, the legal deadline unless it has one — with its event, and the case's messages
 * marked routed.
 *
 * file_and_route_inbound: a webhook's message filed into its case and, when it opened a new
 * case, routed with the decision the worker made from the inbox text (the case is inserted
 * routed: no update after) — one round trip and one commit per message while a burst of
 * replies drains, where BEGIN, file, lock, route, COMMIT took five. A message joining an existing case (or a duplicate) is only filed; the worker then
 * routes it the usual way, from all of the case's messages, as it does a blocked sender's case.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function apply_routing(
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
    $fn$
  `.execute(db);

  await sql`
    create function file_and_route_inbound(
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
    $fn$
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists file_and_route_inbound`.execute(db);
  await sql`drop function if exists apply_routing`.execute(db);
}
