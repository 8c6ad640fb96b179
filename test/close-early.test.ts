// An app or a worker set stopped right after it started (a process told to stop at start, a test
// that needs the app for one request) must close cleanly: no error of a connection still being
// made may surface afterwards as an unhandled rejection (issue: the suite failing one run in three).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, silentLogger, type TestContext } from './support/harness.js';
import { buildApp } from '../src/app.js';
import { startWorkers } from '../workers/index.js';

let ctx: TestContext;
const unhandled: unknown[] = [];
const hear = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  ctx = await createTestContext();
  process.on('unhandledRejection', hear);
});
afterAll(async () => {
  process.off('unhandledRejection', hear);
  await ctx?.close();
});

/** Long enough for a connection closed mid-way to have said all it will say. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('closing before the connections are up', () => {
  it('an app closed right after it was built leaves no unhandled rejection', async () => {
    for (let i = 0; i < 10; i++) {
      const app = await buildApp(ctx.config, { logger: silentLogger });
      await app.close();
    }
    await settle();
    expect(unhandled.map(String)).toEqual([]);
  });

  it('workers closed right after they started leave no unhandled rejection', async () => {
    for (let i = 0; i < 3; i++) {
      const workers = await startWorkers(ctx.config, silentLogger);
      await workers.close();
    }
    await settle();
    expect(unhandled.map(String)).toEqual([]);
  }, 60_000);
});
