import type { ColumnType, Generated, Selectable } from 'kysely';

export const ATTACHMENT_STATUSES = ['pending', 'stored', 'refused'] as const;
export type AttachmentStatus = (typeof ATTACHMENT_STATUSES)[number];

/** A file a resident sent with a message (docs/photos.md). */
export interface MessageAttachmentTable {
  id: Generated<number>;
  message_id: number;
  case_id: number;
  position: number;
  /** kakao, twilio, or a gateway's name: how the file is fetched. */
  provider: string;
  /** Where to fetch it; null once fetched, refused or purged. Personal data: never logged. */
  source_url: string | null;
  declared_type: string | null;
  status: Generated<AttachmentStatus>;
  /** Why it was refused (for staff, Korean), or null. */
  note: string | null;
  /** The type read from the bytes (file-type). */
  content_type: string | null;
  bytes: ColumnType<number | null, number | null, number | null>;
  width: number | null;
  height: number | null;
  storage_key: string | null;
  thumbnail_key: string | null;
  thumbnail_bytes: ColumnType<number | null, number | null, number | null>;
  latitude: number | null;
  longitude: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  stored_at: Date | null;
  purged_at: Date | null;
}

export type MessageAttachment = Selectable<MessageAttachmentTable>;
