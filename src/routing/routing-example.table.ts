import type { ColumnType, Generated, Selectable } from 'kysely';

export type ExampleKind = 'complaint' | 'proposal' | 'question' | 'thanks' | 'spam';
export type ExampleSource = 'builtin' | 'file' | 'correction';

export interface RoutingExampleTable {
  id: Generated<number>;
  text: string;
  department_code: string;
  kind: ExampleKind;
  source: ExampleSource;
  /** For a correction: the case that was reassigned. */
  case_id: number | null;
  /** For a correction: who reassigned it. */
  staff_id: number | null;
  /** For a correction: why, as the staff member wrote it (blanked by retention). */
  reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  withdrawn_at: Date | null;
  withdrawn_by: number | null;
}

export type RoutingExample = Selectable<RoutingExampleTable>;
