import type { FastifyPluginAsync } from 'fastify';
import twilioWebhooks from './sms/twilio/twilio-webhooks.js';
import kakaoWebhooks from './kakao/kakao-webhooks.js';

/** Every provider that calls us. Each adapter verifies its caller, stores, then answers. */
const webhooks: FastifyPluginAsync = async (app) => {
  await app.register(twilioWebhooks);
  await app.register(kakaoWebhooks);
};

export default webhooks;
