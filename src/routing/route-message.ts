import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Router, RoutingDecision } from './router.js';
import type { CaseChannel, Channel, RoutingRecord } from '../cases/case.table.js';
import { closeLockedCase } from '../cases/case-actions.js';
import { storeInboundMessage } from '../intake/inbox-repository.js';
import { deadlineFor, type DeadlinePolicy } from '../deadlines/deadlines.js';

export type RoutingOutcome = 'routed' | 'triaged' | 'closed-as-thanks' | 'joined' | 'already-routed' | 'missing';

export interface RoutingPolicy {
  routerName: string;
  /** Below this confidence a complaint goes to triage with its candidates. */
  confidenceThreshold: number;
  /** Gives each routed case its legal deadline; without it cases get theirs when assigned. */
  deadlines?: DeadlinePolicy;
}

const TRIAGE_DEPARTMENT = 'AUDIT';
const TRIAGE_CATEGORY = 'other';

/** The short, courteous answer to pure thanks, sent when the case closes by itself. */
export const THANKS_REPLY = '[구청장 소통폰] 따뜻한 말씀 감사합니다. 보내주신 마음 잘 전하겠습니다. 앞으로도 주민 여러분의 목소리에 귀 기울이겠습니다.';

export interface RoutingResult {
  outcome: RoutingOutcome;
  /** An answer the routing step wrote (thanks), to hand to the outbound queue. */
  send?: { channel: Channel; messageId: number };
  /** An acknowledgement to send as an outbound message (a gateway's webhook could not carry it). */
  acknowledgement?: { channel: Channel; messageId: number };
}

/** Where the case goes and why, from the router's decision and the office's policy. */
export function decide(decision: RoutingDecision, policy: RoutingPolicy): { record: RoutingRecord; closeAsThanks: boolean } {
  const base: RoutingRecord = {
    router: policy.routerName,
    confidence: decision.confidence,
    reasons: decision.reasons,
    category: decision.category,
    department: decision.department,
    kind: decision.kind,
    candidates: decision.candidates,
  };
  if (decision.kind === 'spam') {
    // Spam and abuse are flagged, never closed by themselves: a person confirms.
    return {
      record: { ...base, department: TRIAGE_DEPARTMENT, category: TRIAGE_CATEGORY, triage: 'spam', suggestedDisposition: 'exception' },
      closeAsThanks: false,
    };
  }
  if (decision.kind === 'thanks') {
    return { record: { ...base, department: TRIAGE_DEPARTMENT, category: TRIAGE_CATEGORY }, closeAsThanks: decision.pureThanks };
  }
  if (decision.confidence < policy.confidenceThreshold && decision.department !== TRIAGE_DEPARTMENT) {
    return { record: { ...base, department: TRIAGE_DEPARTMENT, category: TRIAGE_CATEGORY, triage: 'low_confidence' }, closeAsThanks: false };
  }
  return { record: base, closeAsThanks: false };
}

/**
 * Classifies a case from its resident's words and assigns the owning department; pure
 * thanks close by themselves with a courteous answer. A message joining a case that
 * already has a department leaves it where staff put it. Running twice for one message
 * changes nothing the second time.
 */
export async function routeMessage(db: Db, router: Router, policy: RoutingPolicy, messageId: number): Promise<RoutingResult> {
  return db.transaction().execute((trx) => routeMessageIn(trx, router, policy, messageId));
}

/**
 * A message from the inbox: filed into its case and routed in one transaction (one commit
 * per message while a burst drains). Running twice for one message changes nothing.
 */
export async function fileAndRouteInbound(
  db: Db,
  router: Router,
  policy: RoutingPolicy,
  inboundId: number,
  threadWindowMinutes: number,
): Promise<RoutingResult> {
  return db.transaction().execute(async (trx) => {
    const stored = await storeInboundMessage(trx, inboundId, threadWindowMinutes);
    if (!stored) return { outcome: 'missing' };
    const routed = await routeMessageIn(trx, router, policy, stored.messageId);
    if (stored.pendingAcknowledgementId === null) return routed;
    return { ...routed, acknowledgement: { channel: 'sms', messageId: stored.pendingAcknowledgementId } };
  });
}

/** routeMessage inside the caller's transaction. */
export async function routeMessageIn(trx: Db, router: Router, policy: RoutingPolicy, messageId: number): Promise<RoutingResult> {
  // The case is locked: staff acting on it, or another of its messages, wait their turn.
  const found = await sql<{
    case_id: number;
    channel: CaseChannel;
    resident_id: number;
    kind: string | null;
    received_at: Date;
    department_code: string | null;
    status: string;
    answered_at: Date | null;
    message_routed_at: Date | null;
    direction: string;
    texts: string[];
  }>`
    select c.id as case_id, c.channel, c.resident_id, c.kind, c.received_at, c.department_code, c.status, c.answered_at, m.routed_at as message_routed_at, m.direction,
           array(select t.text from messages t where t.case_id = c.id and t.direction = 'in' order by t.id) as texts
    from messages m join cases c on c.id = m.case_id
    where m.id = ${messageId}
    for update of c
  `.execute(trx);
  const row = found.rows[0];
  if (!row || row.direction !== 'in') return { outcome: 'missing' };
  if (row.message_routed_at) return { outcome: 'already-routed' };

  const now = new Date();
  if (row.department_code !== null || row.status === 'closed') {
    await trx.updateTable('messages').set({ routed_at: now }).where('id', '=', messageId).execute();
    return { outcome: 'joined' };
  }
  const { record, closeAsThanks } = decide(router.route(row.texts.join('\n')), policy);
  // A proposal registered by staff stays one; the router knows complaints, thanks and spam.
  const kind = row.kind === 'proposal' ? row.kind : (record.kind ?? null);
  // The legal deadline, set in the same statement; a case that already has one keeps it.
  const deadline = policy.deadlines ? deadlineFor(policy.deadlines, row.received_at, record.category, kind) : null;
  await sql`
    with routed as (
      update cases
      set category_code = ${record.category}, department_code = ${record.department}, kind = ${kind},
          routing = ${JSON.stringify(record)}::jsonb, routed_at = ${now}::timestamptz,
          deadline_days = coalesce(deadline_days, ${deadline?.deadline_days ?? null}::integer),
          notice_due_at = case when due_at is null then ${deadline?.notice_due_at ?? null}::timestamptz else notice_due_at end,
          due_at = coalesce(due_at, ${deadline?.due_at ?? null}::timestamptz),
          status = case when status = 'received' then 'assigned' else status end
      where id = ${row.case_id}::bigint
      returning id
    ),
    event as (
      insert into case_events (case_id, type, data)
      select id, 'routed', ${JSON.stringify({
        category: record.category,
        department: record.department,
        kind: record.kind,
        confidence: record.confidence,
        reasons: record.reasons,
        ...(record.triage ? { triage: record.triage, candidates: record.candidates } : {}),
      })}::jsonb from routed
    )
    update messages set routed_at = ${now}::timestamptz
    where case_id = ${row.case_id}::bigint and direction = 'in' and routed_at is null
  `.execute(trx);
  if (!closeAsThanks) return { outcome: record.triage ? 'triaged' : 'routed' };

  const answer = await closeLockedCase(
    trx,
    { id: row.case_id, channel: row.channel, answered_at: row.answered_at, resident_id: row.resident_id },
    { disposition: 'thanks', text: THANKS_REPLY, staffId: null, automatic: true },
  );
  return {
    outcome: 'closed-as-thanks',
    ...(answer.messageId !== null && answer.channel !== null ? { send: { channel: answer.channel, messageId: answer.messageId } } : {}),
  };
}
