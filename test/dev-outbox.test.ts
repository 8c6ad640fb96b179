// Without SMS credentials in development, answers go to the outbox and are marked delivered:
// the workers must say so at start, once, rather than let a developer think residents got them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, TEST_AUTH_TOKEN, type TestContext } from './support/harness.js';
import { startWorkers } from '../workers/index.js';
import type { Config } from '../src/config/config.js';
import { captureLogs } from './support/log-capture.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** Starts and stops the workers with a logger whose lines land in an array. */
async function startLines(config: Config) {
  const logs = captureLogs({ level: 'info' });
  const workers = await startWorkers(config, logs.log);
  await workers.close();
  return logs.lines();
}

describe('the development outbox at start', () => {
  it('warns once that SMS answers are not being sent, why, and where to see them', async () => {
    expect(ctx.config.smsProvider).toBe('outbox');
    const lines = await startLines(ctx.config);
    const outbox = lines.filter((l) => /outbox/.test(l.msg));
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ level: 40, smsProvider: 'outbox' });
    expect(outbox[0]!.msg).toMatch(/^SMS answers are NOT being sent to residents: no SMS provider is configured \(Twilio needs all of TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM; Solapi needs SMS_PROVIDER=solapi/);
    expect(outbox[0]!.msg).toContain('npm run cli -- outbox list');
  });

  it('says nothing of it when Twilio sends the answers', async () => {
    const twilio = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: TEST_AUTH_TOKEN, from: '+8225550100', apiBaseUrl: 'https://api.twilio.com' };
    const lines = await startLines({ ...ctx.config, twilio, smsProvider: 'twilio' });
    expect(lines.filter((l) => /outbox/.test(l.msg))).toEqual([]);
  });
});
