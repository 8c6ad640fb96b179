// 찾아가는 구청장실: residents apply to meet the mayor at a monthly session (the homepage form,
// a `web` case, or KakaoTalk's quick reply, a `kakao` one); staff put applicants into a session
// with a place and time, the resident is told, and how the meeting went is recorded, opening a
// new case or joining an existing one.
import type { Db } from '../db/database.js';
import type { Channel } from '../domain/channel.js';
import type { Staff } from '../staff/staff.table.js';
import type { DeadlinePolicy } from '../deadlines/deadlines.js';
import { setDeadlineIfMissing } from '../deadlines/deadlines.js';
import { InvalidInput, NotFound, StateConflict } from '../domain/errors.js';
import { addCaseEvent, createCase, prepareCaseNumbers } from '../cases/case-repository.js';
import { addOutbound, closeLockedCase } from '../cases/case-actions.js';
import { findInboundByProviderId, insertMessage } from '../cases/message-repository.js';
import { upsertResidentByPhone } from '../residents/resident-repository.js';
import { normalizePhone, maskPhone } from '../residents/phone.js';
import { findActiveDepartment } from '../departments/department-repository.js';
import { jsonWithoutNul, withoutNul } from '../intake/inbox-repository.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { canReachCase } from '../staff/policy.js';
import { visitAlreadyAppliedAck, visitKakaoAck, visitRequestAck, visitScheduledNotice } from './texts.js';
import type { KakaoIdentity } from '../residents/resident-repository.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';
import type { VisitStatus } from './mayor-sessions.table.js';

/** The most characters of a session's place: the notice stays a short LMS at worst. */
export const PLACE_MAX = 40;
export const OUTCOME_NOTE_MAX = 2000;

export interface VisitApplication {
  /** The homepage's id of the submission: a second post of it is the same application. */
  formId: string;
  /** What they would like to talk about. */
  text: string;
  /** Their phone, for the notices (SMS); without one they are told nothing and staff call back. */
  phone?: string | undefined;
}

export type ApplicationResult =
  | { outcome: 'created'; requestId: number; caseId: number; caseNumber: string; send: { channel: Channel; messageId: number }[] }
  | { outcome: 'duplicate'; requestId: number; caseId: number; caseNumber: string };

const HOMEPAGE = 'homepage';

/**
 * An application from the homepage form: a `web` case (kind proposal, no department: it is
 * the mayor's office's, not the router's) and its visit request. Acknowledged by SMS when
 * the resident left a phone number.
 */
export async function receiveVisitApplication(db: Db, input: VisitApplication, now = new Date()): Promise<ApplicationResult> {
  const text = withoutNul(input.text).trim();
  if (text === '') throw new InvalidInput('text_required', 'what the resident wants to talk about is required');
  const given = input.phone?.trim() ?? '';
  const phone = given === '' ? null : normalizePhone(given);
  if (given !== '' && phone === null) throw new InvalidInput('invalid_phone', 'the phone number is not a possible number');
  await prepareCaseNumbers(db, now);
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('messages')
      .innerJoin('mayor_visit_requests as v', 'v.case_id', 'messages.case_id')
      .innerJoin('cases', 'cases.id', 'messages.case_id')
      .select(['v.id', 'cases.id as case_id', 'cases.case_number'])
      .where('messages.direction', '=', 'in')
      .where('messages.provider', '=', HOMEPAGE)
      .where('messages.provider_message_id', '=', input.formId)
      .executeTakeFirst();
    if (existing) return { outcome: 'duplicate' as const, requestId: existing.id, caseId: existing.case_id, caseNumber: existing.case_number };
    const resident = phone
      ? await upsertResidentByPhone(trx, phone)
      : await trx.insertInto('residents').defaultValues().returningAll().executeTakeFirstOrThrow();
    const created = await createCase(trx, { channel: 'web', residentId: resident.id, receivedAt: now });
    await trx.updateTable('cases').set({ kind: 'proposal' }).where('id', '=', created.id).execute();
    const message = await insertMessage(trx, {
      case_id: created.id,
      direction: 'in',
      kind: 'resident',
      channel: 'web',
      text,
      provider: HOMEPAGE,
      provider_message_id: input.formId,
      created_at: now,
      // The mayor's office schedules it: nothing for the router.
      routed_at: now,
    });
    const request = await trx
      .insertInto('mayor_visit_requests')
      .values({ case_id: created.id, resident_id: resident.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    await addCaseEvent(trx, created.id, 'received', { messageId: message.id });
    await addCaseEvent(trx, created.id, 'visit_requested', { visitRequestId: request.id });
    const ack = await addOutbound(trx, created, null, 'interim', visitRequestAck(created.case_number));
    return {
      outcome: 'created' as const,
      requestId: request.id,
      caseId: created.id,
      caseNumber: created.case_number,
      send: ack ? [{ channel: ack.channel, messageId: ack.id }] : [],
    };
  });
}

