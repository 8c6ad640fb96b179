// Errors that must not crash the process (a Redis or Postgres connection reconnecting, a queue
// whose Redis is away) are logged at warn, once a minute per source with a count of what was
// held back, instead of vanishing into `on('error', () => undefined)`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_LOG_INTERVAL_MS, errorLog } from '../src/logger.js';
import { createProducerConnection } from '../src/queues/queues.js';
import { buildApp } from '../src/app.js';
import { captureLogs, type LogLine } from './support/log-capture.js';
import { freePort } from './support/own-services.js';
import { createTestContext, eventually, type TestContext } from './support/harness.js';

const warnings = (lines: LogLine[], source: string) => lines.filter((l) => l.source === source);

describe('errorLog: rate-limited', () => {
  it('logs the first error of a source at warn, counts repeats within the interval, and logs again after it with the count', () => {
    const logs = captureLogs();
    let now = 1_000_000;
    const report = errorLog(logs.log, 'redis test connection', { now: () => now });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

    report(refused);
    for (let i = 0; i < 5; i++) {
      now += 1_000;
      report(refused);
    }
    let lines = warnings(logs.lines(), 'redis test connection');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      source: 'redis test connection',
      err: 'connect ECONNREFUSED 127.0.0.1:6390',
      code: 'ECONNREFUSED',
      suppressed: 0,
    });

    now += ERROR_LOG_INTERVAL_MS;
    report(refused);
    lines = warnings(logs.lines(), 'redis test connection');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 40, suppressed: 5 });
  });

  it('keeps a budget per source: one source flapping does not hide another', () => {
    const logs = captureLogs();
    const now = () => 5_000;
    const redis = errorLog(logs.log, 'redis a', { now });
    const postgres = errorLog(logs.log, 'postgres pool', { now });
    redis(new Error('one'));
    redis(new Error('two'));
    postgres(new Error('three'));
    // A second listener on the same source shares its budget (several queues on one connection).
    errorLog(logs.log, 'redis a', { now })(new Error('four'));
    expect(logs.lines().map((l) => [l.source, l.err])).toEqual([
      ['redis a', 'one'],
      ['postgres pool', 'three'],
    ]);
  });

  it("logs the error's code and message only, never what a driver attaches (the row, the query)", () => {
    const logs = captureLogs();
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (phone)=(+821012345678) already exists.',
      query: "insert into residents (phone) values ('+821012345678')",
    });
    errorLog(logs.log, 'postgres pool')(error);
    expect(logs.lines()).toHaveLength(1);
    expect(logs.text()).toContain('23505');
    expect(logs.text()).not.toContain('821012345678');
  });
});

describe('a Redis connection error leaves a log line', () => {
  let ctx: TestContext;
  let deadRedisUrl = '';

  beforeAll(async () => {
    ctx = await createTestContext();
    deadRedisUrl = `redis://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('the producer connection logs once while it keeps failing to reconnect', async () => {
    const logs = captureLogs();
    const redis = createProducerConnection(deadRedisUrl, logs.log);
    let errors = 0;
    redis.on('error', () => (errors += 1));
    try {
      // ioredis retries on its own and emits an error each time.
      await eventually(async () => errors >= 3);
      const lines = warnings(logs.lines(), 'redis producer connection');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, code: 'ECONNREFUSED' });
    } finally {
      redis.disconnect();
    }
  });

  it("the API's Redis connections say so in the API's log when Redis is away", async () => {
    const logs = captureLogs();
    const app = await buildApp({ ...ctx.config, redisUrl: deadRedisUrl }, { logger: logs.log });
    try {
      await app.ready();
      const lines = await eventually(async () => {
        const found = logs.lines().filter((l) => l.level === 40 && typeof l.source === 'string');
        const sources = new Set(found.map((l) => l.source));
        return sources.has('redis producer connection') && sources.has('redis intake buffer') ? found : undefined;
      });
      for (const line of lines) expect(line.code).toBe('ECONNREFUSED');
    } finally {
      await app.close();
    }
  });
});
