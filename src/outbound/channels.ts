import type { Config } from '../config/config.js';
import type { OutboundChannels } from './send-message.js';
import { createTwilioSmsProvider } from './providers/twilio/twilio-sms-provider.js';
import { createOutboxSmsProvider } from './providers/outbox/outbox-sms-provider.js';
import { createKakaoEventProvider } from './providers/kakao/kakao-event-provider.js';

/** Picks each channel's provider from configuration. Config already refused a missing one in production. */
export function createOutboundChannels(config: Config): OutboundChannels {
  return {
    sms: config.twilio ? createTwilioSmsProvider(config.twilio) : createOutboxSmsProvider(),
    kakao: config.kakao.event ? createKakaoEventProvider(config.kakao.event) : null,
  };
}
