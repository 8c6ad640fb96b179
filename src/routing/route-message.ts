import { sql } from 'kysely';
import { preparedQuery, type Db } from '../db/database.js';
import type { Router, RoutingDecision } from './router.js';
import type { RoutingRecord } from '../cases/case.table.js';
import type { CaseChannel, Channel } from '../domain/channel.js';
import { closeLockedCase } from '../cases/case-actions.js';
import { fileInboxMessage } from '../intake/inbox-repository.js';
import { deadlineFor, type CaseDeadline, type DeadlinePolicy } from '../deadlines/deadlines.js';

export type RoutingOutcome = 'routed' | 'triaged' | 'closed-as-thanks' | 'closed-blocked' | 'joined' | 'already-routed' | 'missing';

export interface RoutingPolicy {
  routerName: string;
  /** Below this confidence a complaint goes to triage with its candidates. */
  confidenceThreshold: number;
  /** Gives each routed case its legal deadline; without it cases get theirs when assigned. */
  deadlines?: DeadlinePolicy;
}

export const TRIAGE_DEPARTMENT = 'AUDIT';
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
 * A message from the inbox, filed into its case and routed. The burst path: the decision is
 * made from the inbox text first, then one call files the message and, when it opened a new
 * case, routes it (file_and_route_inbound: one round trip, one commit). A message joining an
 * existing case is routed the usual way, from all of the case's messages; pure thanks, which
 * close their case, go through one transaction with closeLockedCase. Running twice for one
 * message changes nothing.
 */
export async function fileAndRouteInbound(
  db: Db,
  router: Router,
  policy: RoutingPolicy,
  inboundId: number,
  threadWindowMinutes: number,
): Promise<RoutingResult> {
  const [inbound] = await preparedQuery<{ text: string; received_at: Date; message_id: number | null }>(
    db,
    'sotong_read_inbound',
    'select text, received_at, message_id from inbound_messages where id = $1',
    [inboundId],
  );
  if (!inbound) return { outcome: 'missing' };
  if (inbound.message_id === null) {
    const { record, closeAsThanks } = decide(router.route(inbound.text), policy);
    if (!closeAsThanks) {
      const { kind, deadline } = caseTerms(policy, record, null, inbound.received_at);
      const [row] = await preparedQuery<{ message_id: number; case_id: number; routed: boolean; pending_acknowledgement_id: number | null }>(
        db,
        'sotong_file_and_route_inbound',
        'select * from file_and_route_inbound($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::integer, $9::timestamptz, $10::timestamptz)',
        [
          inboundId,
          threadWindowMinutes,
          record.category,
          record.department,
          kind,
          JSON.stringify(record),
          JSON.stringify(routingEvent(record)),
          deadline?.deadline_days ?? null,
          deadline?.notice_due_at ?? null,
          deadline?.due_at ?? null,
        ],
      );
      if (!row) return { outcome: 'missing' };
      const acknowledgement =
        row.pending_acknowledgement_id === null ? {} : { acknowledgement: { channel: 'sms' as const, messageId: row.pending_acknowledgement_id } };
      if (row.routed) return { outcome: record.triage ? 'triaged' : 'routed', ...acknowledgement };
      return { ...(await routeMessage(db, router, policy, row.message_id)), ...acknowledgement };
    }
  }
  return db.transaction().execute(async (trx) => {
    const stored = await fileInboxMessage(trx, inboundId, threadWindowMinutes);
    if (!stored) return { outcome: 'missing' };
    const routed = await routeMessageIn(trx, router, policy, stored.messageId);
    if (stored.pendingAcknowledgementId === null) return routed;
    return { ...routed, acknowledgement: { channel: 'sms', messageId: stored.pendingAcknowledgementId } };
  });
}

/**
 * The kind and legal deadline a routed case gets: the router's kind (a proposal has 14 working
 * days by default), but a proposal registered by staff stays one; the deadline is written with the decision,
 * and a case that already has one keeps it.
 */
function caseTerms(policy: RoutingPolicy, record: RoutingRecord, registeredKind: string | null, receivedAt: Date) {
  const kind = registeredKind === 'proposal' ? registeredKind : (record.kind ?? null);
  const deadline: CaseDeadline | null = policy.deadlines ? deadlineFor(policy.deadlines, receivedAt, record.category, kind) : null;
  return { kind, deadline };
}

/** What the case's history says about a routing decision. */
function routingEvent(record: RoutingRecord): Record<string, unknown> {
  return {
    category: record.category,
    department: record.department,
    kind: record.kind,
    confidence: record.confidence,
    reasons: record.reasons,
    ...(record.triage ? { triage: record.triage, candidates: record.candidates } : {}),
  };
}

/** Writes a decision to the case (apply_routing: src/db/functions/apply_routing.sql); a case with a deadline keeps it. */
async function applyRouting(
  trx: Db,
  caseId: number,
  record: RoutingRecord,
  kind: string | null,
  deadline: CaseDeadline | null,
): Promise<void> {
  await sql`
    select apply_routing(
      ${caseId}::bigint, ${record.category}, ${record.department}, ${kind},
      ${JSON.stringify(record)}::jsonb, ${JSON.stringify(routingEvent(record))}::jsonb,
      ${deadline?.deadline_days ?? null}::integer, ${deadline?.notice_due_at ?? null}::timestamptz, ${deadline?.due_at ?? null}::timestamptz,
      ${new Date()}::timestamptz
    )`.execute(trx);
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
    blocked: boolean;
  }>`
    select c.id as case_id, c.channel, c.resident_id, c.kind, c.received_at, c.department_code, c.status, c.answered_at, m.routed_at as message_routed_at, m.direction,
           array(select t.text from messages t where t.case_id = c.id and t.direction = 'in' order by t.id) as texts,
           (select r.blocked_at is not null from residents r where r.id = c.resident_id) as blocked
    from messages m join cases c on c.id = m.case_id
    where m.id = ${messageId}
    for update of c
  `.execute(trx);
  const row = found.rows[0];
  if (!row || row.direction !== 'in') return { outcome: 'missing' };
  if (row.message_routed_at) return { outcome: 'already-routed' };

  if (row.blocked && row.status !== 'closed') {
    // On the block list: kept on record, closed as an exception, never answered.
    await trx.updateTable('messages').set({ routed_at: new Date() }).where('case_id', '=', row.case_id).where('direction', '=', 'in').execute();
    await closeLockedCase(
      trx,
      { id: row.case_id, channel: row.channel, answered_at: row.answered_at, resident_id: row.resident_id },
      { disposition: 'exception', text: '', staffId: null, automatic: true },
    );
    return { outcome: 'closed-blocked' };
  }
  if (row.department_code !== null || row.status === 'closed') {
    await trx.updateTable('messages').set({ routed_at: new Date() }).where('id', '=', messageId).execute();
    return { outcome: 'joined' };
  }
  const { record, closeAsThanks } = decide(router.route(row.texts.join('\n')), policy);
  const { kind, deadline } = caseTerms(policy, record, row.kind, row.received_at);
  await applyRouting(trx, row.case_id, record, kind, deadline);
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
