import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { PROJECT_ROOT } from '../src/paths.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

function start(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe('the process', () => {
  it('serves API and workers in one process, and exits 0 on SIGTERM', async () => {
    const port = 30000 + Math.floor(Math.random() * 20000);
    const { child } = start('src/main.ts', {
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
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses to start with a bad configuration, naming every bad variable', async () => {
    const { child, output } = start('src/main.ts', { PORT: 'eighty', DATABASE_URL: 'not a url', NODE_ENV: 'production' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    expect(output()).toContain('PORT must be a whole number');
    expect(output()).toContain('DATABASE_URL is not a valid URL');
    expect(output()).toContain('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are all required with NODE_ENV=production');
  });
});
