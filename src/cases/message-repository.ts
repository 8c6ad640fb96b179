import type { Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Message, MessageTable } from './message.table.js';

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
