// A photo already kept for a case, as the attachments worker leaves it (no download): for
// tests of who may open it and of what retention removes.
import sharp from 'sharp';
import type { Db } from '../../src/db/database.js';
import type { AttachmentStore } from '../../src/attachments/storage.js';
import { attachmentKey } from '../../src/attachments/storage.js';

export async function addStoredPhoto(
  db: Db,
  store: AttachmentStore,
  caseId: number,
  messageId: number,
  options: { sourceUrl?: string | null; location?: { latitude: number; longitude: number } } = {},
): Promise<{ attachmentId: number; keys: string[] }> {
  const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#48c' } }).jpeg().toBuffer();
  const position = Number(
    (await db.selectFrom('message_attachments').select((eb) => eb.fn.countAll<number>().as('n')).where('message_id', '=', messageId).executeTakeFirstOrThrow()).n,
  );
  const row = await db
    .insertInto('message_attachments')
    .values({ message_id: messageId, case_id: caseId, position, provider: 'kakao', source_url: options.sourceUrl ?? null, declared_type: null, note: null, content_type: null, bytes: null, width: null, height: null, storage_key: null, thumbnail_key: null, thumbnail_bytes: null, latitude: null, longitude: null, stored_at: null, purged_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const original = attachmentKey(caseId, row.id, 'original', 'jpg');
  const thumbnail = attachmentKey(caseId, row.id, 'thumbnail', 'jpg');
  await store.put(original, image, 'image/jpeg');
  await store.put(thumbnail, image, 'image/jpeg');
  await db
    .updateTable('message_attachments')
    .set({
      status: 'stored',
      content_type: 'image/jpeg',
      bytes: image.length,
      width: 40,
      height: 30,
      storage_key: original,
      thumbnail_key: thumbnail,
      thumbnail_bytes: image.length,
      latitude: options.location?.latitude ?? null,
      longitude: options.location?.longitude ?? null,
      stored_at: new Date(),
    })
    .where('id', '=', row.id)
    .execute();
  return { attachmentId: row.id, keys: [original, thumbnail] };
}
