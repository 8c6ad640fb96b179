import type { ColumnType, Generated, Selectable } from 'kysely';

export type CaseEventType =
  | 'received'
  | 'message_added'
  | 'routed'
  | 'assigned'
  | 'replied'
  | 'closed'
  | 'delivery_failed'
  | 'answer_pulled'
  | 'delivery_retried'
  | 'deadline_extended'
  | 'interim_notice'
  /** data: { noteId } only; the text stays in case_notes. */
  | 'note_added'
  /** The grievance committee (src/committee): data { referralId } (and { finding, messageId, notified } once reviewed). */
  | 'committee_referred'
  | 'committee_reviewed'
  | 'committee_withdrawn'
  /** data: { messageId, appended }: the satisfaction question went out (src/satisfaction/). */
  | 'satisfaction_asked'
  /** data: { messageId, score, recorded }: the resident's reply; recorded false for a second one. */
  | 'satisfaction'
  /** The mayor's sessions (src/mayor-sessions): ids, codes and dates only. */
  | 'ondate_opt_in'
  | 'ondate_decided'
  | 'visit_requested'
  | 'visit_scheduled'
  | 'visit_outcome'
  | 'visit_linked';

export interface CaseEventTable {
  id: Generated<number>;
  case_id: number;
  type: CaseEventType;
  /** Staff member who acted; null for the system. */
  staff_id: number | null;
  data: ColumnType<Record<string, unknown>, string, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type CaseEvent = Selectable<CaseEventTable>;
