import { sql, type Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Message, MessageTable } from './message.table.js';
import type { Channel } from './case.table.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';

export async function insertMessage(trx: Db, values: Insertable<MessageTable>): Promise<Message> {
  return trx.insertInto('messages').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findInboundByProviderId(
  db: Db,
  provider: string,
  providerMessageId: string,
): Promise<Message | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('direction', '=', 'in')
    .where('provider', '=', provider)
    .where('provider_message_id', '=', providerMessageId)
    .executeTakeFirst();
}

export async function listCaseMessages(db: Db, caseId: number): Promise<Message[]> {
  return db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

export interface ResidentMessageRow {
  caseId: number;
  channel: Channel;
  text: string;
  provider: string;
  providerMessageId: string | null;
  raw: Record<string, unknown>;
  receivedAt: Date;
  /** 'received' opens the case's history; 'message_added' continues it. */
  event: 'received' | 'message_added';
  /** A follow-up moves the case's threading clock. */
  touchCase: boolean;
  /** Stored when the acknowledgement goes back inside the provider's own answer. */
  acknowledgement: { text: string; status: DeliveryStatus } | null;
}

/**
 * Stores a resident's message with its case event, the acknowledgement and the case's
 * threading time in one statement (a webhook's path is measured in round trips). The
 * later parts read the message's row, which also numbers the acknowledgement after it.
 */
export async function insertResidentMessage(trx: Db, row: ResidentMessageRow): Promise<number> {
  const ack = row.acknowledgement;
  const result = await sql<{ id: number }>`
    with msg as (
      insert into messages (case_id, direction, kind, channel, text, provider, provider_message_id, raw, created_at)
      values (${row.caseId}, 'in', 'resident', ${row.channel}, ${row.text}, ${row.provider}, ${row.providerMessageId},
              ${JSON.stringify(row.raw)}::jsonb, ${row.receivedAt})
      returning id
    ),
    event as (
      insert into case_events (case_id, type, data)
      select ${row.caseId}::bigint, ${row.event}::text, jsonb_build_object('messageId', msg.id) from msg
    ),
    ack as (
      insert into messages (case_id, direction, kind, channel, text, provider, delivery_status, sent_at)
      select ${row.caseId}::bigint, 'out', 'acknowledgement', ${row.channel}::text, ${ack?.text ?? ''}::text,
             ${row.provider}::text, ${ack?.status ?? null}::text, ${row.receivedAt}::timestamptz
      from msg where ${ack !== null}::boolean
    ),
    touch as (
      update cases set last_resident_message_at = ${row.receivedAt}::timestamptz
      where id = ${row.caseId}::bigint and ${row.touchCase}::boolean
    )
    select id from msg
  `.execute(trx);
  return result.rows[0]!.id;
}
