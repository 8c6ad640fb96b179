import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SmsGatewayConfig } from '../../../src/config/config.js';
import { checkGatewaySignature } from './signature.js';

const SECRET = 'gateway-secret-0123456789';
const BODY = Buffer.from('{"id":"MO-1","from":"010-1234-5678","text":"가로등"}');
const NOW = Date.parse('2026-11-26T12:00:00Z');
const TS = String(NOW / 1000);

function gateway(signature: Partial<SmsGatewayConfig['signature']> = {}): SmsGatewayConfig {
  return {
    name: 'test',
    secret: SECRET,
    signature: { header: 'x-sig', encoding: 'hex', prefix: '', timestampHeader: null, toleranceSeconds: 300, ...signature },
    fields: { messageId: 'id', from: 'from', text: 'text', receivedAt: null },
  };
}

const hmac = (data: string | Buffer, encoding: 'hex' | 'base64') => createHmac('sha256', SECRET).update(data).digest(encoding);

describe('checkGatewaySignature', () => {
  it('accepts HMAC-SHA256 of the raw body in hex, in either case', () => {
    expect(checkGatewaySignature(gateway(), { 'x-sig': hmac(BODY, 'hex') }, BODY, NOW)).toEqual({ ok: true });
    expect(checkGatewaySignature(gateway(), { 'x-sig': hmac(BODY, 'hex').toUpperCase() }, BODY, NOW)).toEqual({ ok: true });
  });

  it('accepts base64 and a prefix, and refuses the same value without the prefix', () => {
    const g = gateway({ encoding: 'base64', prefix: 'sha256=' });
    expect(checkGatewaySignature(g, { 'x-sig': `sha256=${hmac(BODY, 'base64')}` }, BODY, NOW)).toEqual({ ok: true });
    expect(checkGatewaySignature(g, { 'x-sig': hmac(BODY, 'base64') }, BODY, NOW)).toMatchObject({ ok: false, code: 'signature_invalid' });
  });

  it('signs "<timestamp>.<body>" when a timestamp header is configured, within the tolerance', () => {
    const g = gateway({ timestampHeader: 'x-ts', toleranceSeconds: 60 });
    const signed = hmac(`${TS}.${BODY.toString()}`, 'hex');
    expect(checkGatewaySignature(g, { 'x-sig': signed, 'x-ts': TS }, BODY, NOW)).toEqual({ ok: true });
    expect(checkGatewaySignature(g, { 'x-sig': signed, 'x-ts': TS }, BODY, NOW + 60_000)).toEqual({ ok: true });
    expect(checkGatewaySignature(g, { 'x-sig': signed, 'x-ts': TS }, BODY, NOW + 61_000)).toMatchObject({ ok: false, code: 'timestamp_invalid' });
    // The body alone, without the timestamp, is not what is signed.
    expect(checkGatewaySignature(g, { 'x-sig': hmac(BODY, 'hex'), 'x-ts': TS }, BODY, NOW)).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(checkGatewaySignature(g, { 'x-sig': signed }, BODY, NOW)).toMatchObject({ ok: false, code: 'timestamp_invalid' });
  });

  it('refuses a missing signature and one made with another secret', () => {
    expect(checkGatewaySignature(gateway(), {}, BODY, NOW)).toMatchObject({ ok: false, code: 'signature_missing' });
    const other = createHmac('sha256', 'another-secret-0123456789').update(BODY).digest('hex');
    expect(checkGatewaySignature(gateway(), { 'x-sig': other }, BODY, NOW)).toMatchObject({ ok: false, code: 'signature_invalid' });
  });
});
