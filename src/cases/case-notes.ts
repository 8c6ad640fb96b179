import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import { addCaseEvent, findCaseForUpdate } from './case-repository.js';
import { canReachCase } from '../staff/policy.js';
import { recordAudit } from '../audit/audit-repository.js';
import { InvalidInput, NotFound, StateConflict } from '../domain/errors.js';

/** A note is a few paragraphs for colleagues, not a document. */
export const NOTE_MAX_CHARS = 2000;

/**
 * An internal note on a case, for the staff who can see the case. It is kept apart from
 * `messages`, which is what the outbound path sends, so nothing can carry it to the resident;
 * the `note_added` event names the note without copying its text. Retention blanks the text
 * with the case's messages, so a case already purged takes no new note.
 */
export async function addCaseNote(db: Db, staff: Staff, caseId: number, input: string, ip: string | null = null) {
  const text = input.trim();
  if (text === '') throw new InvalidInput('text_required', 'a note needs text');
  return db.transaction().execute(async (trx) => {
    // The lock also keeps the retention purge (which skips locked cases) from passing in between.
    const theCase = await findCaseForUpdate(trx, caseId);
    if (!theCase || !canReachCase(staff, 'cases:note', theCase)) throw new NotFound(`case ${caseId} not found`);
    if (theCase.purged_at !== null) throw new StateConflict('case_purged', 'the case was purged under the retention period and takes no new notes');
    const note = await trx
      .insertInto('case_notes')
      .values({ case_id: theCase.id, staff_id: staff.id, text })
      .returningAll()
      .executeTakeFirstOrThrow();
    await addCaseEvent(trx, theCase.id, 'note_added', { noteId: note.id }, staff.id);
    await recordAudit(trx, { staffId: staff.id, ip }, 'case.note_added', [theCase.id], { noteId: note.id });
    return note;
  });
}

/** A case's notes, oldest first, with their authors' names. */
export async function listCaseNotes(db: Db, caseId: number) {
  return db
    .selectFrom('case_notes')
    .leftJoin('staff', 'staff.id', 'case_notes.staff_id')
    .select(['case_notes.id', 'case_notes.staff_id', 'staff.name as staff_name', 'case_notes.text', 'case_notes.created_at'])
    .where('case_notes.case_id', '=', caseId)
    .orderBy('case_notes.id')
    .execute();
}

export function noteView(n: Awaited<ReturnType<typeof listCaseNotes>>[number]) {
  return { id: n.id, staffId: n.staff_id, staffName: n.staff_name, text: n.text, createdAt: n.created_at.toISOString() };
}
