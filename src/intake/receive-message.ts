import { v7 as timeOrderedUuid } from 'uuid';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { Unavailable } from '../domain/errors.js';
import type { Queues } from '../queues/queues.js';
import { handOff } from '../queues/enqueue.js';
import type { CountedInbound, InboundRow } from './inbox-repository.js';
import type { InboxBatcher } from './inbox-batcher.js';
import type { IntakeBuffer } from './intake-buffer.js';
import type { KakaoIdentity } from '../residents/resident-repository.js';
import { isOndateReply, isVisitApplyReply } from '../mayor-sessions/texts.js';
import { recordOndateReply } from '../mayor-sessions/ondate.js';
import { receiveKakaoVisitApplication } from '../mayor-sessions/visits.js';
import { readConsentKeyword } from '../notices/consent-keywords.js';
import { NEEDS_PHONE_REPLY, recordConsentMessage, SUBSCRIBED_REPLY, WITHDRAWN_REPLY } from '../notices/consent-repository.js';
import { enqueueConsentReply } from '../notices/notice-queue.js';

export interface IntakeDeps {
  db: Db;
  queues: Queues;
  buffer: IntakeBuffer;
  /** Stores a message in the inbox and queues its filing, together with those arriving at the same moment. */
  inbox: InboxBatcher;
  /** How long the inbox write may take before the message goes to the Redis buffer instead. */
  storeTimeoutMs: number;
  /** ONDATE_OFFER=on: a reply of '온데이트' volunteers the sender on their latest case (src/mayor-sessions). */
  ondate?: boolean;
  /** MAYOR_VISIT_OFFER=on: a KakaoTalk reply of '구청장실 신청' applies for 찾아가는 구청장실 (src/mayor-sessions). */
  visitApplications?: boolean;
  /** Days a withdrawn notice consent is kept (docs/notices.md). */
  consentRetentionDays: number;
}

export type ReceivedMessage = Omit<InboundRow, 'providerMessageId' | 'receivedAt'> & {
  /** The provider's id for the message (a re-sent webhook carries the same); null when it gives none. */
  providerMessageId: string | null;
  receivedAt?: Date;
};

export type Receipt = (
  /** In the inbox, with the case number reserved for it (see insertCountedInbound). */
  | { outcome: 'stored'; inboundId: number; caseNumber: string | null; joinsCase: boolean }
  /** The provider had delivered it before; it was answered then. */
  | { outcome: 'duplicate' }
  /** A reply of '온데이트': stored on the sender's latest case, which it volunteers for the month. */
  | { outcome: 'opted-in'; caseNumber: string }
  /** A KakaoTalk reply of '구청장실 신청': a 찾아가는 구청장실 application (or the one already waiting). */
  | { outcome: 'visit-applied'; caseNumber: string; requestId: number }
  /** Postgres was away: kept in the Redis buffer, filed once Postgres is back. */
  | { outcome: 'buffered' }
  /** A subscribe or opt-out request for notices ("알림 신청", "수신거부"): stored in the consent ledger, never a case. */
  | { outcome: 'consent'; eventId: number; action: 'subscribe' | 'withdraw' }
) & {
  /** What to answer the resident now: the acknowledgement, the flood notice, or nothing. */
  acknowledgement: string | null;
};

export const intakeUnavailable = () =>
  new Unavailable('unavailable', 'the message could not be stored right now; please try again');

/**
 * What a webhook does with a resident's message before answering the provider: one
 * insert into the inbox (which also counts the sender's flood window and reserves the case
 * number) and one job for the routing worker, which files it into a case and routes it; both
 * shared with the messages arriving at the same moment (InboxBatcher). Postgres away → the message is
 * kept in the Redis buffer instead (still a 200 for the provider); Redis away too → 503, so
 * the provider's fallback can act. Redis away alone → the job is not queued now; the
 * sweeper queues it from the inbox.
 */
export async function receiveResidentMessage(deps: IntakeDeps, message: ReceivedMessage, log: FastifyBaseLogger): Promise<Receipt> {
  const row: Omit<InboundRow, 'flood'> = {
    ...message,
    // Kakao gives a request no id: ours lets a buffered message be filed exactly once. Time-ordered
    // (UUID v7), so the inbox's unique index grows at its end instead of at a random page per
    // message: a random key rewrote a whole index page into the WAL after every checkpoint.
    providerMessageId: message.providerMessageId ?? `sotong-${timeOrderedUuid()}`,
    receivedAt: message.receivedAt ?? new Date(),
  };
  // A subscribe or opt-out request for notices never opens a case: it is stored (with the exact
  // words) in the consent ledger, which changes at once, and the confirmation is the answer.
  const keyword = row.channel === 'sms' || row.channel === 'kakao' ? readConsentKeyword(row.text) : null;
  if (keyword !== null) return receiveConsentMessage(deps, row, keyword, log);
  if (deps.ondate && isOndateReply(row.text)) {
    const optedIn = await optInOndate(deps, row, log);
    if (optedIn) return optedIn;
  }
  if (deps.visitApplications && 'kakao' in row.sender && isVisitApplyReply(row.text)) {
    const applied = await applyForVisit(deps, row, row.sender.kakao, log);
    if (applied) return applied;
  }
  let stored: CountedInbound | null;
  try {
    // The sender's flood count is taken by the same statement (see sender-flood.ts), and the
    // filing job is queued before this resolves.
    stored = await withTimeout(deps.inbox.store(row), deps.storeTimeoutMs);
  } catch (error) {
    // Postgres away: no count either, so the message counts as normal; and no case number
    // yet, so the resident hears the acknowledgement without one.
    try {
      await deps.buffer.put(row);
    } catch {
      log.error({ provider: row.provider }, 'Postgres and Redis both unavailable; message refused with 503');
      throw intakeUnavailable();
    }
    log.warn({ provider: row.provider, err: (error as Error).message }, 'Postgres unavailable; message kept in the Redis intake buffer');
    return { outcome: 'buffered', acknowledgement: row.acknowledgement };
  }
  if (stored === null) return { outcome: 'duplicate', acknowledgement: null };
  if (stored.standing === 'first-over') log.warn({ inboundId: stored.id, provider: row.provider }, 'a sender is flooding; their messages join one case');
  return { outcome: 'stored', inboundId: stored.id, acknowledgement: stored.acknowledgement, caseNumber: stored.caseNumber, joinsCase: stored.joinsCase };
}

