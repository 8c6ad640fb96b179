import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { freePort } from './support/own-services.js';

let ctx: TestContext;
const children = new Set<ReturnType<typeof spawn>>();

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  // A test that failed half-way leaves no program running.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ctx?.close();
});

function start(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe('the process', () => {
  it('serves API and workers in one process, and exits 0 on SIGTERM', async () => {
    // Not a random port in the kernel's range for outgoing connections: one of them can hold it.
    const port = await freePort();
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
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 60_000);

  it('refuses to start with a bad configuration, naming every bad variable', async () => {
    const { child, output } = start('src/main.ts', { PORT: 'eighty', DATABASE_URL: 'not a url', NODE_ENV: 'production' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    expect(output()).toContain('PORT must be a whole number');
    expect(output()).toContain('DATABASE_URL is not a valid URL');
    expect(output()).toContain('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are all required with NODE_ENV=production');
  }, 60_000);
});
