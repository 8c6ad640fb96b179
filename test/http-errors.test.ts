// Every 4xx answers `{"error":{"code","message"}}`, including what Node's HTTP parser refuses
// before fastify sees a request. Sent as raw bytes over a socket: inject and node:http's
// client would percent-encode (or refuse) a raw Hangul URL, which is the very case to test.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';

let ctx: TestContext;
let port = 0;
let auth = '';

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  port = (ctx.app.server.address() as AddressInfo).port;
  auth = `Authorization: Bearer ${await ctx.staffToken('manager')}\r\n`;
});
afterAll(async () => {
  await ctx?.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes the bytes as they are and reads the answer until the server closes (`Connection: close`). */
function send(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(request, 'utf8')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      let body = text.slice(split + 4);
      // fastify's own answers are chunked: join the chunks.
      if (headers['transfer-encoding'] === 'chunked') {
        let joined = '';
        let rest = Buffer.from(body, 'utf8');
        for (;;) {
          const eol = rest.indexOf('\r\n');
          const size = parseInt(rest.subarray(0, eol).toString(), 16);
          if (!size) break;
          joined += rest.subarray(eol + 2, eol + 2 + size).toString('utf8');
          rest = rest.subarray(eol + 2 + size + 2);
        }
        body = joined;
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body });
    });
  });
}

const get = (target: string, headers = auth) => send(`GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`);
const post = (target: string, contentType: string, body: string) =>
  send(
    `POST ${target} HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: ${contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );

/** The project's error shape and nothing else: no `statusCode`, no top-level `message`. */
function expectProjectError(res: RawResponse, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as unknown;
  expect(body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) } });
  return (body as { error: { code: string; message: string } }).error;
}

describe('what the HTTP parser refuses', () => {
  it('answers raw (not percent-encoded) Hangul in a query string in the project shape, saying how to send it', async () => {
    const error = expectProjectError(await get('/api/cases?category=도로'), 400, 'fst_err_bad_url');
    expect(error.message).toContain('percent-encoded');
    expect(error.message).toContain('%EB%8F%84%EB%A1%9C');
  });

  it('answers raw Hangul in a path, and on a webhook, the same way', async () => {
    expectProjectError(await get('/api/cases/도로'), 400, 'fst_err_bad_url');
    expectProjectError(await get('/webhooks/kakao/skill?x=가', ''), 400, 'fst_err_bad_url');
  });

  it('answers a header block over the limit with 431 in the project shape', async () => {
    const res = await get('/api/cases', `${auth}X-Filler: ${'a'.repeat(20_000)}\r\n`);
    expectProjectError(res, 431, 'headers_too_large');
  });

  it('answers something that is not HTTP at all in the project shape', async () => {
    expectProjectError(await send('HELLO\r\n\r\n'), 400, 'bad_request');
  });

  it('still serves the percent-encoded form of the same request (the schema then judges the value)', async () => {
    const error = expectProjectError(await get('/api/cases?category=%EB%8F%84%EB%A1%9C'), 400, 'validation_failed');
    expect(error.message).toMatch(/^category /);
  });
});

describe("fastify's own 4xx", () => {
  it('answer an unknown route, a body too large, bad or empty JSON and an unknown content type in the project shape', async () => {
    expectProjectError(await get('/no-such-route'), 404, 'not_found');
    expectProjectError(await get('/api/no-such-route'), 404, 'not_found');
    expectProjectError(await post('/api/cases/1/replies', 'application/json', JSON.stringify({ text: 'x'.repeat(40_000) })), 413);
    expectProjectError(await post('/api/cases/1/replies', 'application/json', '{"text":'), 400, 'fst_err_ctp_invalid_json_body');
    expectProjectError(await post('/api/cases/1/replies', 'application/json', ''), 400, 'fst_err_ctp_empty_json_body');
    expectProjectError(await post('/api/cases/1/replies', 'application/xml', '<text/>'), 415);
    expectProjectError(await post('/api/cases/1/replies', 'text/plain', 'hello'), 400, 'validation_failed');
    expectProjectError(await get('/api/cases/%E0%A4%A'), 400, 'fst_err_bad_url');
  });
});

describe('validation messages', () => {
  it('name the allowed values of a choice once', async () => {
    const status = expectProjectError(await get('/api/cases?status=open'), 400, 'validation_failed');
    expect(status.message).toBe('status must be one of received, assigned, answered, closed');
    const by = expectProjectError(await get('/api/reports/trend?by=week'), 400, 'validation_failed');
    expect(by.message).toBe('by must be one of month, quarter');
  });

  it('name a missing body field and a field that breaks its rule', async () => {
    const missing = expectProjectError(await post('/api/cases/1/assign', 'application/json', '{}'), 400, 'validation_failed');
    expect(missing.message).toBe('department is required');
    const limit = expectProjectError(await get('/api/cases?limit=500'), 400, 'validation_failed');
    expect(limit.message).toBe('limit must be <= 200');
  });
});
