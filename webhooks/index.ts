import type { FastifyPluginAsync } from 'fastify';
import twilioWebhooks from './sms/twilio/twilio-webhooks.js';
import kakaoWebhooks from './kakao/kakao-webhooks.js';
import solapiWebhooks from './sms/solapi/solapi-webhooks.js';
import gatewayWebhooks from './sms/gateway/gateway-webhooks.js';
import homepageWebhooks from './homepage/homepage-webhooks.js';

/** Every provider that calls us. Each adapter verifies its caller, stores, then answers. */
const webhooks: FastifyPluginAsync = async (app) => {
  await app.register(twilioWebhooks);
  await app.register(kakaoWebhooks);
  // Domestic SMS: Solapi's delivery reports, and gateways posting residents' messages.
  await app.register(solapiWebhooks);
  await app.register(gatewayWebhooks);
  // The district homepage's 찾아가는 구청장실 form (src/mayor-sessions).
  await app.register(homepageWebhooks);
};

export default webhooks;
