import type { DeliveryStatus } from './delivery-status.js';

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
