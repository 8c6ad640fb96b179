import { v7 as timeOrderedUuid } from 'uuid';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { Unavailable } from '../domain/errors.js';
import type { Queues } from '../queues/queues.js';
import { handOff } from '../queues/enqueue.js';
import { insertCountedInbound, type CountedInbound, type InboundRow } from './inbox-repository.js';
import type { IntakeBuffer } from './intake-buffer.js';
import type { FloodLimit } from './sender-flood.js';

export interface IntakeDeps {
  db: Db;
  queues: Queues;
  buffer: IntakeBuffer;
  /** When a sender's messages count as a flood. */
  flood: FloodLimit;
  /** A follow-up within this many minutes joins the resident's open case (and is told its number). */
  threadWindowMinutes: number;
  /** How long the inbox write may take before the message goes to the Redis buffer instead. */
  storeTimeoutMs: number;
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
  /** Postgres was away: kept in the Redis buffer, filed once Postgres is back. */
  | { outcome: 'buffered' }
) & {
  /** What to answer the resident now: the acknowledgement, the flood notice, or nothing. */
  acknowledgement: string | null;
};

export const intakeUnavailable = () =>
  new Unavailable('unavailable', 'the message could not be stored right now; please try again');

/**
 * What a webhook does with a resident's message before answering the provider: one
 * insert into the inbox (which also counts the sender's flood window) and one job for the
 * routing worker, which files it into a case and routes it. Postgres away → the message is
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
  let stored: CountedInbound | null;
  try {
    // The sender's flood count is taken by the same statement (see sender-flood.ts).
    stored = await withTimeout(insertCountedInbound(deps.db, row, deps.flood, deps.threadWindowMinutes), deps.storeTimeoutMs);
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
  await handOff(deps.queues, log, { file: [stored.id] });
  return { outcome: 'stored', inboundId: stored.id, acknowledgement: stored.acknowledgement, caseNumber: stored.caseNumber, joinsCase: stored.joinsCase };
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