/** A KakaoTalk reply of '구청장실 신청' as the skill received it (the inbox row's fields that matter). */
export interface KakaoVisitReply {
  provider: string;
  providerMessageId: string;
  kakao: KakaoIdentity;
  text: string;
  raw: Record<string, unknown>;
  receivedAt: Date;
  acknowledgementStatus: DeliveryStatus | null;
}

export type KakaoApplicationResult =
  | { outcome: 'applied'; requestId: number; caseId: number; caseNumber: string; acknowledgement: string }
  /** They already have an application waiting or scheduled: the reply is kept on it, nothing new is made. */
  | { outcome: 'already-applied'; requestId: number; caseId: number; caseNumber: string; acknowledgement: string }
  | { outcome: 'duplicate' };

/**
 * An application by KakaoTalk (MAYOR_VISIT_OFFER=on): its own `kakao` case, kind proposal and no
 * department like the homepage's (the mayor's office schedules it, the router leaves it), so
 * staff find it in the same lists and the scheduling notice goes back on KakaoTalk. Kakao gives
 * a request no id, so a repeat is recognised by the resident: while one application waits or is
 * scheduled, another tap is stored on it and changes nothing. Null for a blocked sender: intake
 * files the message like any other.
 */
export async function receiveKakaoVisitApplication(db: Db, reply: KakaoVisitReply): Promise<KakaoApplicationResult | null> {
  await prepareCaseNumbers(db, reply.receivedAt);
  return db.transaction().execute(async (trx) => {
    if (await findInboundByProviderId(trx, reply.provider, reply.providerMessageId)) return { outcome: 'duplicate' as const };
    // The upsert locks the resident's row: two taps at once take turns, and the second finds the first.
    const resident = await trx
      .insertInto('residents')
      .values({
        kakao_user_key: reply.kakao.userKey,
        kakao_plusfriend_user_key: reply.kakao.plusfriendUserKey,
        kakao_app_user_id: reply.kakao.appUserId,
        kakao_is_friend: reply.kakao.isFriend,
      })
      .onConflict((oc) =>
        oc.column('kakao_user_key').doUpdateSet((eb) => ({
          kakao_plusfriend_user_key: eb.fn.coalesce('excluded.kakao_plusfriend_user_key', 'residents.kakao_plusfriend_user_key'),
          kakao_app_user_id: eb.fn.coalesce('excluded.kakao_app_user_id', 'residents.kakao_app_user_id'),
          kakao_is_friend: eb.ref('excluded.kakao_is_friend'),
          updated_at: new Date(),
        })),
      )
      .returning(['id', 'blocked_at'])
      .executeTakeFirstOrThrow();
    if (resident.blocked_at !== null) return null;

    const waiting = await trx
      .selectFrom('mayor_visit_requests as v')
      .innerJoin('cases as c', 'c.id', 'v.case_id')
      .leftJoin('mayor_visit_sessions as s', 's.id', 'v.session_id')
      .select(['v.id', 'v.status', 'c.id as case_id', 'c.case_number', 'c.purged_at', 's.starts_at', 's.place'])
      .where('v.resident_id', '=', resident.id)
      .where('v.status', 'in', ['requested', 'scheduled'])
      .orderBy('v.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const open = waiting && waiting.purged_at === null ? waiting : undefined;

    const now = new Date();
    let caseId: number;
    let caseNumber: string;
    let requestId: number;
    let acknowledgement: string;
    if (open) {
      caseId = open.case_id;
      caseNumber = open.case_number;
      const session = open.status === 'scheduled' && open.starts_at && open.place ? { startsAt: open.starts_at, place: open.place } : null;
      acknowledgement = visitAlreadyAppliedAck(caseNumber, session);
    } else {
      const created = await createCase(trx, { channel: 'kakao', residentId: resident.id, receivedAt: reply.receivedAt });
      // An application takes no follow-ups: threading (open_case_of_sender, accept_resident_message)
      // skips a case named by a visit request, so the resident's next message goes to their petition.
      await trx.updateTable('cases').set({ kind: 'proposal' }).where('id', '=', created.id).execute();
      caseId = created.id;
      caseNumber = created.case_number;
      acknowledgement = visitKakaoAck(caseNumber);
    }
    const message = await insertMessage(trx, {
      case_id: caseId,
      direction: 'in',
      kind: 'resident',
      channel: 'kakao',
      text: withoutNul(reply.text),
      provider: reply.provider,
      provider_message_id: reply.providerMessageId,
      raw: jsonWithoutNul(reply.raw),
      created_at: reply.receivedAt,
      // The mayor's office schedules it: nothing for the router.
      routed_at: now,
    });
    if (open) {
      requestId = open.id;
      await addCaseEvent(trx, caseId, 'message_added', { messageId: message.id });
    } else {
      const request = await trx
        .insertInto('mayor_visit_requests')
        .values({ case_id: caseId, resident_id: resident.id })
        .returning('id')
        .executeTakeFirstOrThrow();
      requestId = request.id;
      await addCaseEvent(trx, caseId, 'received', { messageId: message.id });
      await addCaseEvent(trx, caseId, 'visit_requested', { visitRequestId: request.id });
    }
    if (reply.acknowledgementStatus !== null) {
      // The skill's answer carries it: delivered as the webhook answers.
      await insertMessage(trx, {
        case_id: caseId,
        direction: 'out',
        kind: 'acknowledgement',
        channel: 'kakao',
        text: acknowledgement,
        provider: reply.provider,
        delivery_status: reply.acknowledgementStatus,
        sent_at: reply.receivedAt,
      });
    }
    return { outcome: open ? ('already-applied' as const) : ('applied' as const), requestId, caseId, caseNumber, acknowledgement };
  });
}

export async function createVisitSession(db: Db, staff: Staff, input: { startsAt: string; place: string }, actor: Actor, now = new Date()) {
  const startsAt = new Date(input.startsAt);
  if (Number.isNaN(startsAt.getTime()) || startsAt.getTime() <= now.getTime()) {
    throw new InvalidInput('invalid_date', 'startsAt must be a time in the future');
  }
  const place = input.place.trim();
  if (place === '' || [...place].length > PLACE_MAX) throw new InvalidInput('invalid_place', `the place needs 1 to ${PLACE_MAX} characters`);
  return db.transaction().execute(async (trx) => {
    const session = await trx
      .insertInto('mayor_visit_sessions')
      .values({ starts_at: startsAt, place, created_by: staff.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, 'visit.session_created', [], { sessionId: session.id });
    return session;
  });
}

function requestQuery(db: Db) {
  return db
    .selectFrom('mayor_visit_requests as v')
    .innerJoin('cases as c', 'c.id', 'v.case_id')
    .innerJoin('residents as r', 'r.id', 'v.resident_id')
    .leftJoin('cases as o', 'o.id', 'v.outcome_case_id')
    .select([
      'v.id',
      'v.case_id',
      'v.status',
      'v.session_id',
      'v.scheduled_at',
      'v.notice_message_id',
      'v.outcome_note',
      'v.outcome_case_id',
      'v.outcome_at',
      'v.created_at',
      'c.case_number',
      'c.channel',
      'o.case_number as outcome_case_number',
      'r.phone',
    ]);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestQuery>['execute']>>[number];

export function visitRequestView(row: RequestRow) {
  return {
    id: row.id,
    caseId: row.case_id,
    caseNumber: row.case_number,
    channel: row.channel,
    status: row.status,
    sessionId: row.session_id,
    scheduledAt: row.scheduled_at?.toISOString() ?? null,
    noticeMessageId: row.notice_message_id,
    outcomeNote: row.outcome_note,
    outcomeCaseId: row.outcome_case_id,
    outcomeCaseNumber: row.outcome_case_number,
    outcomeAt: row.outcome_at?.toISOString() ?? null,
    appliedAt: row.created_at.toISOString(),
    residentPhone: maskPhone(row.phone),
  };
}
export type VisitRequestView = ReturnType<typeof visitRequestView>;

/** Applications waiting for a session, and the sessions from `since` on with their residents. */
export async function listVisits(db: Db, since: Date) {
  const sessions = await db.selectFrom('mayor_visit_sessions').selectAll().where('starts_at', '>=', since).orderBy('starts_at').execute();
  const sessionIds = sessions.map((s) => s.id);
  const [waiting, booked] = await Promise.all([
    requestQuery(db).where('v.status', '=', 'requested').orderBy('v.id').execute(),
    sessionIds.length === 0 ? [] : requestQuery(db).where('v.session_id', 'in', sessionIds).orderBy('v.id').execute(),
  ]);
  return {
    waiting: waiting.map(visitRequestView),
    sessions: sessions.map((s) => ({
      id: s.id,
      startsAt: s.starts_at.toISOString(),
      place: s.place,
      requests: booked.filter((r) => r.session_id === s.id).map(visitRequestView),
    })),
  };
}

/** The visit requests a case made or came from (GET /api/cases/:id). */
export async function visitsOfCase(db: Db, caseId: number): Promise<VisitRequestView[]> {
  const rows = await requestQuery(db)
    .where((eb) => eb.or([eb('v.case_id', '=', caseId), eb('v.outcome_case_id', '=', caseId)]))
    .orderBy('v.id')
    .execute();
  return rows.map(visitRequestView);
}

async function lockRequest(trx: Db, id: number) {
  const request = await trx.selectFrom('mayor_visit_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!request) throw new NotFound(`visit request ${id} not found`);
  return request;
}

/** Puts an applicant into a session (again, to move them); they are told where and when. */
export async function scheduleVisit(db: Db, staff: Staff, requestId: number, sessionId: number, actor: Actor) {
  return db.transaction().execute(async (trx) => {
    const request = await lockRequest(trx, requestId);
    if (request.status !== 'requested' && request.status !== 'scheduled') {
      throw new StateConflict('visit_done', 'the meeting has already taken place');
    }
    const session = await trx.selectFrom('mayor_visit_sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
    if (!session) throw new InvalidInput('unknown_session', `no session ${sessionId}`);
    if (session.starts_at.getTime() <= Date.now()) throw new StateConflict('session_past', 'the session has already begun');
    const theCase = await trx.selectFrom('cases').select(['id', 'channel', 'resident_id', 'purged_at']).where('id', '=', request.case_id).executeTakeFirstOrThrow();
    const notice = theCase.purged_at === null ? await addOutbound(trx, theCase, staff.id, 'interim', visitScheduledNotice(session.starts_at, session.place)) : null;
    const now = new Date();
    await trx
      .updateTable('mayor_visit_requests')
      .set({ status: 'scheduled', session_id: session.id, scheduled_by: staff.id, scheduled_at: now, notice_message_id: notice?.id ?? null })
      .where('id', '=', request.id)
      .execute();
    await addCaseEvent(trx, request.case_id, 'visit_scheduled', { visitRequestId: request.id, sessionId: session.id, messageId: notice?.id ?? null }, staff.id);
    await recordAudit(trx, actor, 'visit.scheduled', [request.case_id], { sessionId: session.id, messageId: notice?.id ?? null });
    return { status: 'scheduled' as const, noticeMessageId: notice?.id ?? null, send: notice ? [{ channel: notice.channel, messageId: notice.id }] : [] };
  });
}

export interface VisitOutcome {
  outcome: 'met' | 'no_show';
  /** How it went, in staff's words (internal; purged with the case). */
  note?: string | undefined;
  /** What the resident raised becomes a case of this department (the note is its text), */
  openCase?: { department: string } | undefined;
  /** or joins this existing case. */
  joinCaseId?: number | undefined;
}

/**
 * How the meeting went. The application case closes (resolved when they met, exception when
 * they did not come), without a message to the resident; what they raised can open a
 * `visit` case for a department, with the note as its text, or be linked to an existing case.
 */
export async function recordVisitOutcome(db: Db, staff: Staff, policy: DeadlinePolicy, requestId: number, input: VisitOutcome, actor: Actor) {
  const note = input.note?.trim() || null;
  if (input.openCase && input.joinCaseId !== undefined) throw new InvalidInput('one_follow_up', 'open a case or join one, not both');
  if (input.openCase && note === null) throw new InvalidInput('note_required', 'a new case needs the note as its text');
  if (input.outcome === 'no_show' && (input.openCase || input.joinCaseId !== undefined)) {
    throw new InvalidInput('no_meeting', 'a resident who did not come raised nothing to follow up');
  }
  const department = input.openCase ? await findActiveDepartment(db, input.openCase.department) : null;
  if (input.openCase && !department) throw new InvalidInput('unknown_department', `no active department ${input.openCase.department}`);
  const now = new Date();
  if (department) await prepareCaseNumbers(db, now);
  return db.transaction().execute(async (trx) => {
    const request = await lockRequest(trx, requestId);
    if (request.status !== 'scheduled') throw new StateConflict(request.status === 'requested' ? 'visit_not_scheduled' : 'visit_done', `the request is ${request.status}`);
    let outcomeCaseId: number | null = null;
    if (department) {
      const created = await createCase(trx, { channel: 'visit', residentId: request.resident_id, receivedAt: now });
      const message = await insertMessage(trx, {
        case_id: created.id,
        direction: 'in',
        kind: 'resident',
        channel: 'visit',
        text: note!,
        provider: 'visit',
        staff_id: staff.id,
        created_at: now,
        routed_at: now,
      });
      await addCaseEvent(trx, created.id, 'received', { messageId: message.id, registeredBy: staff.id, visitRequestId: request.id }, staff.id);
      await trx
        .updateTable('cases')
        .set({ department_code: department.code, category_code: department.category_code, kind: 'complaint', status: 'assigned', routed_at: now })
        .where('id', '=', created.id)
        .execute();
      await addCaseEvent(trx, created.id, 'assigned', { from: null, to: department.code }, staff.id);
      await setDeadlineIfMissing(trx, policy, created.id);
      outcomeCaseId = created.id;
    } else if (input.joinCaseId !== undefined) {
      const joined = await trx.selectFrom('cases').selectAll().where('id', '=', input.joinCaseId).forUpdate().executeTakeFirst();
      if (!joined || !canReachCase(staff, 'cases:act', joined)) throw new InvalidInput('unknown_case', `no case ${input.joinCaseId} you can act on`);
      if (joined.id === request.case_id) throw new InvalidInput('unknown_case', 'the application itself cannot be its own follow-up');
      outcomeCaseId = joined.id;
    }
    if (outcomeCaseId !== null) await addCaseEvent(trx, outcomeCaseId, 'visit_linked', { visitRequestId: request.id }, staff.id);
    await trx
      .updateTable('mayor_visit_requests')
      .set({ status: input.outcome, outcome_note: note, outcome_case_id: outcomeCaseId, outcome_by: staff.id, outcome_at: now })
      .where('id', '=', request.id)
      .execute();
    const application = await trx.selectFrom('cases').selectAll().where('id', '=', request.case_id).forUpdate().executeTakeFirstOrThrow();
    await addCaseEvent(trx, application.id, 'visit_outcome', { visitRequestId: request.id, outcome: input.outcome, caseId: outcomeCaseId }, staff.id);
    if (application.status !== 'closed') {
      await closeLockedCase(trx, application, { disposition: input.outcome === 'met' ? 'resolved' : 'exception', text: '', staffId: staff.id });
    }
    await recordAudit(trx, actor, 'visit.outcome_recorded', outcomeCaseId === null ? [application.id] : [application.id, outcomeCaseId], {
      outcome: input.outcome,
    });
    return { status: input.outcome as VisitStatus, outcomeCaseId };
  });
}
