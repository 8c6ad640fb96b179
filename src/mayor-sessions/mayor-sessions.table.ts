import type { ColumnType, Generated, Selectable } from 'kysely';

export const ONDATE_STATUSES = ['volunteered', 'chosen', 'not_chosen'] as const;
export type OndateStatus = (typeof ONDATE_STATUSES)[number];
export const ONDATE_MODES = ['video', 'phone'] as const;
export type OndateMode = (typeof ONDATE_MODES)[number];

/** 온데이트: a resident who replied '온데이트', on their latest case; one a resident a month. */
export interface OndateVolunteerTable {
  id: Generated<number>;
  case_id: number;
  resident_id: number;
  /** The Seoul month of the reply, YYYY-MM: the session they volunteered for. */
  month: string;
  /** The reply itself (a resident message on the case). */
  message_id: number | null;
  opted_in_at: ColumnType<Date, Date | undefined, never>;
  status: ColumnType<OndateStatus, OndateStatus | undefined, OndateStatus>;
  /** Chosen: when the mayor calls, and how. */
  session_at: Date | null;
  mode: OndateMode | null;
  decided_by: number | null;
  decided_at: Date | null;
  /** The notice telling them (chosen or not), an outbound message on the case. */
  notice_message_id: number | null;
}

export const VISIT_STATUSES = ['requested', 'scheduled', 'met', 'no_show'] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];

/** 찾아가는 구청장실: one session, at a place and time. */
export interface MayorVisitSessionTable {
  id: Generated<number>;
  starts_at: Date;
  /** A public venue (주민센터, 구청 회의실): office configuration, not a resident's words. */
  place: string;
  created_by: number;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** A resident's application to meet the mayor: its case is the application (homepage form, `web`; KakaoTalk, `kakao`). */
export interface MayorVisitRequestTable {
  id: Generated<number>;
  case_id: number;
  resident_id: number;
  status: ColumnType<VisitStatus, VisitStatus | undefined, VisitStatus>;
  session_id: number | null;
  scheduled_by: number | null;
  scheduled_at: Date | null;
  notice_message_id: number | null;
  /** How the meeting went, as staff wrote it: may quote the resident, so purged with the case. */
  outcome_note: string | null;
  /** The case the meeting opened or joined. */
  outcome_case_id: number | null;
  outcome_by: number | null;
  outcome_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type OndateVolunteer = Selectable<OndateVolunteerTable>;
export type MayorVisitSession = Selectable<MayorVisitSessionTable>;
export type MayorVisitRequest = Selectable<MayorVisitRequestTable>;
