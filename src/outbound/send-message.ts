import type { Db } from '../db/database.js';
import type { Channel } from '../domain/channel.js';
import { PermanentSendError, TransientSendError, type ChatPushProvider, type SmsProvider } from './channel.js';
import { answerBeforeQuestion } from '../satisfaction/satisfaction.js';
import { deliverKakaoAnswer } from './kakao-push.js';
import { isFinalDeliveryStatus } from './delivery-status.js';
import { listAcceptedParts, loadOutgoing, recordAccepted, recordAllPartsAccepted, recordPartAccepted } from './outbound-repository.js';
import { composeSms, DEFAULT_SMS_TEXT_RULES } from './sms-text.js';

/** The provider behind each channel. */
export interface OutboundChannels {
  sms: SmsProvider;
  /** null: no Event API configured, Kakao answers wait for the resident to pull them. */
  kakao: ChatPushProvider | null;
}

export interface SendOptions {
  /** PUBLIC_BASE_URL: providers call back here with delivery reports. */
  publicBaseUrl: string;
  /** Called after a push was accepted, to check later whom it reached. */
  confirmPush?: (taskId: string) => Promise<void>;
}

export type SendOutcome = 'sent' | 'already-sent' | 'nothing-to-send' | 'awaiting-pull';

/**
 * Delivers one stored outbound message through its case's channel. Safe to run again
 * for the same message: once the provider's id is recorded, it is never sent twice.
 */
export async function sendStoredMessage(
  db: Db,
  channels: OutboundChannels,
  messageId: number,
  options: SendOptions,
): Promise<SendOutcome> {
  const message = await loadOutgoing(db, messageId);
  if (!message || message.direction !== 'out') return 'nothing-to-send';
  if (message.provider_message_id !== null) return 'already-sent';
  if (message.delivery_status && isFinalDeliveryStatus(message.delivery_status)) return 'nothing-to-send';
  // The satisfaction question sent apart follows its answer: tried again (with back-off) until
  // the answer has left; never sent when the answer could not be.
  if (message.kind === 'survey') {
    const answer = await answerBeforeQuestion(db, message.case_id, message.id);
    if (answer === 'waiting') throw new TransientSendError('answer_not_sent_yet', 'the satisfaction question waits for its answer to leave first');
    if (answer === 'failed') throw new PermanentSendError('answer_failed', 'the answer this question asks about could not be sent');
  }

  const channel: Channel = message.channel;
  switch (channel) {
    case 'sms': {
      if (!message.phone) throw new PermanentSendError('no_phone', 'the resident has no phone number');
      const provider = channels.sms;
      const statusCallbackUrl = `${options.publicBaseUrl}/webhooks/sms/${provider.name}/status`;
      const parts = composeSms(message.text, message.phone, provider.textRules ?? DEFAULT_SMS_TEXT_RULES);
      if (parts.length === 0) {
        throw new PermanentSendError('nothing_to_send', 'the answer has no character an SMS can carry (only emoji?)');
      }
      if (parts.length === 1) {
        const result = await provider.send({ to: message.phone, text: parts[0]!, statusCallbackUrl });
        await recordAccepted(db, message.id, provider.name, result.providerMessageId, result.status);
        return 'sent';
      }
      // Part by part, each recorded before the next: a retried job sends only what is missing.
      // (One job may call the provider several times: the queue's rate counts answers, not parts.)
      const already = await listAcceptedParts(db, message.id);
      if (already.some((p) => p.part_count !== parts.length)) {
        // The provider's rules changed between tries: more parts would not match those already read.
        throw new PermanentSendError('parts_changed', `parts were sent as ${already[0]!.part_count}; the answer now makes ${parts.length}`);
      }
      const accepted = new Set(already.map((p) => p.part_no));
      for (const [i, text] of parts.entries()) {
        if (accepted.has(i + 1)) continue;
        const result = await provider.send({ to: message.phone, text, statusCallbackUrl });
        await recordPartAccepted(db, {
          messageId: message.id,
          partNo: i + 1,
          partCount: parts.length,
          text,
          provider: provider.name,
          providerMessageId: result.providerMessageId,
          status: result.status,
        });
      }
      await recordAllPartsAccepted(db, message.id, provider.name);
      return 'sent';
    }
    case 'kakao': {
      const { outcome, taskId } = await deliverKakaoAnswer(db, channels.kakao, message.id);
      if (taskId !== undefined) await options.confirmPush?.(taskId);
      return outcome === 'pushed' ? 'sent' : outcome;
    }
    default:
      throw new PermanentSendError('no_channel', `no outbound provider for channel ${String(channel)}`);
  }
}
