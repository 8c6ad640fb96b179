import type { ColumnType } from 'kysely';

/** The daily digest of one department: counts only, no case content. */
export interface DepartmentDigestTable {
  /** Seoul date, YYYY-MM-DD. */
  day: ColumnType<string, string, never>;
  department_code: string;
  open: number;
  overdue: number;
  due_today: number;
  received_yesterday: number;
  closed_yesterday: number;
  created_at: ColumnType<Date, Date | undefined, Date>;
}
