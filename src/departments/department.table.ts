import type { ColumnType, Selectable } from 'kysely';

export interface CategoryTable {
  code: string;
  label: string;
  position: number;
}

export interface DispositionTable {
  code: string;
  label: string;
  meaning: string;
  position: number;
}

export interface DepartmentTable {
  code: string;
  name: string;
  category_code: string;
  duties: string;
  /** Routing terms, as loaded from the departments file. */
  keywords: ColumnType<string[], string, string>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Department = Selectable<DepartmentTable>;
