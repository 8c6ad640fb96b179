import { Type } from 'typebox';
import { DateTime, Id, Nullable, OneOf } from '../http/api-schemas.js';
import { ATTACHMENT_STATUSES, type MessageAttachment } from './attachment.table.js';

/** A point on a map staff can open (Kakao Map, which the district's staff use). */
export function mapLink(latitude: number, longitude: number): string {
  return `https://map.kakao.com/link/map/${encodeURIComponent('사진 촬영 위치')},${latitude.toFixed(6)},${longitude.toFixed(6)}`;
}

export const LocationSchema = Type.Object(
  {
    latitude: Type.Number(),
    longitude: Type.Number(),
    mapUrl: Type.String({ description: 'the point on Kakao Map' }),
  },
  { additionalProperties: false },
);

export const AttachmentSchema = Type.Object(
  {
    id: Id,
    status: OneOf(ATTACHMENT_STATUSES, 'pending: not fetched yet; stored: kept, open it with fileUrl; refused: not kept, see note'),
    contentType: Nullable(Type.String({ description: 'read from the bytes, not what the provider declared' })),
    bytes: Nullable(Type.Integer({ minimum: 0, description: 'size of the kept copy (metadata removed)' })),
    width: Nullable(Type.Integer({ minimum: 0 })),
    height: Nullable(Type.Integer({ minimum: 0 })),
    note: Nullable(Type.String({ description: 'why it was not kept, for staff (Korean)' })),
    location: Nullable(LocationSchema),
    fileUrl: Nullable(Type.String({ description: 'the kept copy, through the staff API (same scope and audit as the case)' })),
    thumbnailUrl: Nullable(Type.String()),
    createdAt: DateTime,
    storedAt: Nullable(DateTime),
  },
  { additionalProperties: false },
);

/** Where staff open an attachment: `base` is /api or /console. */
export function attachmentUrl(base: string, a: Pick<MessageAttachment, 'id' | 'case_id'>, size: 'original' | 'thumbnail'): string {
  return `${base}/cases/${a.case_id}/attachments/${a.id}${size === 'thumbnail' ? '?size=thumbnail' : ''}`;
}

export function isAvailable(a: MessageAttachment): boolean {
  return a.status === 'stored' && a.purged_at === null && a.storage_key !== null;
}

export function attachmentView(a: MessageAttachment, base = '/api') {
  const available = isAvailable(a);
  return {
    id: a.id,
    status: a.status,
    contentType: a.content_type,
    bytes: a.bytes === null ? null : Number(a.bytes),
    width: a.width,
    height: a.height,
    note: a.note,
    location: a.latitude !== null && a.longitude !== null ? { latitude: a.latitude, longitude: a.longitude, mapUrl: mapLink(a.latitude, a.longitude) } : null,
    fileUrl: available ? attachmentUrl(base, a, 'original') : null,
    thumbnailUrl: available && a.thumbnail_key !== null ? attachmentUrl(base, a, 'thumbnail') : null,
    createdAt: a.created_at.toISOString(),
    storedAt: a.stored_at?.toISOString() ?? null,
  };
}

/** The case's location for staff: where its first located photo was taken. */
export function caseLocation(attachments: MessageAttachment[]) {
  const first = attachments.find((a) => a.latitude !== null && a.longitude !== null);
  return first ? { latitude: first.latitude!, longitude: first.longitude!, mapUrl: mapLink(first.latitude!, first.longitude!), attachmentId: first.id } : null;
}
