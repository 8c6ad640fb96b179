import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CaseChannel } from '../domain/channel.js';

export const CASE_STATUSES = ['received', 'assigned', 'answered', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface RoutingRecord {
  router: string;
  confidence: number;
  reasons: string[];
  category: string;
  department: string;
  kind?: 'complaint' | 'proposal' | 'question' | 'thanks' | 'spam';
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
  channel: CaseChannel;
  status: CaseStatus;
  category_code: string | null;
  department_code: string | null;
  disposition_code: string | null;
  resident_id: number;
  routing: ColumnType<RoutingRecord | null, string | null, string | null>;
  kind: 'complaint' | 'proposal' | 'question' | 'thanks' | 'spam' | null;
  received_at: ColumnType<Date, Date | undefined, never>;
  /** Time of the resident's latest message; threading compares against it. */
  last_resident_message_at: ColumnType<Date, Date | undefined, Date>;
  routed_at: Date | null;
  answered_at: Date | null;
  closed_at: Date | null;
  /** Retention: when the case's text and the resident's contact details were removed. */
  purged_at: Date | null;
  /** Working days the case was given (DEADLINE_RULES), and when it falls due (extension included). */
  deadline_days: number | null;
  due_at: Date | null;
  /** When the interim notice is due, and when it was sent (at most once). */
  notice_due_at: Date | null;
  interim_notice_at: Date | null;
  /** The one extension allowed. */
  extended_at: Date | null;
  extension_days: number | null;
  extension_reason: string | null;
}

export type Case = Selectable<CaseTable>;
