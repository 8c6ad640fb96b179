import type { ColumnType, Generated, Selectable } from 'kysely';

/** A staff member's internal note on a case: for colleagues only, never sent to the resident. */
export interface CaseNoteTable {
  id: Generated<number>;
  case_id: number;
  staff_id: number;
  /** Blanked by retention together with the case's messages. */
  text: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type CaseNote = Selectable<CaseNoteTable>;
