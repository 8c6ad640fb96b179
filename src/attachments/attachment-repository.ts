import { preparedQuery, type Db } from '../db/database.js';
import type { MessageAttachment } from './attachment.table.js';

/** The attachments of one case's messages, in message order then as sent. */
export async function listCaseAttachments(db: Db, caseId: number): Promise<MessageAttachment[]> {
  return db.selectFrom('message_attachments').selectAll().where('case_id', '=', caseId).orderBy('message_id').orderBy('position').execute();
}

export async function findAttachment(db: Db, caseId: number, attachmentId: number): Promise<MessageAttachment | undefined> {
  return db.selectFrom('message_attachments').selectAll().where('id', '=', attachmentId).where('case_id', '=', caseId).executeTakeFirst();
}

/** The pending attachments of the message an inbox row was filed as (the filing worker queues them). */
export async function pendingAttachmentsOfInbound(db: Db, inboundId: number): Promise<number[]> {
  const rows = await preparedQuery<{ id: number }>(
    db,
    'sotong_pending_attachments_of_inbound',
    `select a.id from inbound_messages i join message_attachments a on a.message_id = i.message_id
      where i.id = $1 and a.status = 'pending' order by a.position`,
    [inboundId],
  );
  return rows.map((r) => Number(r.id));
}

/** Pending attachments created before `before` (their job may have been lost while Redis was away). */
export async function findPendingAttachments(db: Db, before: Date, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('message_attachments')
    .select('id')
    .where('status', '=', 'pending')
    .where('created_at', '<', before)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Refused, with a note for staff; the address is forgotten. Only a pending attachment changes. */
export async function refuseAttachment(db: Db, id: number, note: string, detectedType: string | null = null): Promise<void> {
  await db
    .updateTable('message_attachments')
    .set({ status: 'refused', note, source_url: null, content_type: detectedType })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}
