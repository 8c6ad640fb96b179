import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import type { Channel } from '../cases/case.table.js';
import { addCaseEvent, createCase, findCase, findThreadableCase, prepareCaseNumbers, touchCase } from '../cases/case-repository.js';
import { findInboundByProviderId, insertMessage } from '../cases/message-repository.js';
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
  if (message.providerMessageId !== null) {
    const existing = await findInboundByProviderId(db, message.provider, message.providerMessageId);
    if (existing) return duplicateOf(db, existing.id, existing.case_id);
  }

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
      if (open) await touchCase(trx, open.id, receivedAt);

      const stored = await insertMessage(trx, {
        case_id: theCase.id,
        direction: 'in',
        kind: 'resident',
        channel: message.channel,
        text: message.text,
        provider: message.provider,
        provider_message_id: message.providerMessageId,
        raw: JSON.stringify(message.raw),
        created_at: receivedAt,
      });
      await addCaseEvent(trx, theCase.id, open ? 'message_added' : 'received', { messageId: stored.id });
      if (message.acknowledgement) {
        await insertMessage(trx, {
          case_id: theCase.id,
          direction: 'out',
          kind: 'acknowledgement',
          channel: message.channel,
          text: message.acknowledgement(theCase.case_number, !open),
          provider: message.provider,
          // Handed over in the webhook's own answer; the provider reports nothing more on it.
          // A Kakao skill answer appears in the chat at once; TwiML only queues an SMS.
          delivery_status: message.channel === 'kakao' ? 'delivered' : 'sent',
          sent_at: receivedAt,
        });
      }
      return { messageId: stored.id, caseId: theCase.id, caseNumber: theCase.case_number, newCase: !open, duplicate: false };
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
