import type { ColumnType, Generated, Selectable } from 'kysely';

/** What a staff member did to or saw of cases. Never message text or phone numbers. */
export type AuditAction =
  | 'cases.listed'
  | 'case.read'
  | 'case.replied'
  | 'case.closed'
  | 'case.assigned'
  | 'case.note_added'
  | 'case.resident_phone_read'
  | 'case.attachment_read'
  | 'resident.blocked'
  | 'resident.unblocked'
  | 'correction.withdrawn'
  | 'dead_letter.retried'
  | 'audit.read'
  /** The grievance committee (src/committee): detail names the referral (and the finding code), never its text. */
  | 'committee.referred'
  | 'committee.withdrawn'
  | 'committee.listed'
  | 'committee.read'
  | 'committee.finding_recorded'
  | 'ondate.listed'
  | 'ondate.decided'
  | 'visits.listed'
  | 'visit.session_created'
  | 'visit.scheduled'
  | 'visit.outcome_recorded'
  | 'notice.drafted'
  | 'notice.approved'
  | 'notice.cancelled'
  | 'notice_consents.imported';

export interface AuditLogTable {
  id: Generated<number>;
  staff_id: number;
  action: AuditAction;
  /** int8[]: pg hands these back as strings. */
  case_ids: ColumnType<(string | number)[], number[] | undefined, never>;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  ip: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type AuditEntry = Selectable<AuditLogTable>;
