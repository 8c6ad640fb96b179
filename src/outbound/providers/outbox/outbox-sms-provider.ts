import { randomUUID } from 'node:crypto';
import type { SendResult, SmsProvider } from '../../channel.js';

/**
 * Development only: "sends" by keeping the message in Postgres (where it already is)
 * and reporting it delivered. Chosen when no credentials are configured; config
 * refuses to start without credentials under NODE_ENV=production.
 */
export function createOutboxSmsProvider(): SmsProvider {
  return {
    name: 'outbox',
    // As a domestic gateway would: development shows what a Korean phone would receive.
    textRules: { unit: 'euc-kr-bytes', maxPerMessage: 2000, ksx1001: 'always' },
    async send(): Promise<SendResult> {
      return { providerMessageId: `outbox-${randomUUID()}`, status: 'delivered' };
    },
  };
}
