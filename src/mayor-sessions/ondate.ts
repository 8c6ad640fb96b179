// 온데이트: the mayor answers some residents in person, by video or phone, once a month. A
// resident volunteers by replying '온데이트' (recorded on their latest case, never a new case);
// a manager chooses some of the month's volunteers, grouped by category, with a date and time;
// every volunteer is told on their channel, chosen or not.
import type { Db } from '../db/database.js';
import type { Channel } from '../domain/channel.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';
import type { InboundSender } from '../intake/inbound-message.table.js';
import type { Staff } from '../staff/staff.table.js';
import { seoulDate } from '../domain/seoul-time.js';
import { InvalidInput, StateConflict } from '../domain/errors.js';
import { addCaseEvent } from '../cases/case-repository.js';
import { addOutbound } from '../cases/case-actions.js';
import { findInboundByProviderId, insertMessage } from '../cases/message-repository.js';
import { jsonWithoutNul, withoutNul } from '../intake/inbox-repository.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { maskPhone } from '../residents/phone.js';
import { ONDATE_NOT_CHOSEN_NOTICE, ONDATE_OPT_IN_ACK, ondateChosenNotice } from './texts.js';
import type { OndateMode, OndateStatus } from './mayor-sessions.table.js';

/** The Seoul month (YYYY-MM) an instant falls in: the session a reply volunteers for. */
export function seoulMonth(at: Date): string {
  return seoulDate(at).slice(0, 7);
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function checkMonth(month: string): string {
  if (!MONTH.test(month)) throw new InvalidInput('invalid_month', `${month} is not a month (YYYY-MM)`);
  return month;
}

/** A resident's reply as a webhook received it (the fields of the inbox row that matter here). */
export interface OndateReply {
  channel: Channel;
  provider: string;
  providerMessageId: string;
  sender: InboundSender;
  text: string;
  raw: Record<string, unknown>;
  receivedAt: Date;
  acknowledgementStatus: DeliveryStatus | null;
}

export type OndateReplyResult =
  | {
      outcome: 'opted-in';
      caseId: number;
      caseNumber: string;
      /** False when they had already volunteered this month (the reply is stored all the same). */
      newVolunteer: boolean;
      acknowledgement: string;
      /** An acknowledgement the webhook's answer cannot carry (a gateway's): sent as an outbound SMS. */
      pendingAcknowledgement: { messageId: number; channel: Channel } | null;
    }
  | { outcome: 'duplicate' };

/**
 * Records a reply of '온데이트' on the sender's latest case: the message joins that case (already
 * routed: nothing for the router), the resident volunteers for the month, and the answer is
 * the opt-in acknowledgement. Null when there is nothing to attach it to (no case yet, a
 * blocked sender, a case whose text retention removed): intake then files it like any message.
 */
export async function recordOndateReply(db: Db, reply: OndateReply): Promise<OndateReplyResult | null> {
  const phone = 'phone' in reply.sender ? reply.sender.phone : null;
  const kakaoKey = 'kakao' in reply.sender ? reply.sender.kakao.userKey : null;
  if (phone === null && kakaoKey === null) return null;
  return db.transaction().execute(async (trx) => {
    if (await findInboundByProviderId(trx, reply.provider, reply.providerMessageId)) return { outcome: 'duplicate' as const };
    const latest = await trx
      .selectFrom('cases')
      .innerJoin('residents', 'residents.id', 'cases.resident_id')
      .select(['cases.id', 'cases.case_number', 'cases.resident_id', 'cases.purged_at', 'residents.blocked_at'])
      .where(phone !== null ? 'residents.phone' : 'residents.kakao_user_key', '=', (phone ?? kakaoKey)!)
      // A 찾아가는 구청장실 application is not the petition 온데이트 is offered on.
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('mayor_visit_requests as v').select('v.id').whereRef('v.case_id', '=', 'cases.id'))))
      .orderBy('cases.received_at', 'desc')
      .orderBy('cases.id', 'desc')
      .limit(1)
      .forUpdate()
      .executeTakeFirst();
    if (!latest || latest.blocked_at !== null || latest.purged_at !== null) return null;

    const now = new Date();
    const message = await insertMessage(trx, {
      case_id: latest.id,
      direction: 'in',
      kind: 'resident',
      channel: reply.channel,
      text: withoutNul(reply.text),
      provider: reply.provider,
      provider_message_id: reply.providerMessageId,
      raw: jsonWithoutNul(reply.raw),
      created_at: reply.receivedAt,
      // The case is where it belongs already: the router leaves this message alone.
      routed_at: now,
    });
    const month = seoulMonth(reply.receivedAt);
    const volunteer = await trx
      .insertInto('ondate_volunteers')
      .values({ case_id: latest.id, resident_id: latest.resident_id, month, message_id: message.id, opted_in_at: reply.receivedAt })
      .onConflict((oc) => oc.columns(['resident_id', 'month']).doNothing())
      .returning('id')
      .executeTakeFirst();
    await addCaseEvent(trx, latest.id, volunteer ? 'ondate_opt_in' : 'message_added', {
      messageId: message.id,
      ...(volunteer ? { month, volunteerId: volunteer.id } : {}),
    });
    let pending: { messageId: number; channel: Channel } | null = null;
    if (reply.acknowledgementStatus !== null) {
      const waits = reply.acknowledgementStatus === 'pending';
      const ack = await insertMessage(trx, {
        case_id: latest.id,
        direction: 'out',
        kind: 'acknowledgement',
        channel: reply.channel,
        text: ONDATE_OPT_IN_ACK,
        provider: waits ? 'pending' : reply.provider,
        delivery_status: reply.acknowledgementStatus,
        sent_at: waits ? null : reply.receivedAt,
      });
      if (waits) pending = { messageId: ack.id, channel: reply.channel };
    }
    return {
      outcome: 'opted-in' as const,
      caseId: latest.id,
      caseNumber: latest.case_number,
      newVolunteer: volunteer !== undefined,
      acknowledgement: ONDATE_OPT_IN_ACK,
      pendingAcknowledgement: pending,
    };
  });
}