/**
 * 온데이트: the reply joins the sender's latest case instead of opening one (a second delivery
 * of it is a duplicate). Null — filed like any message — when the sender has no case to
 * attach it to, or Postgres did not answer: then the inbox (or the buffer) keeps it.
 */
async function optInOndate(deps: IntakeDeps, row: Omit<InboundRow, 'flood'>, log: FastifyBaseLogger): Promise<Receipt | null> {
  let result: Awaited<ReturnType<typeof recordOndateReply>>;
  try {
    result = await withTimeout(recordOndateReply(deps.db, row), deps.storeTimeoutMs);
  } catch (error) {
    log.warn({ provider: row.provider, err: (error as Error).message }, 'could not record an 온데이트 reply; filed as a message instead');
    return null;
  }
  if (result === null) return null;
  if (result.outcome === 'duplicate') return { outcome: 'duplicate', acknowledgement: null };
  log.info({ caseId: result.caseId, newVolunteer: result.newVolunteer }, 'ondate reply recorded');
  if (result.pendingAcknowledgement) await handOff(deps.queues, log, { send: [result.pendingAcknowledgement] });
  return { outcome: 'opted-in', caseNumber: result.caseNumber, acknowledgement: result.acknowledgement };
}

/**
 * 찾아가는 구청장실 by KakaoTalk: the application is stored (its own case) before the skill
 * answers. Null — filed like any message — for a blocked sender, or when Postgres did not answer.
 */
async function applyForVisit(
  deps: IntakeDeps,
  row: Omit<InboundRow, 'flood'>,
  kakao: KakaoIdentity,
  log: FastifyBaseLogger,
): Promise<Receipt | null> {
  let result: Awaited<ReturnType<typeof receiveKakaoVisitApplication>>;
  try {
    result = await withTimeout(receiveKakaoVisitApplication(deps.db, { ...row, kakao }), deps.storeTimeoutMs);
  } catch (error) {
    log.warn({ provider: row.provider, err: (error as Error).message }, 'could not record a visit application; filed as a message instead');
    return null;
  }
  if (result === null) return null;
  if (result.outcome === 'duplicate') return { outcome: 'duplicate', acknowledgement: null };
  log.info({ caseId: result.caseId, visitRequestId: result.requestId, outcome: result.outcome }, 'kakao visit application');
  return { outcome: 'visit-applied', caseNumber: result.caseNumber, requestId: result.requestId, acknowledgement: result.acknowledgement };
}

/**
 * The consent path: the same guarantee as a petition (stored before the webhook answers). While
 * Postgres is away it waits in the Redis buffer like any message, and the drain applies it
 * (drain-buffer.ts): no notice can be sent meanwhile, since sending reads the ledger.
 */
async function receiveConsentMessage(
  deps: IntakeDeps,
  row: Omit<InboundRow, 'flood'>,
  keyword: NonNullable<ReturnType<typeof readConsentKeyword>>,
  log: FastifyBaseLogger,
): Promise<Receipt> {
  const replyPending = row.acknowledgementStatus === 'pending';
  let outcome;
  try {
    outcome = await withTimeout(
      recordConsentMessage(deps.db, { ...row, channel: row.channel as 'sms' | 'kakao', replyPending }, keyword, deps.consentRetentionDays),
      deps.storeTimeoutMs,
    );
  } catch (error) {
    try {
      await deps.buffer.put(row);
    } catch {
      log.error({ provider: row.provider }, 'Postgres and Redis both unavailable; message refused with 503');
      throw intakeUnavailable();
    }
    log.warn({ provider: row.provider, err: (error as Error).message }, 'Postgres unavailable; consent message kept in the Redis intake buffer');
    return { outcome: 'buffered', acknowledgement: consentReplyWhileAway(keyword.action, row) };
  }
  if (outcome.duplicate) return { outcome: 'duplicate', acknowledgement: null };
  log.info({ consentEventId: outcome.eventId, action: outcome.action }, 'notice consent message');
  if (replyPending) await enqueueConsentReply(deps.queues, outcome.eventId).catch((error: Error) => log.warn({ err: error.message }, 'consent reply not queued'));
  return { outcome: 'consent', eventId: outcome.eventId, action: outcome.action, acknowledgement: outcome.reply };
}

/** While Postgres is away the request waits in Redis; the resident hears what will be done. */
function consentReplyWhileAway(action: 'subscribe' | 'withdraw', row: Omit<InboundRow, 'flood'>): string | null {
  if (row.acknowledgementStatus === 'pending') return null;
  if (action === 'withdraw') return WITHDRAWN_REPLY;
  return 'phone' in row.sender || readConsentKeyword(row.text)?.phone ? SUBSCRIBED_REPLY : NEEDS_PHONE_REPLY;
}

/**
 * A write that has not answered in time goes to the buffer. If it completes later anyway,
 * the buffered copy is recognised by its provider id when filed: still one message.
 */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from Postgres within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
