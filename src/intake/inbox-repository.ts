import { sql } from 'kysely';
import { preparedQuery, type Db } from '../db/database.js';
import type { Channel } from '../cases/case.table.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';
import type { InboundSender } from './inbound-message.table.js';
import { FLOOD_NOTICE, floodSenderKey, hearsNoticeEveryTime, type FloodLimit, type FloodStanding } from './sender-flood.js';

export interface InboundRow {
  channel: Channel;
  provider: string;
  providerMessageId: string;
  sender: InboundSender;
  text: string;
  raw: Record<string, unknown>;
  acknowledgement: string | null;
  acknowledgementStatus: DeliveryStatus | null;
  /** One of a flood from one sender (see sender-flood.ts). */
  flood?: boolean;
  receivedAt: Date;
}

/** Postgres text and jsonb cannot hold NUL; a resident's message never needs one. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/** JSON for a jsonb column. A NUL shows in JSON as \u0000; only then is it walked value by value. */
export function jsonWithoutNul(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u0000') ? JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? withoutNul(v) : v)) : json;
}

/**
 * The message as received, with the answer it was given (a message the webhook kept in
 * Redis while Postgres was away). Returns its inbox id, or null when the provider had
 * already delivered this message (same provider id).
 */
export async function insertInbound(db: Db, row: InboundRow): Promise<number | null> {
  const rows = await preparedQuery<{ id: number }>(
    db,
    'sotong_insert_inbound',
    `insert into inbound_messages
       (channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood)
     values ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7, $8, $9, $10)
     on conflict (provider, provider_message_id) do nothing
     returning id`,
    [...inboxValues(row), row.flood ?? false],
  );
  return rows[0]?.id ?? null;
}

/**
 * Many messages kept in Redis while Postgres was away, in one statement, in the order given
 * (their inbox ids follow it). Returns the ids of those Postgres did not have yet.
 */
export async function insertInboundMany(db: Db, rows: InboundRow[]): Promise<number[]> {
  if (rows.length === 0) return [];
  // One array per column: ten parameters whatever the number of rows.
  const columns = Array.from({ length: 10 }, () => [] as unknown[]);
  for (const row of rows) [...inboxValues(row), row.flood ?? false].forEach((value, i) => columns[i]!.push(value));
  const [channel, provider, id, sender, text, raw, ack, ackStatus, receivedAt, flood] = columns;
  const { rows: inserted } = await sql<{ id: number }>`
    insert into inbound_messages
      (channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood)
    select channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood
    from unnest(${channel}::text[], ${provider}::text[], ${id}::text[], ${sender}::jsonb[], ${text}::text[],
                         ${raw}::jsonb[], ${ack}::text[], ${ackStatus}::text[], ${receivedAt}::timestamptz[], ${flood}::boolean[])
      with ordinality as given(channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood, n)
    order by n
    on conflict (provider, provider_message_id) do nothing
    returning id`.execute(db);
  return inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** $1–$9 of both inbox inserts: the message as Postgres can hold it (no NUL). */
function inboxValues(row: Omit<InboundRow, 'flood'>): unknown[] {
  return [
    row.channel,
    row.provider,
    row.providerMessageId,
    jsonWithoutNul(row.sender),
    withoutNul(row.text),
    jsonWithoutNul(row.raw),
    row.acknowledgement,
    row.acknowledgementStatus,
    row.receivedAt.toISOString(),
  ];
}

export interface CountedInbound {
  id: number;
  standing: FloodStanding;
  /** What the sender hears now: the row's acknowledgement, the flood notice, or nothing. */
  acknowledgement: string | null;
}

/**
 * The webhook's one write when Postgres is there: counts the message against its sender's
 * flood window (see sender-flood.ts) and stores it with the answer its standing decides, in
 * one statement; the rule is here only. Null when the provider had already delivered this
 * message (it is counted again all the same: a re-sent message is one more call from that sender).
 */
export async function insertCountedInbound(db: Db, row: Omit<InboundRow, 'flood'>, limit: FloodLimit): Promise<CountedInbound | null> {
  const sender = floodSenderKey(row.sender);
  const rows = await preparedQuery<{ id: number; acknowledgement: string | null; standing: FloodStanding }>(
    db,
    'sotong_insert_counted_inbound',
    `with counted as (
       insert into sender_flood_counts as c (sender, window_started_at, messages)
       select $10, now(), 1 where $10::text is not null
       on conflict (sender) do update set
         window_started_at = case when c.window_started_at > now() - $11::int * interval '1 millisecond' then c.window_started_at else now() end,
         messages = case when c.window_started_at > now() - $11::int * interval '1 millisecond' then c.messages + 1 else 1 end
       returning messages
     ), standing as (
       select case when n <= $12::int then 'normal' when n = $12::int + 1 then 'first-over' else 'over' end as standing
       from (select coalesce((select messages from counted), 0) as n) as sender_messages
     )
     insert into inbound_messages
       (channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood)
     select $1, $2, $3, $4::jsonb, $5, $6::jsonb,
       case s.standing when 'normal' then $7::text when 'first-over' then $13::text else case when $14::boolean then $13::text end end,
       $8, $9, s.standing <> 'normal'
     from standing s
     on conflict (provider, provider_message_id) do nothing
     returning id, acknowledgement, (select standing from standing) as standing`,
    [
      ...inboxValues(row),
      sender === null ? null : withoutNul(sender),
      limit.windowMs,
      limit.messages,
      FLOOD_NOTICE,
      hearsNoticeEveryTime(row.channel),
    ],
  );
  return rows[0] ?? null;
}

export interface StoredInbound {
  messageId: number;
  caseId: number;
  caseNumber: string;
  newCase: boolean;
  /** The message was already in its case (a second delivery of the same job). */
  duplicate: boolean;
  /** An acknowledgement the webhook could not give in its answer, to send as an outbound SMS. */
  pendingAcknowledgementId: number | null;
}

/** Files an inbox message into its case (see the store_inbound_message migration); idempotent. */
export async function storeInboundMessage(db: Db, inboundId: number, threadWindowMinutes: number): Promise<StoredInbound | null> {
  const { rows } = await sql<{
    message_id: number;
    case_id: number;
    case_number: string;
    new_case: boolean;
    duplicate: boolean;
    pending_acknowledgement_id: number | null;
  }>`
    select * from store_inbound_message(${inboundId}, ${threadWindowMinutes})
  `.execute(db);
  const row = rows[0];
  if (!row) return null;
  return {
    messageId: row.message_id,
    caseId: row.case_id,
    caseNumber: row.case_number,
    newCase: row.new_case,
    duplicate: row.duplicate,
    pendingAcknowledgementId: row.pending_acknowledgement_id,
  };
}

/** Inbox messages received before `before` and never filed into a case (their job was lost). */
export async function findUnfiledInbound(db: Db, before: Date, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('inbound_messages')
    .select('id')
    .where('message_id', 'is', null)
    .where('received_at', '<', before)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
