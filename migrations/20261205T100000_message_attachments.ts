// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';
import { applySqlFunctions } from '../src/db/sql-functions.js';

/*
 * Residents' photos (docs/photos.md). A webhook never downloads a file: it stores what the
 * provider said about it (the media references) in the inbox row, in the same statement as the
 * message, and answers at once. Filing the message into its case (store_inbound_message.sql)
 * turns each reference into a message_attachments row in the same transaction as the message;
 * the attachments worker then fetches, checks and stores each one, and the row says how that
 * went: pending, stored, or refused with a note for staff.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table inbound_messages add column media jsonb not null default '[]'::jsonb`.execute(db);
  await sql`
    create table message_attachments (
      id bigint generated always as identity primary key,
      message_id bigint not null references messages (id) on delete cascade,
      case_id bigint not null references cases (id) on delete cascade,
      position integer not null,
      -- Who carries the file: kakao, twilio, or a gateway's name (how it is fetched).
      provider text not null,
      -- Where to fetch it; null once fetched, refused or purged (a Kakao secure URL is a key to the photo).
      source_url text,
      declared_type text,
      status text not null default 'pending' check (status in ('pending', 'stored', 'refused')),
      note text,
      -- What the bytes are (file-type), not what the provider declared.
      content_type text,
      bytes bigint,
      width integer,
      height integer,
      storage_key text,
      thumbnail_key text,
      thumbnail_bytes bigint,
      -- Where the photo was taken (EXIF GPS), kept for staff; the stored copy has no metadata.
      latitude double precision,
      longitude double precision,
      created_at timestamptz not null default now(),
      stored_at timestamptz,
      purged_at timestamptz,
      unique (message_id, position)
    )
  `.execute(db);
  await sql`create index message_attachments_case_idx on message_attachments (case_id)`.execute(db);
  await sql`create index message_attachments_pending_idx on message_attachments (id) where status = 'pending'`.execute(db);
  // What /metrics sums (the bytes kept in the store): read from this index alone.
  await sql`
    create index message_attachments_kept_bytes_idx on message_attachments (id) include (bytes, thumbnail_bytes)
    where storage_key is not null
  `.execute(db);
  await applySqlFunctions(db, ['store_inbound_message']);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table message_attachments`.execute(db);
  await sql`alter table inbound_messages drop column media`.execute(db);
}
