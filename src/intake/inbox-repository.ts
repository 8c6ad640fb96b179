import { sql } from 'kysely';
import { preparedQuery, type Db } from '../db/database.js';
import type { Channel } from '../domain/channel.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';
import type { InboundSender, MediaReference } from './inbound-message.table.js';
import { CASE_NUMBER, type NumberedAcknowledgement } from './acknowledgement.js';
import { SATISFACTION_THANKS } from '../satisfaction/satisfaction.js';
import { FLOOD_NOTICE, floodSenderKey, hearsNoticeEveryTime, type FloodLimit, type FloodStanding } from './sender-flood.js';

export interface InboundRow {
  channel: Channel;
  provider: string;
  providerMessageId: string;
  sender: InboundSender;
  text: string;
  raw: Record<string, unknown>;
  /** What the resident hears when no case number can be named (the message waits in Redis). */
  acknowledgement: string | null;
  /** What they hear once the inbox statement has reserved the case number: its two forms. */
  numberedAcknowledgement?: NumberedAcknowledgement;
  acknowledgementStatus: DeliveryStatus | null;
  /** One of a flood from one sender (see sender-flood.ts). */
  flood?: boolean;
  receivedAt: Date;
  /** Photos sent with it, as the provider named them: fetched later, never by the webhook (docs/photos.md). */
  media?: MediaReference[];
}

/** Postgres text and jsonb cannot hold NUL; a resident's message never needs one. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/**
 * JSON for a jsonb column, which refuses two things JSON.stringify writes: a NUL (\u0000) and a
 * half of a surrogate pair on its own (\ud800, which a provider's JSON can carry and JSON.parse
 * accepts). Only when one shows is the value walked: NULs dropped, lone halves made U+FFFD.
 */
export function jsonWithoutNul(value: unknown): string {
  const json = JSON.stringify(value);
  if (!json.includes('\\u0000') && !LONE_SURROGATE_ESCAPE.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? withoutNul(v).toWellFormed() : v));
}

/** How JSON.stringify writes a lone surrogate (a well-formed pair is written as itself). */
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f][0-9a-f]{2}/;

/**
 * Many messages kept in Redis while Postgres was away, in one statement, in the order given
 * (their inbox ids follow it), each numbered as a webhook's message is: the reservations run
 * row by row in that order, under each sender's row lock (not counted against the sender's
 * flood window: they were answered when they arrived). Returns the ids of those Postgres did
 * not have yet.
 */
export async function insertInboundMany(db: Db, rows: InboundRow[], threadWindowMinutes: number): Promise<number[]> {
  if (rows.length === 0) return [];
  // The whole batch as one JSON parameter, as in insertCountedInboundMany.
  const batch = jsonWithoutNul(rows.map((row, i) => ({ ...inboxRecord(row, i), flood: row.flood ?? false })));
  const inserted = await preparedQuery<{ id: number }>(
    db,
    'sotong_insert_inbound_batch',
    `insert into inbound_messages
       (channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood, case_number, media)
     select g.channel, g.provider, g.provider_message_id, g.sender, g.text, g.raw, g.acknowledgement, g.acknowledgement_status,
            g.received_at, g.flood, coalesce(v.survey_case_number, r.reserved_number), g.media
     from json_to_recordset($1::json) as g(${INBOX_RECORD_COLUMNS}, flood boolean)
     cross join lateral survey_of_sender(g.channel, g.phone, g.kakao_user_key, g.text, g.received_at) v
     cross join lateral reserve_case_number(case when v.survey_case_number is null then g.sender_key end,
                                            false, 0, 0, g.channel, g.phone, g.kakao_user_key, g.received_at, $2) r
     order by g.n
     on conflict (provider, provider_message_id) do nothing
     returning id`,
    [batch, threadWindowMinutes],
  );
  return inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * A message as one record of a batch statement's JSON parameter (json_to_recordset with
 * INBOX_RECORD_COLUMNS): n keeps the given order. Beside the inbox's columns, what
 * reserve_case_number (src/db/functions/reserve_case_number.sql) needs to know of the sender:
 * their flood key, which names the row it locks, and how the filing step finds them among
 * residents. NULs are left to jsonWithoutNul, which cleans the batch's JSON as a whole.
 */
function inboxRecord(row: Omit<InboundRow, 'flood'>, i: number) {
  return {
    n: i + 1,
    channel: row.channel,
    provider: row.provider,
    provider_message_id: row.providerMessageId,
    sender: row.sender,
    text: row.text,
    raw: row.raw,
    acknowledgement: row.acknowledgement,
    acknowledgement_status: row.acknowledgementStatus,
    received_at: row.receivedAt,
    sender_key: floodSenderKey(row.sender),
    phone: 'phone' in row.sender ? row.sender.phone : null,
    kakao_user_key: 'kakao' in row.sender ? row.sender.kakao.userKey : null,
    media: row.media ?? [],
  };
}

/** The columns of inboxRecord, as json_to_recordset reads them. */
const INBOX_RECORD_COLUMNS = `n int, channel text, provider text, provider_message_id text, sender jsonb, text text, raw jsonb,
  acknowledgement text, acknowledgement_status text, received_at timestamptz, sender_key text, phone text, kakao_user_key text, media jsonb`;

/** One message kept in Redis (insertInboundMany): its inbox id, or null when the provider had already delivered it. */
export async function insertInbound(db: Db, row: InboundRow, threadWindowMinutes: number): Promise<number | null> {
  return (await insertInboundMany(db, [row], threadWindowMinutes))[0] ?? null;
}

