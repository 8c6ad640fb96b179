// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';
import { applySqlFunctions } from '../src/db/sql-functions.js';

/*
 * A 찾아가는 구청장실 application filed by KakaoTalk is a case of its own and takes no
 * follow-ups. Threading (open_case_of_sender at the webhook, accept_resident_message when
 * filing) now skips a case a visit request names, so the resident's next message goes to their
 * petition or opens one. Applications filed before this had their thread-window time set to
 * 1970 to the same end; it is put back to when they were received.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await applySqlFunctions(db, ['open_case_of_sender', 'accept_resident_message']);
  await sql`
    update cases c set last_resident_message_at = c.received_at
     where c.last_resident_message_at = 'epoch'::timestamptz
       and exists (select 1 from mayor_visit_requests v where v.case_id = c.id)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(_db: Kysely<any>): Promise<void> {
  // Nothing to undo: the functions' files are their current version, and the times are true ones.
}
