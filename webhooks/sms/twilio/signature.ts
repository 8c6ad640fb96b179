import twilio from 'twilio';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Verifies X-Twilio-Signature. The URL is the public one Twilio called, built from
 * PUBLIC_BASE_URL (behind a proxy the request's own host and scheme are not it).
 */
export function twilioSignatureCheck(authToken: string | null, publicBaseUrl: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const signature = request.headers['x-twilio-signature'];
    if (authToken === null) {
      request.log.warn('TWILIO_AUTH_TOKEN is not set: Twilio webhooks cannot be verified and are refused');
      return reply.status(403).send({ error: { code: 'signature_unverifiable', message: 'webhook verification is not configured' } });
    }
    if (typeof signature !== 'string' || signature === '') {
      return reply.status(403).send({ error: { code: 'signature_missing', message: 'X-Twilio-Signature is required' } });
    }
    const params = (request.body ?? {}) as Record<string, unknown>;
    const url = publicBaseUrl + request.url;
    if (!twilio.validateRequest(authToken, signature, url, params)) {
      return reply.status(403).send({ error: { code: 'signature_invalid', message: 'X-Twilio-Signature does not match' } });
    }
  };
}