export interface OndateVolunteerView {
  id: number;
  caseId: number;
  caseNumber: string;
  channel: string;
  category: string | null;
  status: OndateStatus;
  optedInAt: string;
  sessionAt: string | null;
  mode: OndateMode | null;
  noticeMessageId: number | null;
  residentPhone: string | null;
}

function volunteerQuery(db: Db) {
  return db
    .selectFrom('ondate_volunteers as v')
    .innerJoin('cases as c', 'c.id', 'v.case_id')
    .innerJoin('residents as r', 'r.id', 'v.resident_id')
    .select([
      'v.id',
      'v.case_id',
      'v.month',
      'v.status',
      'v.opted_in_at',
      'v.session_at',
      'v.mode',
      'v.notice_message_id',
      'c.case_number',
      'c.channel',
      'c.category_code',
      'r.phone',
    ]);
}

type VolunteerRow = Awaited<ReturnType<ReturnType<typeof volunteerQuery>['execute']>>[number];

function volunteerView(row: VolunteerRow): OndateVolunteerView {
  return {
    id: row.id,
    caseId: row.case_id,
    caseNumber: row.case_number,
    channel: row.channel,
    category: row.category_code,
    status: row.status,
    optedInAt: row.opted_in_at.toISOString(),
    sessionAt: row.session_at?.toISOString() ?? null,
    mode: row.mode,
    noticeMessageId: row.notice_message_id,
    residentPhone: maskPhone(row.phone),
  };
}

export interface OndateMonth {
  month: string;
  counts: { volunteers: number; chosen: number; notChosen: number; undecided: number };
  /** By the case's category (null: not yet classified), categories in label order. */
  categories: { category: string | null; label: string | null; volunteers: OndateVolunteerView[] }[];
}

/** The month's volunteers, grouped by their case's category, for the manager who chooses. */
export async function listOndateMonth(db: Db, month: string): Promise<OndateMonth> {
  checkMonth(month);
  const rows = await volunteerQuery(db).where('v.month', '=', month).orderBy('v.opted_in_at').orderBy('v.id').execute();
  const labels = new Map((await db.selectFrom('categories').select(['code', 'label']).execute()).map((c) => [c.code, c.label]));
  const groups = new Map<string | null, OndateVolunteerView[]>();
  for (const row of rows) {
    const list = groups.get(row.category_code) ?? [];
    list.push(volunteerView(row));
    groups.set(row.category_code, list);
  }
  const categories = [...groups.entries()]
    .map(([category, volunteers]) => ({ category, label: category === null ? null : (labels.get(category) ?? category), volunteers }))
    .sort((a, b) => (a.label ?? '\uffff').localeCompare(b.label ?? '\uffff', 'ko'));
  const count = (status: OndateStatus) => rows.filter((r) => r.status === status).length;
  return {
    month,
    counts: { volunteers: rows.length, chosen: count('chosen'), notChosen: count('not_chosen'), undecided: count('volunteered') },
    categories,
  };
}

