import type { Db } from '../db/database.js';
import type { AttachmentsConfig } from '../config/config.js';
import type { AttachmentStore } from './storage.js';
import { attachmentKey } from './storage.js';
import { basicAuth, fetchMedia } from './fetch-media.js';
import { processImage } from './process-image.js';
import { refuseAttachment } from './attachment-repository.js';
import { hostAllowed } from './media-references.js';

export interface AttachmentDeps {
  db: Db;
  store: AttachmentStore;
  config: AttachmentsConfig;
}

/** What became of one attempt; `retry` means try again later (the worker throws, BullMQ backs off). */
export type AttachmentOutcome =
  | { outcome: 'stored' | 'refused' | 'skipped'; reason?: string }
  | { outcome: 'retry'; reason: string };

/** Twilio's media sit behind the account's credentials; Kakao's and gateways' URLs carry their own key. */
function authorizationFor(provider: string, url: string, config: AttachmentsConfig): string | null {
  if (provider !== 'twilio' || config.twilioAuth === null) return null;
  const apiHost = new URL(config.twilioApiBaseUrl).hostname;
  return hostAllowed(new URL(url).hostname, [apiHost, 'twilio.com']) ? basicAuth(config.twilioAuth.user, config.twilioAuth.password) : null;
}

/**
 * Fetches, checks and keeps one attachment (docs/photos.md). Every way it can go wrong ends
 * as a note on the attachment, which staff see with the message: too large, not an image, a
 * decompression bomb, sent to another host, or still unreachable after the last try
 * (`finalAttempt`). Only a passing failure (a timeout, a 5xx) before the last try asks for a retry.
 */
export async function storeAttachment(deps: AttachmentDeps, attachmentId: number, finalAttempt: boolean): Promise<AttachmentOutcome> {
  const { db, store, config } = deps;
  const row = await db.selectFrom('message_attachments').selectAll().where('id', '=', attachmentId).executeTakeFirst();
  if (!row || row.status !== 'pending') return { outcome: 'skipped' };
  if (row.source_url === null) {
    await refuseAttachment(db, row.id, '사진 주소가 없어 받지 못했습니다.');
    return { outcome: 'refused', reason: 'no address' };
  }
  const fetched = await fetchMedia(row.source_url, {
    maxBytes: config.maxBytes,
    timeoutMs: config.fetchTimeoutMs,
    redirectHosts: config.redirectHosts,
    authorization: authorizationFor(row.provider, row.source_url, config),
  });
  if (!fetched.ok) {
    if (!fetched.permanent && !finalAttempt) return { outcome: 'retry', reason: fetched.reason };
    const note = fetched.permanent ? fetched.note : `${fetched.note} ${config.attempts}번 시도했지만 받지 못했습니다.`;
    await refuseAttachment(db, row.id, note);
    return { outcome: 'refused', reason: fetched.reason };
  }
  const processed = await processImage(fetched.bytes, config.maxPixels);
  if (!processed.ok) {
    await refuseAttachment(db, row.id, processed.note, processed.detectedType);
    return { outcome: 'refused', reason: processed.reason };
  }
  const originalKey = attachmentKey(row.case_id, row.id, 'original', processed.stored.extension);
  const thumbnailKey = attachmentKey(row.case_id, row.id, 'thumbnail', 'jpg');
  await store.put(originalKey, processed.stored.bytes, processed.stored.contentType);
  await store.put(thumbnailKey, processed.thumbnail.bytes, processed.thumbnail.contentType);
  const updated = await db
    .updateTable('message_attachments')
    .set({
      status: 'stored',
      note: null,
      source_url: null,
      content_type: processed.stored.contentType,
      bytes: processed.stored.bytes.length,
      width: processed.stored.width,
      height: processed.stored.height,
      storage_key: originalKey,
      thumbnail_key: thumbnailKey,
      thumbnail_bytes: processed.thumbnail.bytes.length,
      latitude: processed.location?.latitude ?? null,
      longitude: processed.location?.longitude ?? null,
      stored_at: new Date(),
    })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .where('purged_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    // Purged or handled meanwhile: the files are not kept.
    await Promise.all([store.delete(originalKey), store.delete(thumbnailKey)]);
    return { outcome: 'skipped' };
  }
  return { outcome: 'stored' };
}
