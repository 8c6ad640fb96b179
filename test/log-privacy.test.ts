import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, inboundSms, signTwilio, type TestContext } from './support/harness.js';
import { buildApp } from '../src/app.js';
import { startWorkers } from '../workers/index.js';
import { captureLogs } from './support/log-capture.js';

const PHONE = '+821033334444';
const TEXT = '저희 집 앞 골목에 쓰레기 무단투기가 심합니다 비밀스러운내용';
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('logs', () => {
  it('never carry a phone number, message text, staff token or signature, even at trace level', async () => {
    const logs = captureLogs();
    const log = logs.log;
    const app = await buildApp(ctx.config, { logger: log });
    const workers = await startWorkers(ctx.config, log);
    try {
      const params = inboundSms({ From: PHONE, Body: TEXT });
      const signature = signTwilio('/webhooks/sms/twilio', params);
      const inbound = await app.inject({
        method: 'POST',
        url: '/webhooks/sms/twilio',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams(params).toString(),
      });
      expect(inbound.statusCode).toBe(200);
      const theCase = await eventually(async () => {
        const c = await ctx.db.selectFrom('cases').selectAll().where('status', '=', 'assigned').executeTakeFirst();
        return c ?? undefined;
      });
      const token = await ctx.staffToken('manager');
      const answer = '답변드립니다 수거완료했습니다 비밀답변';
      const closed = await app.inject({
        method: 'POST',
        url: `/api/cases/${theCase.id}/close`,
        headers: { authorization: `Bearer ${token}` },
        payload: { disposition: 'resolved', text: answer },
      });
      expect(closed.statusCode).toBe(200);
      await eventually(async () => {
        const m = await ctx.db.selectFrom('messages').selectAll().where('kind', '=', 'answer').executeTakeFirst();
        return m?.provider_message_id ? m : undefined;
      });
      // A token in a query string (the board's first page load, or a mistyped address) is not logged either.
      await app.inject({ method: 'GET', url: '/ops/board/no-such-page?token=QUERYTOKEN123' });
      await app.inject({ method: 'GET', url: `/ops/board?token=${token}` });
      // The logs did record the traffic ...
      expect(logs.text()).toContain('/webhooks/sms/twilio');
      expect(logs.text()).toContain('outbound job done');
      // ... but none of the personal data or secrets.
      for (const secret of [PHONE, PHONE.slice(3), '33334444', '무단투기', '비밀스러운내용', '비밀답변', token, signature, 'QUERYTOKEN123']) {
        expect(logs.text(), `logs contain ${secret}`).not.toContain(secret);
      }
    } finally {
      await workers.close();
      await app.close();
    }
  });
});
