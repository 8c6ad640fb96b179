import twilio from 'twilio';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The URL a signature was checked against, for the log: scheme, host, port and path as they
 * were, query values and any credentials in it masked (the names stay, to show a query that
 * Twilio's URL has and ours lacks).
 */
export function loggableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = '***';
      parsed.password = '';
    }
    const names = [...parsed.searchParams.keys()];
    parsed.search = '';
    const query = names.length === 0 ? '' : `?${names.map((name) => `${encodeURIComponent(name)}=***`).join('&')}`;
    return `${parsed.href}${query}`.slice(0, 500);
  } catch {
    return url.split('?')[0]!.slice(0, 500);
  }
}

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
      // Once per refused request. The usual cause is a URL mismatch (PUBLIC_BASE_URL left at
      // 127.0.0.1/localhost, http behind an https proxy, another port or path prefix): the URL
      // shows it at once. Never the signature, the token, the sender or the text.
      request.log.warn(
        { checkedUrl: loggableUrl(url) },
        'X-Twilio-Signature does not match for this URL: it must be exactly the URL set in the Twilio console (PUBLIC_BASE_URL + path), or the auth token differs',
      );
      return reply.status(403).send({ error: { code: 'signature_invalid', message: 'X-Twilio-Signature does not match' } });
    }
  };
}
