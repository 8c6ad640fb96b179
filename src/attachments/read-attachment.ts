import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import { findCaseWithResident } from '../cases/case-queries.js';
import { canReachCase } from '../staff/policy.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { NotFound } from '../domain/errors.js';
import type { AttachmentStore } from './storage.js';
import { findAttachment } from './attachment-repository.js';
import { isAvailable } from './attachment-view.js';

export interface AttachmentFile {
  bytes: Buffer;
  contentType: string;
}

/**
 * One kept photo for a staff member, for the staff API and the console alike: the same case
 * scope as the case's text (outside it, or not kept, looks like a missing case) and an audit
 * entry per file opened.
 */
export async function readCaseAttachment(
  db: Db,
  store: AttachmentStore,
  staff: Staff,
  actor: Actor,
  caseId: number,
  attachmentId: number,
  size: 'original' | 'thumbnail',
): Promise<AttachmentFile> {
  const theCase = await findCaseWithResident(db, caseId);
  if (!theCase || !canReachCase(staff, 'cases:read', theCase)) throw new NotFound(`case ${caseId} not found`);
  const attachment = await findAttachment(db, caseId, attachmentId);
  if (!attachment || !isAvailable(attachment)) throw new NotFound(`attachment ${attachmentId} not found`);
  const key = size === 'thumbnail' ? attachment.thumbnail_key : attachment.storage_key;
  const bytes = key === null ? null : await store.get(key);
  if (bytes === null) throw new NotFound(`attachment ${attachmentId} not found`);
  await recordAudit(db, actor, 'case.attachment_read', [caseId], { attachmentId, size });
  return { bytes, contentType: size === 'thumbnail' ? 'image/jpeg' : (attachment.content_type ?? 'application/octet-stream') };
}
