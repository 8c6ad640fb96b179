// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * The inbox: what a webhook stores before it answers the provider. One narrow insert per
 * message keeps a webhook close to the cost of a bare INSERT during a burst of replies (a
 * district notice reaches 37,500 residents); the intake worker then stores each message in
 * its case (store_inbound_message) and routes it. The row keeps the provider's id for good,
 * so a re-sent webhook is recognised; the personal data leaves it once the message is in
 * its case.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table inbound_messages (
      id bigserial primary key,
      channel text not null,
      provider text not null,
      -- The provider's own id, or one we gave the message when the provider gives none (Kakao).
      provider_message_id text not null,
      -- {"phone": "+82..."} or {"kakao": {userKey, plusfriendUserKey, appUserId, isFriend}}
      sender jsonb not null,
      text text not null,
      raw jsonb not null,
      -- What the webhook answered the resident, kept with the case once stored.
      acknowledgement text,
      acknowledgement_status text,
      -- One of a flood from one sender: filed into the sender's open case whatever its age.
      flood boolean not null default false,
      received_at timestamptz not null,
      -- Set once the message is stored in its case.
      message_id bigint,
      stored_at timestamptz
    )
  `.execute(db);
  await sql`create unique index inbound_messages_provider_id_uq on inbound_messages (provider, provider_message_id)`.execute(db);
  // The sweeper's look-up of what was received but never stored in a case.
  await sql`create index inbound_messages_pending_idx on inbound_messages (id) where message_id is null`.execute(db);

  await sql`
    create function store_inbound_message(p_inbound_id bigint, p_thread_window_minutes integer, p_route jsonb default null)
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
        v_in.acknowledgement, v_in.acknowledgement, v_in.acknowledgement_status, p_route
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
  await sql`drop function if exists store_inbound_message`.execute(db);
  await sql`drop table if exists inbound_messages`.execute(db);
}
