// Security headers on HTML pages (and every answer but the providers' webhooks); CORS closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';

let ctx: TestContext;
let operator = '';

beforeAll(async () => {
  ctx = await createTestContext();
  operator = await ctx.staffToken('operator');
});
afterAll(async () => {
  await ctx?.close();
});

describe('security headers', () => {
  it('are sent with the queue dashboard page', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/ops/board', headers: { authorization: `Bearer ${operator}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('are sent with API answers and errors too', async () => {
    for (const url of ['/healthz', '/api/cases', '/no-such-page']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['content-security-policy'], url).toBeDefined();
    }
  });

  it('are left off the webhooks, whose answers only a provider\'s server reads', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/kakao/skill', payload: {} });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBeUndefined();
  });
});

describe('CORS', () => {
  it('sends no Access-Control-Allow-Origin, even to a request from another origin', async () => {
    const token = await ctx.staffToken('manager');
    for (const url of ['/api/cases', '/healthz', '/ops/queues']) {
      const res = await ctx.app.inject({
        method: 'GET',
        url,
        headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` },
      });
      expect(res.headers['access-control-allow-origin'], url).toBeUndefined();
      expect(res.headers['access-control-allow-credentials'], url).toBeUndefined();
    }
  });

  it('refuses preflight requests', async () => {
    for (const url of ['/api/cases', '/api/cases/1/close', '/webhooks/kakao/skill']) {
      const res = await ctx.app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.headers['access-control-allow-origin'], url).toBeUndefined();
      expect(res.headers['access-control-allow-methods'], url).toBeUndefined();
      expect(res.headers['access-control-allow-headers'], url).toBeUndefined();
    }
  });
});
