// Cases for tests that need them in a given state, made by intake and then "routed" by
// writing the database (no workers).
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/database.js';
import { acceptResidentMessage } from './accept-message.js';
import { hashToken } from '../../src/staff/tokens.js';
import type { CaseStatus } from '../../src/cases/case.table.js';

let phoneSeq = 0;
/** A distinct Korean mobile number per call. */
export function newPhone(): string {
  phoneSeq += 1;
  return `+821055${String(phoneSeq).padStart(6, '0')}`;
}

export async function makeCase(
  db: Db,
  options: { department?: string | null; status?: CaseStatus; phone?: string; text?: string; closedAt?: Date } = {},
): Promise<{ caseId: number; messageId: number; phone: string; residentId: number }> {
  const phone = options.phone ?? newPhone();
  const accepted = await acceptResidentMessage(
    db,
    {
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: `SM${randomBytes(16).toString('hex')}`,
      from: { kind: 'phone', phone },
      text: options.text ?? '보도블록이 깨졌어요',
      raw: { Body: options.text ?? '보도블록이 깨졌어요', From: phone },
    },
    { threadWindowMinutes: 0 },
  );
  const department = options.department === undefined ? 'ROAD' : options.department;
  const status = options.status ?? (department === null ? 'received' : 'assigned');
  const category =
    department === null
      ? null
      : (await db.selectFrom('departments').select('category_code').where('code', '=', department).executeTakeFirstOrThrow()).category_code;
  const row = await db
    .updateTable('cases')
    .set({
      department_code: department,
      category_code: category,
      status,
      ...(status === 'closed' ? { closed_at: options.closedAt ?? new Date(), disposition_code: 'resolved' } : {}),
    })
    .where('id', '=', accepted.caseId)
    .returning('resident_id')
    .executeTakeFirstOrThrow();
  return { caseId: accepted.caseId, messageId: accepted.messageId, phone, residentId: row.resident_id };
}

export async function staffIdOf(db: Db, token: string): Promise<number> {
  const row = await db.selectFrom('staff').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  return row.id;
}

/** A KakaoTalk resident's cases (by their user key), oldest first: what a test looks up after talking to the skill. */
export function casesOfKakaoResident(db: Db, userKey: string): Promise<{ id: number; case_number: string }[]> {
  return db
    .selectFrom('cases')
    .innerJoin('residents', 'residents.id', 'cases.resident_id')
    .select(['cases.id', 'cases.case_number'])
    .where('residents.kakao_user_key', '=', userKey)
    .orderBy('cases.id')
    .execute();
}

/** A case waiting in triage (AUDIT): the router was unsure, with ROAD (0.34) and CLEAN (0.12) as its candidates. */
export async function makeLowConfidenceCase(db: Db, text = '동네 골목길에 밤마다 너무 어두워서 무서워요'): Promise<{ caseId: number }> {
  const made = await makeCase(db, { department: 'AUDIT', text });
  await db
    .updateTable('cases')
    .set({
      routing: JSON.stringify({
        router: 'classifier', confidence: 0.34, reasons: ['어둡'], category: 'other', department: 'AUDIT', triage: 'low_confidence',
        candidates: [{ department: 'ROAD', category: 'roads', score: 0.34 }, { department: 'CLEAN', category: 'cleaning_env', score: 0.12 }],
      }),
    })
    .where('id', '=', made.caseId)
    .execute();
  return { caseId: made.caseId };
}
