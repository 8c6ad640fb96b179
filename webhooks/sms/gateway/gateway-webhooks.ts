import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../src/http/errors.js';
import { normalizePhone } from '../../../src/residents/phone.js';
import type { SmsGatewayConfig } from '../../../src/config/config.js';
import { checkGatewaySignature } from './signature.js';
import { handGatewaySmsToIntake } from './hand-to-intake.js';
import { gatewayMedia, photosOnlyText } from '../../../src/attachments/media-references.js';

const BODY_LIMIT = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as the gateway signed it. */
    gatewayRawBody?: Buffer;
  }
}

/** The value at a dotted path ("data.sender") of a parsed body. */
export function fieldAt(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function textField(body: unknown, path: string, what: string): string {
  const value = fieldAt(body, path);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw badRequest('field_missing', `${what} ("${path}") is missing or not text`);
}

/** ISO 8601, or Unix time in seconds (or milliseconds); absent means now. */
function receivedAtField(body: unknown, path: string | null): Date {
  if (path === null) return new Date();
  const value = fieldAt(body, path);
  if (value === undefined || value === null || value === '') return new Date();
  const asNumber = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  const date = Number.isFinite(asNumber) ? new Date(asNumber < 1e12 ? asNumber * 1000 : asNumber) : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw badRequest('field_invalid', `the received time ("${path}") is not a date`);
  return date;
}

/**
 * Domestic SMS gateways → us: POST /webhooks/sms/:provider, one configured adapter per
 * gateway (SMS_GATEWAYS_FILE): where the message id, sender, text and time are in the
 * gateway's own JSON or form body, and how it signs (HMAC-SHA256 with a shared secret over
 * the raw body). /webhooks/sms/twilio is a static route and always wins over this one.
 */
const gatewayWebhooks: FastifyPluginAsync = async (app) => {
  const gateways: Record<string, SmsGatewayConfig> = app.config.smsGateways;

  // The signature covers the body's exact bytes: keep them, then parse. (Encapsulated: the
  // other webhooks keep their own parsers.)
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    const raw = body as Buffer;
    request.gatewayRawBody = raw;
    const type = (request.headers['content-type'] ?? '').toLowerCase();
    try {
      done(null, type.startsWith('application/json') ? JSON.parse(raw.toString('utf8')) : Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
    } catch {
      done(badRequest('body_invalid', 'the body is not valid JSON'), undefined);
    }
  });

  const gatewayOf = (request: FastifyRequest): SmsGatewayConfig => {
    const name = (request.params as { provider: string }).provider;
    const gateway = Object.hasOwn(gateways, name) ? gateways[name] : undefined;
    if (!gateway) throw notFound(`no SMS gateway named ${name} is configured`);
    return gateway;
  };

  app.post('/webhooks/sms/:provider', {
    preValidation: async (request, reply) => {
      const gateway = gatewayOf(request);
      const check = checkGatewaySignature(gateway, request.headers, request.gatewayRawBody ?? Buffer.alloc(0));
      if (!check.ok) return reply.status(403).send({ error: { code: check.code, message: check.message } });
    },
    handler: async (request) => {
      const gateway = gatewayOf(request);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw badRequest('body_invalid', 'the body must be a JSON object or a form');
      }
      const { fields } = gateway;
      const providerMessageId = textField(body, fields.messageId, 'the message id').trim();
      const rawFrom = textField(body, fields.from, 'the sender').trim();
      const media = gatewayMedia(body, gateway.media);
      // An MMS may carry a photo and no words.
      const text = media.length > 0 && (fieldAt(body, fields.text) ?? '') === '' ? photosOnlyText(media.length) : textField(body, fields.text, 'the text');
      if (providerMessageId === '' || providerMessageId.length > 128) throw badRequest('field_invalid', 'the message id must be 1 to 128 characters');
      if (text.length > 10_000) throw badRequest('field_invalid', 'the text is longer than 10,000 characters');
      const phone = normalizePhone(rawFrom);
      if (phone === null) throw badRequest('field_invalid', 'the sender is not a phone number');

      const receipt = await handGatewaySmsToIntake(app, request.log, {
        provider: gateway.name,
        providerMessageId,
        phone,
        text,
        raw: body as Record<string, unknown>,
        receivedAt: receivedAtField(body, fields.receivedAt),
        media,
      });
      request.log.info({ gateway: gateway.name, outcome: receipt.outcome }, 'gateway sms accepted');
      return { received: true, duplicate: receipt.outcome === 'duplicate' };
    },
  });
};

export default gatewayWebhooks;
