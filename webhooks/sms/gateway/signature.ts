import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SmsGatewayConfig } from '../../../src/config/config.js';

export type SignatureCheck = { ok: true } | { ok: false; code: 'signature_missing' | 'signature_invalid' | 'timestamp_invalid'; message: string };

/**
 * The signature a gateway sends: HMAC-SHA256 with the shared secret over the raw body, or
 * over "<timestamp>.<raw body>" when the gateway also sends a timestamp header (which
 * makes a captured request useless after `toleranceSeconds`). Hex or base64, optionally
 * after a prefix such as "sha256=".
 */
export function gatewaySignature(gateway: SmsGatewayConfig, rawBody: Buffer, timestamp: string | null): string {
  const hmac = createHmac('sha256', gateway.secret);
  if (timestamp !== null) hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return gateway.signature.prefix + hmac.digest(gateway.signature.encoding);
}

export function checkGatewaySignature(
  gateway: SmsGatewayConfig,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  now = Date.now(),
): SignatureCheck {
  const { signature } = gateway;
  const given = headers[signature.header];
  if (typeof given !== 'string' || given === '') {
    return { ok: false, code: 'signature_missing', message: `the ${signature.header} header is required` };
  }
  let timestamp: string | null = null;
  if (signature.timestampHeader !== null) {
    const raw = headers[signature.timestampHeader];
    const seconds = typeof raw === 'string' && /^\d{9,11}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(seconds) || Math.abs(now / 1000 - seconds) > signature.toleranceSeconds) {
      return { ok: false, code: 'timestamp_invalid', message: `${signature.timestampHeader} must be the current Unix time in seconds` };
    }
    timestamp = raw as string;
  }
  // Hex is hex in either case.
  const normal = (s: string) => (signature.encoding === 'hex' ? s.toLowerCase() : s);
  const expected = Buffer.from(normal(gatewaySignature(gateway, rawBody, timestamp)));
  const actual = Buffer.from(normal(given.trim()));
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, code: 'signature_invalid', message: `${signature.header} does not match` };
  }
  return { ok: true };
}
