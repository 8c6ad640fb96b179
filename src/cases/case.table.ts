import type { ColumnType, Generated, Selectable } from 'kysely';

export const CASE_STATUSES = ['received', 'assigned', 'answered', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CHANNELS = ['sms', 'kakao'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface RoutingRecord {
  router: string;
  confidence: number;
  reasons: string[];
  category: string;
  department: string;
  kind?: 'complaint' | 'thanks' | 'spam';
  /** Best departments first, for the triage officer. */
  candidates?: { department: string; category: string; score: number }[];
  /** Why the case went to triage instead of the department the router preferred. */
  triage?: 'low_confidence' | 'spam';
  /** What the router suggests closing with (spam and abuse: 'exception'); staff decide. */
  suggestedDisposition?: string;
}

export interface CaseTable {
  id: Generated<number>;
  case_number: string;
  channel: Channel;
  status: CaseStatus;
  category_code: string | null;
  department_code: string | null;
  disposition_code: string | null;
  resident_id: number;
  routing: ColumnType<RoutingRecord | null, string | null, string | null>;
  kind: 'complaint' | 'thanks' | 'spam' | null;
  received_at: ColumnType<Date, Date | undefined, never>;
  /** Time of the resident's latest message; threading compares against it. */
  last_resident_message_at: ColumnType<Date, Date | undefined, Date>;
  routed_at: Date | null;
  answered_at: Date | null;
  closed_at: Date | null;
  /** Retention: when the case's text and the resident's contact details were removed. */
  purged_at: Date | null;
}

export type Case = Selectable<CaseTable>;
