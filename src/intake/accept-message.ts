import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import type { Channel } from '../cases/case.table.js';
import { createCase, findCase, findThreadableCase, prepareCaseNumbers } from '../cases/case-repository.js';
import { findInboundByProviderId, insertResidentMessage } from '../cases/message-repository.js';
import { upsertResidentByKakao, upsertResidentByPhone, type KakaoIdentity } from '../residents/resident-repository.js';
import type { Resident } from '../residents/resident.table.js';

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

/**
 * Stores a resident's message in its case, in one transaction, before the provider
 * gets an answer. A follow-up within the thread window joins the resident's open case.
 */
export async function acceptResidentMessage(
  db: Db,
  message: ResidentMessage,
  options: IntakeOptions,
): Promise<AcceptedMessage> {
  // No look-up first: a re-sent message is rare, and the unique index on the provider's id
  // catches it (below) at no cost to every other message.
  const receivedAt = message.receivedAt ?? new Date();
  await prepareCaseNumbers(db, receivedAt);
  try {
    return await db.transaction().execute(async (trx) => {
      const resident = await upsertResident(trx, message.from);
      const since = new Date(receivedAt.getTime() - options.threadWindowMinutes * 60_000);
      const open = options.threadWindowMinutes > 0
        ? await findThreadableCase(trx, resident.id, message.channel, since)
        : undefined;
      const theCase = open ?? (await createCase(trx, { channel: message.channel, residentId: resident.id, receivedAt }));
      const ackText = message.acknowledgement?.(theCase.case_number, !open);
      const messageId = await insertResidentMessage(trx, {
        caseId: theCase.id,
        channel: message.channel,
        text: message.text,
        provider: message.provider,
        providerMessageId: message.providerMessageId,
        raw: message.raw,
        receivedAt,
        event: open ? 'message_added' : 'received',
        touchCase: open !== undefined,
        // Handed over in the webhook's own answer; the provider reports nothing more on it.
        // A Kakao skill answer appears in the chat at once; TwiML only queues an SMS.
        acknowledgement: ackText === undefined ? null : { text: ackText, status: message.channel === 'kakao' ? 'delivered' : 'sent' },
      });
      return { messageId, caseId: theCase.id, caseNumber: theCase.case_number, newCase: !open, duplicate: false };
    });
  } catch (error) {
    // The same message arriving twice at once: the other request stored it first.
    if (isUniqueViolation(error) && message.providerMessageId !== null) {
      const winner = await findInboundByProviderId(db, message.provider, message.providerMessageId);
      if (winner) return duplicateOf(db, winner.id, winner.case_id);
    }
    throw error;
  }
}

async function upsertResident(trx: Db, from: ResidentAddress): Promise<Resident> {
  switch (from.kind) {
    case 'phone':
      return upsertResidentByPhone(trx, from.phone);
    case 'kakao':
      return upsertResidentByKakao(trx, from);
  }
}

async function duplicateOf(db: Db, messageId: number, caseId: number): Promise<AcceptedMessage> {
  const theCase = await findCase(db, caseId);
  return { messageId, caseId, caseNumber: theCase?.case_number ?? '', newCase: false, duplicate: true };
}
