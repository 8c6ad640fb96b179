import type { Db } from '../../src/db/database.js';
import { isUniqueViolation } from '../../src/db/database.js';
import type { Channel } from '../../src/domain/channel.js';
import { sql } from 'kysely';
import { findCase } from '../../src/cases/case-repository.js';
import { findInboundByProviderId } from '../../src/cases/message-repository.js';
import { jsonWithoutNul, withoutNul } from '../../src/intake/inbox-repository.js';
import type { KakaoIdentity } from '../../src/residents/resident-repository.js';

/** Who wrote: each channel knows the resident by its own key. */
export type ResidentAddress = { kind: 'phone'; phone: string } | ({ kind: 'kakao' } & KakaoIdentity);

export interface ResidentMessage {
  channel: Channel;
  provider: string;
  /** The provider's own id for the message; a re-sent webhook carries the same one. Null when the provider gives none. */
  providerMessageId: string | null;
  from: ResidentAddress;
  text: string;
  /** Everything the provider sent, kept as evidence. */
  raw: Record<string, unknown>;
  receivedAt?: Date;
  /**
   * Set when the acknowledgement goes back inside the provider's answer (TwiML, a
   * SkillResponse): it is stored with the message, in the same transaction.
   */
  acknowledgement?: (caseNumber: string, newCase: boolean) => string;
}

export interface AcceptedMessage {
  messageId: number;
  caseId: number;
  caseNumber: string;
  /** True when this message opened the case, false when it joined an open one. */
  newCase: boolean;
  /** True when the provider had already delivered this message to us. */
  duplicate: boolean;
}

export interface IntakeOptions {
  threadWindowMinutes: number;
}

/** Stands for the case number in acknowledgement templates until Postgres has numbered the case. */
const CASE_NUMBER = '{caseNumber}';

/**
 * Files a resident's message straight into its case, as the routing worker does for an inbox
 * message, without a webhook or a worker: tests use it to make cases. A re-sent message (same
 * provider id) is stored once; a follow-up within the thread window joins the resident's open
 * case. It is one call to accept_resident_message (src/db/functions/accept_resident_message.sql),
 * the same function the worker's filing runs.
 */
export async function acceptResidentMessage(
  db: Db,
  message: ResidentMessage,
  options: IntakeOptions,
): Promise<AcceptedMessage> {
  const receivedAt = message.receivedAt ?? new Date();
  const from = message.from;
  const kakao = from.kind === 'kakao' ? from : null;
  // A Kakao skill answer appears in the chat at once; TwiML only queues an SMS.
  const ackStatus = message.channel === 'kakao' ? 'delivered' : 'sent';
  try {
    const { rows } = await sql<{ message_id: number; case_id: number; case_number: string; new_case: boolean; duplicate: boolean }>`
      select * from accept_resident_message(
        ${message.channel}, ${message.provider}, ${message.providerMessageId},
        ${from.kind === 'phone' ? from.phone : null},
        ${kakao?.userKey ?? null}, ${kakao?.plusfriendUserKey ?? null}, ${kakao?.appUserId ?? null}, ${kakao?.isFriend ?? null},
        ${withoutNul(message.text)}, ${jsonWithoutNul(message.raw)}::jsonb,
        ${receivedAt}, ${options.threadWindowMinutes},
        ${message.acknowledgement?.(CASE_NUMBER, true) ?? null}, ${message.acknowledgement?.(CASE_NUMBER, false) ?? null}, ${ackStatus}
      )`.execute(db);
    const row = rows[0]!;
    return { messageId: row.message_id, caseId: row.case_id, caseNumber: row.case_number, newCase: row.new_case, duplicate: row.duplicate };
  } catch (error) {
    // The same message arriving twice at once: the other request stored it first.
    if (isUniqueViolation(error) && message.providerMessageId !== null) {
      const winner = await findInboundByProviderId(db, message.provider, message.providerMessageId);
      if (winner) return duplicateOf(db, winner.id, winner.case_id);
    }
    throw error;
  }
}


async function duplicateOf(db: Db, messageId: number, caseId: number): Promise<AcceptedMessage> {
  const theCase = await findCase(db, caseId);
  return { messageId, caseId, caseNumber: theCase?.case_number ?? '', newCase: false, duplicate: true };
}
