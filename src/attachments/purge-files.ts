import type { Db } from '../db/database.js';
import type { AttachmentStore } from './storage.js';

/**
 * Deletes the stored files of purged attachments (retention, src/cases/retention.ts) and then
 * forgets their keys. Runs after the purge's transactions: a file whose deletion failed keeps
 * its key and is deleted on the next run. Returns how many attachments lost their files.
 */
export async function purgeAttachmentFiles(db: Db, store: AttachmentStore, batchSize = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db
      .selectFrom('message_attachments')
      .select(['id', 'storage_key', 'thumbnail_key'])
      .where('purged_at', 'is not', null)
      .where((eb) => eb.or([eb('storage_key', 'is not', null), eb('thumbnail_key', 'is not', null)]))
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return total;
    for (const row of rows) {
      for (const key of [row.storage_key, row.thumbnail_key]) if (key !== null) await store.delete(key);
      await db.updateTable('message_attachments').set({ storage_key: null, thumbnail_key: null }).where('id', '=', row.id).execute();
    }
    total += rows.length;
    if (rows.length < batchSize) return total;
  }
}
