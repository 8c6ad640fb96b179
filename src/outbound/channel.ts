import type { DeliveryStatus } from './delivery-status.js';
import type { SmsTextRules } from './sms-text.js';

/** What a channel needs to deliver one message to one resident. */
export interface OutgoingSms {
  /** E.164 number of the resident. */
  to: string;
  text: string;
  /** Where the provider reports delivery; absent for providers that have no callbacks. */
  statusCallbackUrl?: string;
}

export interface SendResult {
  /** The provider's id, recorded before anything else so a retry never sends twice. */
  providerMessageId: string;
  status: DeliveryStatus;
}

/** One interface per channel; one implementation per provider (providers/<name>/). */
export interface SmsProvider {
  /** Stored on each message as the provider that carried it. */
  readonly name: string;
  /** What one message holds; longer answers leave as numbered parts (sms-text.ts). Default: DEFAULT_SMS_TEXT_RULES. */
  readonly textRules?: SmsTextRules;
  /** Sends one message that already fits `textRules`. */
  send(message: OutgoingSms): Promise<SendResult>;
}

/** The provider refused for good (invalid number, opted out, ...): retrying cannot help. */
export class PermanentSendError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentSendError';
  }
}

/** The provider asks us to slow down. */
export class RateLimitedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly code: string,
  ) {
    super(`provider rate limit (${code})`);
    this.name = 'RateLimitedError';
  }
}

/** Anything else (5xx, timeouts, network): worth retrying with back-off. */
export class TransientSendError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransientSendError';
  }
}

/** One resident a chat push goes to. */
export interface ChatRecipient {
  /** Kakao botUserKey. */
  userKey: string;
  caseNumber: string;
}

/** What became of a push, per resident, once the provider knows. */
export interface ChatPushReport {
  finished: boolean;
  /** Residents the push did not reach; their answers fall back to pull. */
  failedUserKeys: string[];
  /**
   * The provider counted failures it did not name (e.g. a key it could not resolve): who they
   * are is unknown, so the recipients not named can be neither delivered nor failed.
   */
  unnamedFailures: boolean;
  /** The counts say no recipient was reached, named or not. */
  noneReached: boolean;
}

/** The chat channel's push provider (Kakao i Open Builder's Event API). */
export interface ChatPushProvider {
  readonly name: string;
  /** The most recipients one push may name. */
  readonly maxRecipients: number;
  /** The longest text one push shows. */
  readonly maxTextLength: number;
  /**
   * Pushes one text to several residents; returns the provider's task id. `purpose` 'survey':
   * the satisfaction question, shown by the block with its quick replies when one is configured.
   */
  push(text: string, recipients: ChatRecipient[], purpose?: 'answer' | 'survey'): Promise<{ taskId: string }>;
  report(taskId: string): Promise<ChatPushReport>;
}
