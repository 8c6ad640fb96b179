import type { Db } from '../db/database.js';
import type { Staff } from '../staff/staff.table.js';
import type { Channel } from '../domain/channel.js';
import type { Case } from '../cases/case.table.js';
import type { CommitteeReferral, Finding } from './referral.table.js';
import { FINDINGS } from './referral.table.js';
import { addCaseEvent, findCaseForUpdate } from '../cases/case-repository.js';
import { addOutbound } from '../cases/case-actions.js';
import { canReachCase, committeeMaySee } from '../staff/policy.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { InvalidInput, NotFound, StateConflict } from '../domain/errors.js';
import { committeeNotice } from './committee-notice.js';

/** Why a manager refers a case: a paragraph for the committee. */
export const REFERRAL_REASON_MAX = 1000;
/** The committee's opinion: what the department answers the resident with. */
export const OPINION_MAX = 4000;

// The grievance committee (구민고충처리위원회). A manager refers an open case with a reason;
// committee members (role `committee`) see only referred cases, through the referral, and
// record a finding and opinion; the resident is told the committee reviewed their case; the
// department sees the finding on the case and answers with it (closing the case marks the
// referral answered). The audit log and case events name the referral by id, never its text.

function requireText(input: string, code: string, what: string, max: number): string {
  const text = input.trim();
  if (text === '') throw new InvalidInput(code, `${what} is required`);
  if ([...text].length > max) throw new InvalidInput(code, `${what} holds at most ${max} characters`);
  return text;
}

