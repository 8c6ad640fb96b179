import type { Config } from '../config/config.js';
import type { OutboundChannels } from './send-message.js';
import { createOutboxSmsProvider } from './providers/outbox/outbox-sms-provider.js';
import { createKakaoEventProvider } from './providers/kakao/kakao-event-provider.js';
import { createSolapiSmsProvider } from './providers/solapi/solapi-sms-provider.js';

/**
 * Picks each channel's provider from configuration (SMS: SMS_PROVIDER=solapi, else Twilio
 * when configured, else the development outbox). Config already refused a missing one in
 * production. The twilio package is loaded only when Twilio is configured: it is large, and
 * a worker should be routing messages within a second of starting.
 */
export async function createOutboundChannels(config: Config): Promise<OutboundChannels> {
  const sms = config.solapi
    ? createSolapiSmsProvider(config.solapi)
    : config.twilio
      ? (await import('./providers/twilio/twilio-sms-provider.js')).createTwilioSmsProvider(config.twilio)
      : createOutboxSmsProvider();
  return {
    sms,
    kakao: config.kakao.event ? createKakaoEventProvider(config.kakao.event) : null,
  };
}

/**
 * Why SMS answers go to the development outbox, or null when a provider sends them. Said once
 * at worker start (warn): a developer otherwise sees answers marked delivered that no phone got.
 */
export function outboxNotice(config: Config): string | null {
  if (config.smsProvider !== 'outbox') return null;
  return (
    'SMS answers are NOT being sent to residents: no SMS provider is configured (Twilio needs all of ' +
    'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM; Solapi needs SMS_PROVIDER=solapi and its keys), ' +
    'so they go to the development outbox and are marked delivered. See them with `npm run cli -- outbox list`.'
  );
}
