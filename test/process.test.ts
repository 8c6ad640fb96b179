import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { freePort } from './support/own-services.js';
import { killAll, startProcess, type RunningProcess } from './support/processes.js';

let ctx: TestContext;
const started: RunningProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  // A test that failed half-way leaves no program running.
  await killAll(started);
  await ctx?.close();
});

function start(entry: string, env: Record<string, string>): RunningProcess {
  const running = startProcess(entry, env);
  started.push(running);
  return running;
}

describe('the process', () => {
  it('serves API and workers in one process, and exits 0 on SIGTERM', async () => {
    // Not a random port in the kernel's range for outgoing connections: one of them can hold it.
    const port = await freePort();
    const { child, exited } = start('src/main.ts', {
      PORT: String(port),
      DATABASE_URL: ctx.config.databaseUrl,
      REDIS_URL: ctx.config.redisUrl,
      QUEUE_PREFIX: ctx.config.queuePrefix,
      WORKER_METRICS_PORT: '0',
    });
    const ready = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = (await res.json()) as Record<string, string>;
      // Ready as soon as either store answers; wait for both.
      return res.status === 200 && body.postgres === 'up' && body.redis === 'up' ? body : undefined;
    }, 30_000);
    expect(ready).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  }, 60_000);

  it('refuses to start with a bad configuration, naming every bad variable', async () => {
    const { exited, output } = start('src/main.ts', { PORT: 'eighty', DATABASE_URL: 'not a url', NODE_ENV: 'production' });
    expect((await exited).code).toBe(78);
    expect(output()).toContain('PORT must be a whole number');
    expect(output()).toContain('DATABASE_URL is not a valid URL');
    expect(output()).toContain('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are all required with NODE_ENV=production');
  }, 60_000);
});
