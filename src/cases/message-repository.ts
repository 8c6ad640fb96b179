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

export async function findMessage(db: Db, id: number): Promise<Message | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listCaseMessages(db: Db, caseId: number): Promise<Message[]> {
  return db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
}

export async function listResidentTexts(db: Db, caseId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('messages')
    .select('text')
    .where('case_id', '=', caseId)
    .where('direction', '=', 'in')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.text);
}

export async function markCaseMessagesRouted(trx: Db, caseId: number, at: Date): Promise<void> {
  await trx
    .updateTable('messages')
    .set({ routed_at: at })
    .where('case_id', '=', caseId)
    .where('direction', '=', 'in')
    .where('routed_at', 'is', null)
    .execute();
}

export async function markMessageRouted(trx: Db, messageId: number, at: Date): Promise<void> {
  await trx.updateTable('messages').set({ routed_at: at }).where('id', '=', messageId).execute();
}