/** The 온데이트 volunteering recorded on a case (GET /api/cases/:id). */
export async function ondateOfCase(db: Db, caseId: number): Promise<OndateVolunteerView[]> {
  const rows = await volunteerQuery(db).where('v.case_id', '=', caseId).orderBy('v.id').execute();
  return rows.map(volunteerView);
}

export interface OndateDecision {
  month: string;
  /** Volunteers of that month chosen; every other undecided volunteer of the month is told no. */
  chosen: number[];
  sessionAt: string;
  mode: OndateMode;
}

/**
 * A manager's choice for the month: the chosen volunteers are told when the mayor will call
 * (and how), the others of the month not yet decided that they were not chosen this time. Each
 * notice is an outbound message on the volunteer's case, on its channel; returns them for
 * the outbound queue. Volunteers who reply after a decision wait for the next one.
 */
export async function decideOndate(
  db: Db,
  staff: Staff,
  input: OndateDecision,
  actor: Actor,
  now = new Date(),
): Promise<{ chosen: number; notChosen: number; send: { channel: Channel; messageId: number }[] }> {
  checkMonth(input.month);
  const sessionAt = new Date(input.sessionAt);
  if (Number.isNaN(sessionAt.getTime()) || sessionAt.getTime() <= now.getTime()) {
    throw new InvalidInput('invalid_date', 'sessionAt must be a time in the future');
  }
  const chosenIds = new Set(input.chosen);
  if (chosenIds.size === 0) throw new InvalidInput('nobody_chosen', 'choose at least one volunteer');
  return db.transaction().execute(async (trx) => {
    const undecided = await trx
      .selectFrom('ondate_volunteers as v')
      .innerJoin('cases as c', 'c.id', 'v.case_id')
      .select(['v.id', 'v.case_id', 'c.channel', 'c.resident_id', 'c.purged_at'])
      .where('v.month', '=', input.month)
      .where('v.status', '=', 'volunteered')
      .orderBy('v.id')
      .forUpdate()
      .execute();
    if (undecided.length === 0) throw new StateConflict('no_volunteers', `no undecided volunteers for ${input.month}`);
    const known = new Set(undecided.map((v) => v.id));
    const unknown = [...chosenIds].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new InvalidInput('unknown_volunteer', `not an undecided volunteer of ${input.month}: ${unknown.join(', ')}`);
    }
    const send: { channel: Channel; messageId: number }[] = [];
    for (const v of undecided) {
      const chosen = chosenIds.has(v.id);
      const text = chosen ? ondateChosenNotice(sessionAt, input.mode) : ONDATE_NOT_CHOSEN_NOTICE;
      // A case whose contact retention removed cannot be told.
      const notice = v.purged_at === null ? await addOutbound(trx, { id: v.case_id, channel: v.channel, resident_id: v.resident_id }, staff.id, 'interim', text) : null;
      if (notice) send.push({ channel: notice.channel, messageId: notice.id });
      await trx
        .updateTable('ondate_volunteers')
        .set({
          status: chosen ? 'chosen' : 'not_chosen',
          session_at: chosen ? sessionAt : null,
          mode: chosen ? input.mode : null,
          decided_by: staff.id,
          decided_at: now,
          notice_message_id: notice?.id ?? null,
        })
        .where('id', '=', v.id)
        .execute();
      await addCaseEvent(
        trx,
        v.case_id,
        'ondate_decided',
        {
          month: input.month,
          status: chosen ? 'chosen' : 'not_chosen',
          ...(chosen ? { sessionAt: sessionAt.toISOString(), mode: input.mode } : {}),
          messageId: notice?.id ?? null,
        },
        staff.id,
      );
    }
    await recordAudit(trx, actor, 'ondate.decided', undecided.map((v) => v.case_id), {
      month: input.month,
      chosen: chosenIds.size,
      notChosen: undecided.length - chosenIds.size,
    });
    return { chosen: chosenIds.size, notChosen: undecided.length - chosenIds.size, send };
  });
}