/** 위원회 회부: a manager refers an open case to the committee, one open referral at a time. */
export async function referCase(db: Db, staff: Staff, caseId: number, reasonInput: string, actor: Actor): Promise<CommitteeReferral> {
  const reason = requireText(reasonInput, 'reason_required', 'a reason for the committee', REFERRAL_REASON_MAX);
  return db.transaction().execute(async (trx) => {
    // The case's lock keeps two referrals (and the retention purge) from passing each other.
    const theCase = await findCaseForUpdate(trx, caseId);
    if (!theCase || !canReachCase(staff, 'committee:refer', theCase)) throw new NotFound(`case ${caseId} not found`);
    if (theCase.purged_at !== null) throw new StateConflict('case_purged', 'the case was purged under the retention period');
    if (theCase.status === 'closed') throw new StateConflict('case_closed', 'the case is closed');
    const open = await trx
      .selectFrom('committee_referrals')
      .select('id')
      .where('case_id', '=', theCase.id)
      .where('status', '=', 'referred')
      .executeTakeFirst();
    if (open) throw new StateConflict('already_referred', `the case is already before the committee (referral ${open.id})`);
    const referral = await trx
      .insertInto('committee_referrals')
      .values({ case_id: theCase.id, reason, referred_by: staff.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    await addCaseEvent(trx, theCase.id, 'committee_referred', { referralId: referral.id }, staff.id);
    await recordAudit(trx, actor, 'committee.referred', [theCase.id], { referralId: referral.id });
    return referral;
  });
}

/**
 * Locks a referral and its case (the case first, as every case action does, so a close and a
 * finding take turns); null when there is no such referral.
 */
async function lockReferral(trx: Db, referralId: number): Promise<{ referral: CommitteeReferral; theCase: Case } | null> {
  const found = await trx.selectFrom('committee_referrals').select('case_id').where('id', '=', referralId).executeTakeFirst();
  if (!found) return null;
  const theCase = await findCaseForUpdate(trx, found.case_id);
  const referral = await trx.selectFrom('committee_referrals').selectAll().where('id', '=', referralId).forUpdate().executeTakeFirst();
  return theCase && referral ? { referral, theCase } : null;
}

/** A manager takes back a referral the committee has not answered. */
export async function withdrawReferral(db: Db, staff: Staff, referralId: number, actor: Actor): Promise<CommitteeReferral> {
  return db.transaction().execute(async (trx) => {
    const locked = await lockReferral(trx, referralId);
    if (!locked || !canReachCase(staff, 'committee:refer', locked.theCase)) throw new NotFound(`referral ${referralId} not found`);
    const { referral, theCase } = locked;
    if (referral.status !== 'referred') throw new StateConflict('referral_closed', `the referral is already ${referral.status}`);
    const updated = await trx
      .updateTable('committee_referrals')
      .set({ status: 'withdrawn', withdrawn_by: staff.id, withdrawn_at: new Date() })
      .where('id', '=', referral.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addCaseEvent(trx, theCase.id, 'committee_withdrawn', { referralId: referral.id }, staff.id);
    await recordAudit(trx, actor, 'committee.withdrawn', [theCase.id], { referralId: referral.id });
    return updated;
  });
}

export interface FindingResult {
  referral: CommitteeReferral;
  /** The notice to the resident, to hand to the outbound queue; null when they left no contact. */
  send: { channel: Channel; messageId: number } | null;
}

/**
 * The committee's finding and opinion on a referred case. The resident is told, on their
 * channel, that the committee reviewed the case (one short SMS, committee-notice.ts); the
 * department answers them with the finding.
 */
export async function recordFinding(
  db: Db,
  staff: Staff,
  referralId: number,
  input: { finding: string; opinion: string },
  actor: Actor,
): Promise<FindingResult> {
  if (!(FINDINGS as readonly string[]).includes(input.finding)) {
    throw new InvalidInput('unknown_finding', `finding must be one of ${FINDINGS.join(', ')}`);
  }
  const finding = input.finding as Finding;
  const opinion = requireText(input.opinion, 'opinion_required', "the committee's opinion", OPINION_MAX);
  return db.transaction().execute(async (trx) => {
    const locked = await lockReferral(trx, referralId);
    if (!locked || !committeeMaySee(staff, locked.referral)) throw new NotFound(`referral ${referralId} not found`);
    const { referral, theCase } = locked;
    if (referral.status !== 'referred') throw new StateConflict('already_reviewed', 'the committee has already recorded its finding');
    if (theCase.purged_at !== null) throw new StateConflict('case_purged', 'the case was purged under the retention period');
    const updated = await trx
      .updateTable('committee_referrals')
      .set({ status: 'reviewed', finding, opinion, reviewed_by: staff.id, reviewed_at: new Date() })
      .where('id', '=', referral.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // The office's notice, not the member's words: written by the system (no staff id).
    const message = theCase.kind === 'spam' ? null : await addOutbound(trx, theCase, null, 'interim', committeeNotice(theCase.case_number));
    await addCaseEvent(
      trx,
      theCase.id,
      'committee_reviewed',
      { referralId: referral.id, finding, messageId: message?.id ?? null, notified: message !== null },
      staff.id,
    );
    await recordAudit(trx, actor, 'committee.finding_recorded', [theCase.id], { referralId: referral.id, finding });
    return { referral: updated, send: message ? { channel: message.channel, messageId: message.id } : null };
  });
}

/** A case's referrals for those who can read the case (the department, managers), oldest first. */
export async function listCaseReferrals(db: Db, caseId: number) {
  return db
    .selectFrom('committee_referrals')
    .leftJoin('staff', 'staff.id', 'committee_referrals.referred_by')
    .selectAll('committee_referrals')
    .select('staff.name as referred_by_name')
    .where('committee_referrals.case_id', '=', caseId)
    .orderBy('committee_referrals.id')
    .execute();
}
export type CaseReferralRow = Awaited<ReturnType<typeof listCaseReferrals>>[number];

export const COMMITTEE_PAGE_SIZE = 100;

/**
 * The committee's list: open and reviewed referrals (never withdrawn ones), open first, with
 * only what identifies the case (number, channel, dates, department); no resident's text here.
 */
export async function listCommitteeReferrals(db: Db, staff: Staff, filter: { status?: 'referred' | 'reviewed' | undefined; limit?: number }, actor: Actor) {
  if (!committeeMaySee(staff, { status: 'referred' })) return [];
  let query = db
    .selectFrom('committee_referrals as r')
    .innerJoin('cases', 'cases.id', 'r.case_id')
    .select([
      'r.id', 'r.case_id', 'r.status', 'r.referred_at', 'r.finding', 'r.reviewed_at', 'r.answered_at',
      'cases.case_number', 'cases.channel', 'cases.received_at', 'cases.department_code', 'cases.status as case_status',
    ])
    .where('r.status', 'in', filter.status ? [filter.status] : ['referred', 'reviewed']);
  query = query.orderBy(({ eb }) => eb.case().when('r.status', '=', 'referred').then(0).else(1).end()).orderBy('r.id', 'desc');
  const rows = await query.limit(filter.limit ?? COMMITTEE_PAGE_SIZE).execute();
  if (rows.length > 0) {
    await recordAudit(db, actor, 'committee.listed', rows.map((r) => r.case_id), { referralIds: rows.map((r) => r.id) });
  }
  return rows;
}
export type CommitteeListRow = Awaited<ReturnType<typeof listCommitteeReferrals>>[number];

/**
 * One referral as the committee sees it: the manager's reason, the case's number, channel,
 * dates and department, and the resident's own messages of that case. Nothing else: no notes,
 * no answers or events, no phone number or Kakao key, no other case of the resident.
 */
export async function readCommitteeReferral(db: Db, staff: Staff, referralId: number, actor: Actor) {
  const row = await db
    .selectFrom('committee_referrals as r')
    .innerJoin('cases', 'cases.id', 'r.case_id')
    .selectAll('r')
    .select([
      'cases.case_number', 'cases.channel', 'cases.received_at', 'cases.department_code', 'cases.status as case_status',
      'cases.closed_at', 'cases.purged_at',
    ])
    .where('r.id', '=', referralId)
    .executeTakeFirst();
  if (!row || !committeeMaySee(staff, row)) throw new NotFound(`referral ${referralId} not found`);
  const messages = await db
    .selectFrom('messages')
    .select(['id', 'text', 'created_at'])
    .where('case_id', '=', row.case_id)
    .where('direction', '=', 'in')
    .where('kind', '=', 'resident')
    .orderBy('id')
    .execute();
  await recordAudit(db, actor, 'committee.read', [row.case_id], { referralId: row.id });
  return { ...row, messages };
}
export type CommitteeReferralDetail = Awaited<ReturnType<typeof readCommitteeReferral>>;
