// A local stand-in for Twilio's REST API, for demos and for trying the whole path on one machine.
// It accepts Messages.json like Twilio, prints what would have been sent, then calls the
// StatusCallback with signed "sent" and "delivered" reports, as Twilio does.
//   TWILIO_AUTH_TOKEN=demo-token FAKE_TWILIO_PORT=3999 npm run fake:twilio
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

const port = Number(process.env.FAKE_TWILIO_PORT ?? 3999);
const authToken = process.env.TWILIO_AUTH_TOKEN ?? '';
if (!authToken) {
  process.stderr.write('TWILIO_AUTH_TOKEN is required: status callbacks are signed with it\n');
  process.exit(78);
}

async function report(callback: string, sid: string, status: string): Promise<void> {
  const params = { MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, ApiVersion: '2010-04-01' };
  const response = await fetch(callback, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, callback, params),
    },
    body: new URLSearchParams(params),
  });
  process.stdout.write(`status callback ${status} for ${sid}: HTTP ${response.status}\n`);
}

const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
      return;
    }
    const form = new URLSearchParams(body);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    process.stdout.write(`SMS ${sid} to ${form.get('To')} from ${form.get('From') ?? form.get('MessagingServiceSid')}:\n${form.get('Body')}\n`);
    response
      .writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ sid, account_sid: match[1], status: 'queued', to: form.get('To'), body: form.get('Body'), error_code: null }));
    const callback = form.get('StatusCallback');
    if (callback) {
      setTimeout(() => {
        report(callback, sid, 'sent')
          .then(() => report(callback, sid, 'delivered'))
          .catch((error: Error) => process.stderr.write(`status callback failed: ${error.message}\n`));
      }, 300);
    }
  });
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`fake Twilio listening on http://127.0.0.1:${port}\n`));
process.on('SIGTERM', () => server.close());
process.on('SIGINT', () => server.close());
