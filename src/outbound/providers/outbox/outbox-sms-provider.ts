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
    async send(): Promise<SendResult> {
      return { providerMessageId: `outbox-${randomUUID()}`, status: 'delivered' };
    },
  };
}
