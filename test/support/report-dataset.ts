// A small month of cases whose report figures are worked out by hand in test/reports.test.ts.
import type { Db } from '../../src/db/database.js';
import type { CaseChannel } from '../../src/domain/channel.js';

/** A Seoul wall-clock time as an instant. */
export const kst = (text: string) => new Date(`${text}:00+09:00`);

export interface SeedCase {
  key: string;
  received: string;
  channel: CaseChannel;
  category: string | null;
  department: string | null;
  closed?: string;
  disposition?: string;
  answered?: string;
  due?: string;
}

/**
 * October 2026 (31 days), Seoul time. B was received the evening before and I at the first
 * instant after the month; A one minute after it began and D one minute before it ended.
 */
export const OCTOBER: SeedCase[] = [
  { key: 'A', received: '2026-10-01T00:30', channel: 'sms', category: 'roads', department: 'ROAD', closed: '2026-10-03T00:30', disposition: 'resolved', answered: '2026-10-02T10:00', due: '2026-10-12T18:00' },
  { key: 'B', received: '2026-09-30T23:30', channel: 'kakao', category: 'traffic', department: 'TRAFFIC', closed: '2026-10-02T11:30', disposition: 'scheduled', answered: '2026-10-02T11:30', due: '2026-10-12T18:00' },
  { key: 'C', received: '2026-10-15T10:00', channel: 'visit', category: 'welfare', department: 'WELFARE', closed: '2026-10-20T10:00', disposition: 'explained', answered: '2026-10-20T10:00', due: '2026-10-23T18:00' },
  { key: 'D', received: '2026-10-31T23:59', channel: 'web', category: 'roads', department: 'ROAD', due: '2026-11-10T18:00' },
  { key: 'E', received: '2026-10-05T09:00', channel: 'sms', category: 'cleaning_env', department: 'CLEAN', answered: '2026-10-06T09:00', due: '2026-10-13T18:00' },
  { key: 'F', received: '2026-10-10T12:00', channel: 'kakao', category: null, department: null },
  { key: 'G', received: '2026-10-20T09:00', channel: 'kakao', category: 'other', department: 'AUDIT', closed: '2026-11-02T09:00', disposition: 'thanks', answered: '2026-11-02T09:00', due: '2026-10-28T18:00' },
  { key: 'H', received: '2026-10-07T09:00', channel: 'sms', category: 'roads', department: 'ROAD', closed: '2026-10-17T09:00', disposition: 'resolved', answered: '2026-10-16T09:00', due: '2026-10-15T18:00' },
  { key: 'I', received: '2026-11-01T00:00', channel: 'sms', category: 'roads', department: 'ROAD' },
];

/** Inserts the cases as they would stand after being handled; returns case numbers by key. */
export async function seedCases(db: Db, cases: SeedCase[], prefix: string): Promise<Record<string, string>> {
  const numbers: Record<string, string> = {};
  for (const [i, c] of cases.entries()) {
    const resident = await db.insertInto('residents').defaultValues().returning('id').executeTakeFirstOrThrow();
    const caseNumber = `${prefix}-${String(i + 1).padStart(6, '0')}`;
    numbers[c.key] = caseNumber;
    await db
      .insertInto('cases')
      .values({
        case_number: caseNumber,
        channel: c.channel,
        status: c.closed ? 'closed' : c.answered ? 'answered' : c.department ? 'assigned' : 'received',
        category_code: c.category,
        department_code: c.department,
        disposition_code: c.disposition ?? null,
        resident_id: resident.id,
        kind: c.category ? 'complaint' : null,
        received_at: kst(c.received),
        last_resident_message_at: kst(c.received),
        answered_at: c.answered ? kst(c.answered) : null,
        closed_at: c.closed ? kst(c.closed) : null,
        due_at: c.due ? kst(c.due) : null,
        deadline_days: c.due ? 7 : null,
      })
      .execute();
  }
  return numbers;
}