export interface CountedInbound {
  id: number;
  standing: FloodStanding;
  /** What the sender hears now: the row's acknowledgement, the flood notice, or nothing. */
  acknowledgement: string | null;
  /** The case number reserved for the message (null only for a message that names nobody). */
  caseNumber: string | null;
  /** True when it joins the sender's open (or about to be opened) case rather than opening one. */
  joinsCase: boolean;
}

/**
 * Stores a message from a webhook and decides, in the same statement, what the sender hears:
 * it counts the sender's flood window, reserves the case number under the sender's row lock
 * (reserve_case_number: the open case it will join, or a new number), and stores it with the
 * answer its standing decides, naming the number. Null when the provider had already
 * delivered this message (it is counted again all the same: a re-sent message is one more
 * call from that sender).
 */
export async function insertCountedInbound(
  db: Db,
  row: Omit<InboundRow, 'flood'>,
  limit: FloodLimit,
  threadWindowMinutes: number,
): Promise<CountedInbound | null> {
  return (await insertCountedInboundMany(db, [row], limit, threadWindowMinutes))[0]!;
}

/**
 * Many webhook messages in one statement and one commit (InboxBatcher gathers those that
 * arrive together), each decided as insertCountedInbound decides one; the rule is here only.
 * Rows are decided in the order given: the caller sorts them by sender, so that concurrent
 * statements take the senders' row locks in one order and never deadlock, and a sender's
 * messages keep their order. Two rows with the same provider id must not share a statement.
 * The results follow the rows: null for one the provider had already delivered.
 */
export async function insertCountedInboundMany(
  db: Db,
  rows: Omit<InboundRow, 'flood'>[],
  limit: FloodLimit,
  threadWindowMinutes: number,
): Promise<(CountedInbound | null)[]> {
  if (rows.length === 0) return [];
  // The whole batch as one JSON parameter: the same prepared statement for one message or sixty,
  // serialised by one JSON.stringify. (Seventeen array parameters cost the API more: pg formats
  // each element of an array literal in JavaScript, escaping every quote of every payload.)
  const batch = jsonWithoutNul(
    rows.map((row, i) => ({
      ...inboxRecord(row, i),
      new_case_ack: row.numberedAcknowledgement?.newCase ?? null,
      follow_up_ack: row.numberedAcknowledgement?.followUp ?? null,
      thanks: SATISFACTION_THANKS[row.channel],
      hears_every_time: hearsNoticeEveryTime(row.channel),
    })),
  );
  const stored = await preparedQuery<{
    n: number;
    id: number | null;
    acknowledgement: string | null;
    standing: FloodStanding;
    case_number: string | null;
    joins_case: boolean;
  }>(
    db,
    'sotong_insert_counted_inbound_batch',
    `with g as (
       select * from json_to_recordset($1::json)
         as g(${INBOX_RECORD_COLUMNS}, new_case_ack text, follow_up_ack text, thanks text, hears_every_time boolean)
     ), decided as materialized (
       -- Row by row in the order given (the sort makes every reservation happen before any insert).
       -- A score answering the sender's satisfaction question names its closed case: no number, no count.
       select g.*, v.survey_case_number, r.sender_messages, r.reserved_number, r.joins_case,
              case when coalesce(r.sender_messages, 0) <= $3::int then 'normal'
                   when r.sender_messages = $3::int + 1 then 'first-over' else 'over' end as standing
       from g
       cross join lateral survey_of_sender(g.channel, g.phone, g.kakao_user_key, g.text, g.received_at) v
       cross join lateral reserve_case_number(case when v.survey_case_number is null then g.sender_key end,
                                              true, $2, $3, g.channel, g.phone, g.kakao_user_key, g.received_at, $5) r
       order by g.n
     ), stored as (
       insert into inbound_messages
         (channel, provider, provider_message_id, sender, text, raw, acknowledgement, acknowledgement_status, received_at, flood, case_number, media)
       select d.channel, d.provider, d.provider_message_id, d.sender, d.text, d.raw,
         case when d.survey_case_number is not null then d.thanks else
         case d.standing
           when 'normal' then coalesce(replace(case when d.joins_case then d.follow_up_ack else d.new_case_ack end, '${CASE_NUMBER}', d.reserved_number), d.acknowledgement)
           when 'first-over' then $4::text
           else case when d.hears_every_time then $4::text end end end,
         d.acknowledgement_status, d.received_at, d.standing <> 'normal', coalesce(d.survey_case_number, d.reserved_number), d.media
       from decided d
       order by d.n
       on conflict (provider, provider_message_id) do nothing
       returning id, provider, provider_message_id, acknowledgement, case_number
     )
     select d.n, s.id, s.acknowledgement, d.standing, s.case_number,
            coalesce(d.joins_case, false) or d.survey_case_number is not null as joins_case
     from decided d left join stored s on s.provider = d.provider and s.provider_message_id = d.provider_message_id
     order by d.n`,
    [batch, limit.windowMs, limit.messages, FLOOD_NOTICE, threadWindowMinutes],
  );
  return stored.map((r) =>
    r.id === null
      ? null
      : { id: Number(r.id), standing: r.standing, acknowledgement: r.acknowledgement, caseNumber: r.case_number, joinsCase: r.joins_case },
  );
}

export interface FiledMessage {
  messageId: number;
  caseId: number;
  caseNumber: string;
  newCase: boolean;
  /** The message was already in its case (a second delivery of the same job). */
  duplicate: boolean;
  /** An acknowledgement the webhook could not give in its answer, to send as an outbound SMS. */
  pendingAcknowledgementId: number | null;
}

/** Files an inbox message into its case (src/db/functions/store_inbound_message.sql); idempotent. */
export async function fileInboxMessage(db: Db, inboundId: number, threadWindowMinutes: number): Promise<FiledMessage | null> {
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
