// A local stand-in for Twilio's Messages API, as a real HTTP server: unlike nock it also
// serves worker processes the test spawns, and it counts every send that reached it, so
// a message sent twice shows up even when the sender died before hearing the answer.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const FAKE_ACCOUNT_SID = 'AC33333333333333333333333333333333';
export const FAKE_TWILIO_FROM = '+82215550100';

/** What the fake does with the n-th request (0-based). */
export type FakeTwilioReply =
  | { kind: 'accept'; delayMs?: number }
  | { kind: 'error'; status: number; code: number; message: string; delayMs?: number }
  /** Never answers: the sender's timeout decides. */
  | { kind: 'hang' };

export interface FakeTwilioRequest {
  to: string;
  body: string;
  /** The sid given to an accepted message (also when its answer never reached the sender). */
  sid: string | null;
  /** True once the whole answer was written to the sender. */
  answered: boolean;
}

export interface FakeTwilioServer {
  /** TWILIO_API_BASE_URL for the code under test. */
  baseUrl: string;
  /** Environment for the code under test: credentials and base URL. */
  env: Record<string, string>;
  /** Every send that reached the fake, in order of arrival. */
  requests: FakeTwilioRequest[];
  /** How many sends of each text reached the fake. */
  countsByBody(): Map<string, number>;
  /** Sends that reached the fake and have not been answered yet. */
  inFlight(): number;
  /** Open TCP connections (a killed sender's close once the kernel tells us). */
  openConnections(): number;
  reply: (n: number, request: FakeTwilioRequest) => FakeTwilioReply;
  close(): Promise<void>;
}

export async function startFakeTwilio(
  reply: (n: number, request: FakeTwilioRequest) => FakeTwilioReply = () => ({ kind: 'accept' }),
): Promise<FakeTwilioServer> {
  const requests: FakeTwilioRequest[] = [];
  const sockets = new Set<Socket>();
  const path = `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`;

  const send = (response: ServerResponse, status: number, body: object, request?: FakeTwilioRequest) => {
    if (response.destroyed) return;
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    response.end(text, () => {
      if (request) request.answered = true;
    });
  };

  const handle = (req: IncomingMessage, response: ServerResponse, raw: string) => {
    if (req.method !== 'POST' || req.url !== path) {
      send(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    const form = new URLSearchParams(raw);
    const request: FakeTwilioRequest = { to: form.get('To') ?? '', body: form.get('Body') ?? '', sid: null, answered: false };
    const n = requests.push(request) - 1;
    const behaviour = fake.reply(n, request);
    if (behaviour.kind === 'hang') return;
    const answer = () => {
      if (behaviour.kind === 'error') {
        const { status, code, message } = behaviour;
        send(response, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, request);
        return;
      }
      request.sid = `SM${randomBytes(16).toString('hex')}`;
      send(
        response,
        201,
        {
          sid: request.sid,
          account_sid: FAKE_ACCOUNT_SID,
          to: request.to,
          from: form.get('From'),
          body: request.body,
          status: 'queued',
          num_segments: '1',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          error_code: null,
          error_message: null,
          date_created: new Date().toUTCString(),
          uri: `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages/${request.sid}.json`,
        },
        request,
      );
    };
    if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs);
    else answer();
  };

  const server = createServer((req, response) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, response, raw));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const fake: FakeTwilioServer = {
    baseUrl,
    env: {
      TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
      TWILIO_FROM: FAKE_TWILIO_FROM,
      TWILIO_API_BASE_URL: baseUrl,
    },
    requests,
    countsByBody() {
      const counts = new Map<string, number>();
      for (const r of requests) counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
      return counts;
    },
    inFlight: () => requests.filter((r) => !r.answered).length,
    openConnections: () => sockets.size,
    reply,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  return fake;
}
