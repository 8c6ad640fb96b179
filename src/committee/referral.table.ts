import type { ColumnType, Generated, Selectable } from 'kysely';

export const REFERRAL_STATUSES = ['referred', 'reviewed', 'withdrawn'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * What the committee concluded (the usual outcomes of a grievance committee): 시정권고
 * `correction`, 제도개선 권고 `improvement`, 의견표명 `opinion`, 기각 `dismissed`.
 */
export const FINDINGS = ['correction', 'improvement', 'opinion', 'dismissed'] as const;
export type Finding = (typeof FINDINGS)[number];

/** A case referred to the grievance committee (구민고충처리위원회) and what it found. */
export interface CommitteeReferralTable {
  id: Generated<number>;
  case_id: number;
  status: ColumnType<ReferralStatus, ReferralStatus | undefined, ReferralStatus>;
  /** The manager's reason for referring: free text about the case, blanked by retention. */
  reason: string;
  referred_by: number;
  referred_at: ColumnType<Date, Date | undefined, never>;
  finding: Finding | null;
  /** The committee's opinion: free text about the case, blanked (null) by retention. */
  opinion: string | null;
  reviewed_by: number | null;
  reviewed_at: Date | null;
  withdrawn_by: number | null;
  withdrawn_at: Date | null;
  /** When the department closed the case with the finding. */
  answered_at: Date | null;
}

export type CommitteeReferral = Selectable<CommitteeReferralTable>;
