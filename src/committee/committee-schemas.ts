import { Type } from 'typebox';
import { DateTime, Id, Nullable, OneOf } from '../http/api-schemas.js';
import { CASE_CHANNELS } from '../domain/channel.js';
import { CASE_STATUSES } from '../cases/case.table.js';
import { FINDINGS, REFERRAL_STATUSES, type CommitteeReferral } from './referral.table.js';
import type { CaseReferralRow, CommitteeReferralDetail as CommitteeDetailRow, CommitteeListRow } from './referrals.js';

const FINDING_DESCRIPTION = 'correction (시정권고), improvement (제도개선 권고), opinion (의견표명), dismissed (기각)';

/** A referral as staff who can read the case see it (the department, managers). */
export const ReferralSchema = Type.Object(
  {
    id: Id,
    caseId: Id,
    status: OneOf(REFERRAL_STATUSES, 'referred (before the committee), reviewed (finding recorded), withdrawn'),
    reason: Type.String({ description: "the manager's reason for referring ('' once retention purged the case)" }),
    referredBy: Type.Integer(),
    referredByName: Nullable(Type.String()),
    referredAt: DateTime,
    finding: Nullable(OneOf(FINDINGS, FINDING_DESCRIPTION)),
    opinion: Nullable(Type.String({ description: "the committee's opinion, to answer the resident with" })),
    reviewedAt: Nullable(DateTime),
    withdrawnAt: Nullable(DateTime),
    answeredAt: Nullable(DateTime),
  },
  { additionalProperties: false },
);

export const ReferralListSchema = Type.Object({ items: Type.Array(ReferralSchema, { description: 'oldest first' }) }, { additionalProperties: false });

export function referralView(r: CommitteeReferral & { referred_by_name?: string | null }) {
  return {
    id: r.id,
    caseId: r.case_id,
    status: r.status,
    reason: r.reason,
    referredBy: r.referred_by,
    referredByName: r.referred_by_name ?? null,
    referredAt: r.referred_at.toISOString(),
    finding: r.finding,
    opinion: r.opinion,
    reviewedAt: r.reviewed_at?.toISOString() ?? null,
    withdrawnAt: r.withdrawn_at?.toISOString() ?? null,
    answeredAt: r.answered_at?.toISOString() ?? null,
  };
}

export const caseReferralView = (r: CaseReferralRow) => referralView(r);

/** What identifies a referred case for the committee: no resident's words or contact. */
const CaseSummary = {
  caseId: Id,
  caseNumber: Type.String(),
  channel: OneOf(CASE_CHANNELS),
  receivedAt: DateTime,
  department: Nullable(Type.String()),
  caseStatus: OneOf(CASE_STATUSES),
};

export const CommitteeListSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Id,
          status: OneOf(['referred', 'reviewed']),
          referredAt: DateTime,
          finding: Nullable(OneOf(FINDINGS, FINDING_DESCRIPTION)),
          reviewedAt: Nullable(DateTime),
          answeredAt: Nullable(DateTime),
          ...CaseSummary,
        },
        { additionalProperties: false },
      ),
      { description: 'open referrals first, then reviewed ones; newest first within each' },
    ),
  },
  { additionalProperties: false },
);

export function committeeListView(r: CommitteeListRow) {
  return {
    id: r.id,
    status: r.status as 'referred' | 'reviewed',
    referredAt: r.referred_at.toISOString(),
    finding: r.finding,
    reviewedAt: r.reviewed_at?.toISOString() ?? null,
    answeredAt: r.answered_at?.toISOString() ?? null,
    caseId: r.case_id,
    caseNumber: r.case_number,
    channel: r.channel,
    receivedAt: r.received_at.toISOString(),
    department: r.department_code,
    caseStatus: r.case_status,
  };
}

export const CommitteeDetailSchema = Type.Object(
  {
    id: Id,
    status: OneOf(['referred', 'reviewed']),
    reason: Type.String({ description: "the manager's reason for referring" }),
    referredAt: DateTime,
    finding: Nullable(OneOf(FINDINGS, FINDING_DESCRIPTION)),
    opinion: Nullable(Type.String()),
    reviewedAt: Nullable(DateTime),
    answeredAt: Nullable(DateTime),
    ...CaseSummary,
    purgedAt: Nullable(DateTime),
    messages: Type.Array(
      Type.Object({ id: Id, text: Type.String(), createdAt: DateTime }, { additionalProperties: false }),
      { description: "the resident's own messages of this case, oldest first (no answers, notes or contact)" },
    ),
  },
  { additionalProperties: false },
);

export function committeeDetailView(r: CommitteeDetailRow) {
  return {
    id: r.id,
    status: r.status as 'referred' | 'reviewed',
    reason: r.reason,
    referredAt: r.referred_at.toISOString(),
    finding: r.finding,
    opinion: r.opinion,
    reviewedAt: r.reviewed_at?.toISOString() ?? null,
    answeredAt: r.answered_at?.toISOString() ?? null,
    caseId: r.case_id,
    caseNumber: r.case_number,
    channel: r.channel,
    receivedAt: r.received_at.toISOString(),
    department: r.department_code,
    caseStatus: r.case_status,
    purgedAt: r.purged_at?.toISOString() ?? null,
    messages: r.messages.map((m) => ({ id: m.id, text: m.text, createdAt: m.created_at.toISOString() })),
  };
}
