import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import type { Case } from './case.table.js';
import type { StaffChannel } from '../domain/channel.js';
import { createCase, prepareCaseNumbers, addCaseEvent } from './case-repository.js';
import { insertMessage } from './message-repository.js';
import { upsertResidentByPhone } from '../residents/resident-repository.js';
import { normalizePhone } from '../residents/phone.js';
import { findActiveDepartment } from '../departments/department-repository.js';
import { setDeadlineIfMissing, type DeadlinePolicy } from '../deadlines/deadlines.js';
import { InvalidInput, NotAllowed } from '../domain/errors.js';
import { holidayYears } from '../deadlines/working-time.js';
import { seoulDate } from '../domain/seoul-time.js';

export interface CaseRegistration {
  channel: StaffChannel;
  text: string;
  /** The resident's phone, when they want answers by SMS. */
  phone?: string | undefined;
  /** Omitted: staff register into their own department; a manager's case goes to the router. */
  department?: string | undefined;
  kind?: 'complaint' | 'proposal' | undefined;
  /** When the office received it (a letter or a homepage post entered later); default now. */
  receivedAt?: string | undefined;
}

/**
 * Registers a case that came in at the counter or through the homepage, so that reports
 * cover every channel. With a department it is assigned at once and gets its deadline;
 * without one (managers only) the router classifies it like any other message.
 */
export async function registerCase(
  db: Db,
  staff: Staff,
  policy: DeadlinePolicy,
  input: CaseRegistration,
): Promise<{ theCase: Case; messageId: number; needsRouting: boolean }> {
  const text = input.text.trim();
  if (text === '') throw new InvalidInput('text_required', "the resident's request is required");
  const phone = input.phone === undefined || input.phone.trim() === '' ? null : normalizePhone(input.phone);
  if (input.phone !== undefined && input.phone.trim() !== '' && phone === null) {
    throw new InvalidInput('invalid_phone', 'the phone number is not a possible number');
  }
  const now = Date.now();
  const receivedAt = input.receivedAt === undefined ? new Date(now) : new Date(input.receivedAt);
  if (Number.isNaN(receivedAt.getTime()) || receivedAt.getTime() > now + 60_000) {
    throw new InvalidInput('invalid_date', 'receivedAt must not be in the future');
  }
  // Its deadline is counted in working days: nothing from before the holiday calendar starts
  // (a year after its end counts weekends only, see working-time.ts).
  if (Number(seoulDate(receivedAt).slice(0, 4)) < holidayYears()[0]!) {
    throw new InvalidInput('invalid_date', `receivedAt must fall in ${holidayYears()[0]} or later`);
  }
  const departmentCode = input.department ?? (staff.role === 'manager' ? null : staff.department_code);
  if (staff.role !== 'manager' && departmentCode !== staff.department_code) {
    throw new NotAllowed('staff register cases for their own department; a manager can register for any');
  }
  const department = departmentCode === null ? null : await findActiveDepartment(db, departmentCode);
  if (departmentCode !== null && !department) throw new InvalidInput('unknown_department', `no active department ${departmentCode}`);

  await prepareCaseNumbers(db, receivedAt);
  return db.transaction().execute(async (trx) => {
    const resident = phone
      ? await upsertResidentByPhone(trx, phone)
      : await trx.insertInto('residents').defaultValues().returningAll().executeTakeFirstOrThrow();
    const created = await createCase(trx, { channel: input.channel, residentId: resident.id, receivedAt });
    const message = await insertMessage(trx, {
      case_id: created.id,
      direction: 'in',
      kind: 'resident',
      channel: input.channel,
      text,
      provider: input.channel,
      staff_id: staff.id,
      created_at: receivedAt,
      // Already placed by staff: nothing for the router to do.
      routed_at: department ? new Date(now) : null,
    });
    await addCaseEvent(trx, created.id, 'received', { messageId: message.id, registeredBy: staff.id }, staff.id);
    if (department) {
      await trx
        .updateTable('cases')
        .set({
          department_code: department.code,
          category_code: department.category_code,
          kind: input.kind ?? 'complaint',
          status: 'assigned',
          routed_at: new Date(now),
        })
        .where('id', '=', created.id)
        .execute();
      await addCaseEvent(trx, created.id, 'assigned', { from: null, to: department.code }, staff.id);
      await setDeadlineIfMissing(trx, policy, created.id);
    } else if (input.kind) {
      await trx.updateTable('cases').set({ kind: input.kind }).where('id', '=', created.id).execute();
    }
    const theCase = await trx.selectFrom('cases').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    return { theCase, messageId: message.id, needsRouting: !department };
  });
}
