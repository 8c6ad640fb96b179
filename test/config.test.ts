import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { EnvSchema, readEnvironment } from '../src/config/env-schema.js';

const TWILIO = { TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: 'secret-token', TWILIO_FROM: '+8225550100' };

/** The problems loadConfig reports, or fails the test if it does not throw a ConfigError. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('defaults (CONTRACT.md)', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/sotong',
      redisUrl: 'redis://127.0.0.1:6379',
      publicBaseUrl: 'http://127.0.0.1:3000',
      logLevel: 'info',
      queuePrefix: 'sotong',
      twilio: null,
      twilioAuthToken: null,
    });
  });

  it('derives PUBLIC_BASE_URL from PORT when it is not set', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ PORT: '8080', PUBLIC_BASE_URL: 'https://sotong.example.go.kr' }).publicBaseUrl).toBe('https://sotong.example.go.kr');
  });

  it('treats empty and blank values as unset, as .env.example promises', () => {
    const config = loadConfig({ PORT: '', HOST: '  ', PUBLIC_BASE_URL: '', LOG_LEVEL: '', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: ' ', TWILIO_FROM: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', publicBaseUrl: 'http://127.0.0.1:3000', logLevel: 'info', twilio: null, twilioAuthToken: null });
  });

  it('takes explicit values, trimmed, and drops a trailing slash from URLs', () => {
    const config = loadConfig({
      PORT: ' 8443 ',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://app:pw@db:5432/sotong',
      REDIS_URL: 'rediss://cache:6380/2',
      PUBLIC_BASE_URL: 'https://sotong.junggu.example.go.kr/',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://app:pw@db:5432/sotong',
      redisUrl: 'rediss://cache:6380/2',
      publicBaseUrl: 'https://sotong.junggu.example.go.kr',
      logLevel: 'debug',
    });
  });

  it("loads .env.example with the README's `set -a; . ./.env; set +a`, every value as written, and config takes the result", () => {
    // What each line means: NAME=VALUE, one pair of double quotes around VALUE removed.
    const written = new Map<string, string>();
    for (const line of readFileSync(new URL('../.env.example', import.meta.url), 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (match) written.set(match[1]!, match[2]!.replace(/^"(.*)"$/, '$1'));
    }
    for (const name of ['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'PUBLIC_BASE_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_BASE_URL', 'LOG_LEVEL']) {
      expect(written.has(name), name).toBe(true);
    }
    expect(written.get('SOLAPI_LMS_SUBJECT')).toBe('구청장 소통폰');
    // The recipe below is the one the README gives.
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toContain('set -a; . ./.env; set +a');
    // The recipe, in a bash with an empty environment; NUL-separated so any value survives.
    // --norc: bash reads ~/.bashrc even non-interactively when stdin is a socket (as under vitest).
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', 'set -a; . ./.env.example; set +a; env -0'], {
      cwd: new URL('..', import.meta.url),
      env: {},
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const sourced = Object.fromEntries(
      result.stdout.split('\0').filter((e) => e !== '').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    ) as Record<string, string>;
    for (const [name, value] of written) expect(sourced[name], name).toBe(value);
    // The example changes nothing: the values it writes are the defaults.
    expect(loadConfig(sourced)).toEqual(loadConfig({}));
  });

  it('reads process.env only when no environment is passed', () => {
    vi.stubEnv('PORT', '4321');
    expect(loadConfig().port).toBe(4321);
    expect(loadConfig({}).port).toBe(3000);
  });
});

describe('invalid values', () => {
  it('reports every problem at once, each by its variable name', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_URL: 'not-a-url', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.includes('PORT'))).toContain('"abc"');
    expect(problems.some((p) => p.includes('DATABASE_URL'))).toBe(true);
    expect(problems.some((p) => p.includes('LOG_LEVEL'))).toBe(true);
    // The thrown message lists them all too, for the operator reading the log.
    const message = (() => {
      try {
        loadConfig({ PORT: 'abc', DATABASE_URL: 'not-a-url', LOG_LEVEL: 'loud' });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const problem of problems) expect(message).toContain(problem);
  });

  it('rejects ports that are not plain whole numbers in range', () => {
    for (const port of ['-1', '65536', '3000.5', '0x50', '1e3', '80abc']) {
      const problems = problemsOf({ PORT: port });
      expect(problems, port).toEqual([expect.stringContaining('PORT')]);
    }
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('rejects URLs of the wrong kind, naming the variable', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://root@127.0.0.1/sotong',
      REDIS_URL: 'http://127.0.0.1:6379',
      PUBLIC_BASE_URL: 'ftp://sotong.example',
      TWILIO_API_BASE_URL: 'twilio',
    });
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_BASE_URL', 'TWILIO_API_BASE_URL']) {
      expect(problems.filter((p) => p.startsWith(name)), name).toHaveLength(1);
    }
    expect(problems).toHaveLength(4);
  });

  it('rejects an unknown NODE_ENV and bad tuning numbers', () => {
    const problems = problemsOf({ NODE_ENV: 'staging', THREAD_WINDOW_MINUTES: 'soon', OUTBOUND_ATTEMPTS: '0', STAFF_TOKEN_DAYS: '99999', SWEEP_MIN_AGE_MS: '-1', JOB_STALL_MS: '10' });
    for (const name of ['NODE_ENV', 'THREAD_WINDOW_MINUTES', 'OUTBOUND_ATTEMPTS', 'STAFF_TOKEN_DAYS', 'SWEEP_MIN_AGE_MS', 'JOB_STALL_MS']) {
      expect(problems.some((p) => p.startsWith(name)), name).toBe(true);
    }
  });

  it('throws a ConfigError whose message lists the problems', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});

describe('Twilio', () => {
  it('is set, with the default API base URL, when all three credentials are given', () => {
    const config = loadConfig(TWILIO);
    expect(config.twilio).toEqual({
      accountSid: TWILIO.TWILIO_ACCOUNT_SID,
      authToken: TWILIO.TWILIO_AUTH_TOKEN,
      from: TWILIO.TWILIO_FROM,
      apiBaseUrl: 'https://api.twilio.com',
    });
    expect(config.twilioAuthToken).toBe(TWILIO.TWILIO_AUTH_TOKEN);
  });

  it('sends to TWILIO_API_BASE_URL when given (a local fake in tests)', () => {
    expect(loadConfig({ ...TWILIO, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/' }).twilio?.apiBaseUrl).toBe('http://127.0.0.1:4010');
  });

  it('is null in development without credentials: the outbox takes the messages', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).twilio).toBeNull();
    expect(loadConfig({ NODE_ENV: 'test' }).twilio).toBeNull();
  });

  it('keeps the auth token alone for verifying webhooks, still sending to the outbox', () => {
    const config = loadConfig({ TWILIO_AUTH_TOKEN: 'verify-only' });
    expect(config.twilio).toBeNull();
    expect(config.twilioAuthToken).toBe('verify-only');
  });

  it('refuses a partial set of sending credentials, naming what is missing', () => {
    expect(problemsOf({ TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID, TWILIO_FROM: TWILIO.TWILIO_FROM })).toEqual([
      expect.stringMatching(/^TWILIO_AUTH_TOKEN /),
    ]);
    expect(problemsOf({ TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TWILIO.TWILIO_AUTH_TOKEN })).toEqual([
      expect.stringMatching(/^TWILIO_FROM /),
    ]);
    expect(problemsOf({ TWILIO_FROM: TWILIO.TWILIO_FROM })).toEqual([expect.stringMatching(/^TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN /)]);
  });

  it('refuses to start in production without Twilio credentials, never a silent outbox', () => {
    for (const env of [{}, { TWILIO_AUTH_TOKEN: 'x' }, { TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'x' }]) {
      const problems = problemsOf({ NODE_ENV: 'production', KAKAO_SKILL_SECRET: 's', INTAKE_BUFFER_SECRET: 'b', ...env });
      expect(problems, JSON.stringify(env)).toEqual([expect.stringContaining('NODE_ENV=production')]);
      expect(problems[0]).toMatch(/TWILIO_ACCOUNT_SID.*TWILIO_AUTH_TOKEN.*TWILIO_FROM/);
    }
  });

  it('starts in production with all three credentials', () => {
    const config = loadConfig({ NODE_ENV: 'production', KAKAO_SKILL_SECRET: 's', INTAKE_BUFFER_SECRET: 'b', ...TWILIO });
    expect(config.nodeEnv).toBe('production');
    expect(config.twilio?.accountSid).toBe(TWILIO.TWILIO_ACCOUNT_SID);
  });

  it('reports production problems together with the others', () => {
    const problems = problemsOf({ NODE_ENV: 'production', KAKAO_SKILL_SECRET: 's', INTAKE_BUFFER_SECRET: 'b', PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.some((p) => p.includes('TWILIO_ACCOUNT_SID'))).toBe(true);
  });
});

describe('Kakao', () => {
  const EVENT = { KAKAO_BOT_ID: '5f0e1d2c3b4a596877665544', KAKAO_REST_API_KEY: 'rest-key', KAKAO_EVENT_NAME: 'answer_ready' };

  it('defaults to no secret, the x-skill-secret header and pull-only answers outside production', () => {
    expect(loadConfig({}).kakao).toEqual({ skillSecret: null, skillHeader: 'x-skill-secret', botId: null, event: null });
  });

  it('refuses to run an unverified skill endpoint in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production', INTAKE_BUFFER_SECRET: 'b', ...TWILIO });
    expect(problems).toEqual(['KAKAO_SKILL_SECRET is required with NODE_ENV=production']);
  });

  it('refuses to keep messages in Redis unencrypted-by-default in production: INTAKE_BUFFER_SECRET is required', () => {
    const problems = problemsOf({ NODE_ENV: 'production', KAKAO_SKILL_SECRET: 's', ...TWILIO });
    expect(problems).toEqual([expect.stringContaining('INTAKE_BUFFER_SECRET is required with NODE_ENV=production')]);
  });

  it('turns on the Event API only with all three of bot id, REST API key and event name', () => {
    const config = loadConfig({ ...EVENT, KAKAO_SKILL_HEADER: 'X-Sotong-Secret', KAKAO_API_BASE_URL: 'http://kakao.fake.local/' });
    expect(config.kakao).toEqual({
      skillSecret: null,
      skillHeader: 'x-sotong-secret',
      botId: EVENT.KAKAO_BOT_ID,
      event: { botId: EVENT.KAKAO_BOT_ID, restApiKey: 'rest-key', eventName: 'answer_ready', apiBaseUrl: 'http://kakao.fake.local' },
    });
    expect(problemsOf({ KAKAO_REST_API_KEY: 'k' })).toEqual([expect.stringMatching(/^KAKAO_BOT_ID and KAKAO_EVENT_NAME must be set too/)]);
  });

  it('reads a development bot id (ending in !) as the bot it tests', () => {
    expect(loadConfig({ KAKAO_BOT_ID: 'abc!' }).kakao.botId).toBe('abc');
  });
});

describe('abuse limits, retention and proxies', () => {
  it('defaults to 300 staff requests a minute, 20 failures in 10 minutes, 3 years, private proxies', () => {
    expect(loadConfig({})).toMatchObject({
      limits: { staffApiPerMinute: 300, failuresPerAddress: 20, failureWindowMs: 600_000 },
      retentionYears: 3,
      trustProxy: ['loopback', 'linklocal', 'uniquelocal'],
    });
  });

  it('takes explicit values', () => {
    const config = loadConfig({
      STAFF_API_RATE_PER_MINUTE: '60',
      FAILED_AUTH_PER_ADDRESS: '5',
      FAILED_AUTH_WINDOW_SECONDS: '60',
      RETENTION_YEARS: '5',
      TRUST_PROXY: '10.0.0.2, 192.168.0.0/16',
    });
    expect(config).toMatchObject({
      limits: { staffApiPerMinute: 60, failuresPerAddress: 5, failureWindowMs: 60_000 },
      retentionYears: 5,
      trustProxy: ['10.0.0.2', '192.168.0.0/16'],
    });
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('refuses values that would turn a limit off or keep data forever, naming the variable', () => {
    const problems = problemsOf({ STAFF_API_RATE_PER_MINUTE: '0', FAILED_AUTH_PER_ADDRESS: 'many', RETENTION_YEARS: '0', TRUST_PROXY: '1' });
    for (const name of ['STAFF_API_RATE_PER_MINUTE', 'FAILED_AUTH_PER_ADDRESS', 'RETENTION_YEARS', 'TRUST_PROXY']) {
      expect(problems.some((p) => p.startsWith(name)), name).toBe(true);
    }
  });
});

describe('deadlines', () => {
  it('defaults to 7 working days, 14 for proposals, notices 8 office hours ahead, the digest at 08:30', () => {
    const { deadlines } = loadConfig({});
    expect(Object.fromEntries(deadlines.rules)).toEqual({ '*': 7, proposal: 14 });
    expect(deadlines).toMatchObject({ interimNoticeWorkingHours: 8, noticeScanMs: 300_000, digestAt: [8, 30] });
  });

  it('reads rules per category and kind, and the digest time', () => {
    const { deadlines } = loadConfig({ DEADLINE_RULES: '*=10, roads=3, traffic/proposal=20', DAILY_DIGEST_AT: '07:05', INTERIM_NOTICE_WORKING_HOURS: '0' });
    expect(Object.fromEntries(deadlines.rules)).toEqual({ '*': 10, roads: 3, 'traffic/proposal': 20 });
    expect(deadlines).toMatchObject({ interimNoticeWorkingHours: 0, digestAt: [7, 5] });
  });

  it('names bad rules and a bad digest time', () => {
    expect(problemsOf({ DEADLINE_RULES: 'roads=3', DAILY_DIGEST_AT: '25:00' })).toEqual([
      expect.stringMatching(/^DEADLINE_RULES: a default "\*=DAYS" is required/),
      expect.stringMatching(/^DAILY_DIGEST_AT must be HH:MM/),
    ]);
  });

  // The calendar package covers 2018–2027. Deadlines need only a few weeks of it ahead, and
  // beyond it they count weekends only (src/deadlines/holiday-calendar.ts warns at start).
  for (const now of ['2027-01-02T09:00:00+09:00', '2027-12-31T09:00:00+09:00', '2031-06-01T00:00:00Z']) {
    it(`starts on ${now.slice(0, 10)}, whatever the holiday calendar covers`, () => {
      vi.useFakeTimers({ now: new Date(now), toFake: ['Date'] });
      try {
        expect(loadConfig({}).deadlines.rules.get('*')).toBe(7);
      } finally {
        vi.useRealTimers();
      }
    });
  }
});

describe('the environment schema (src/config/env-schema.ts)', () => {
  it('declares exactly the variables .env.example documents', () => {
    const documented = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
      .split('\n')
      .flatMap((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1] ?? []);
    expect(Object.keys(EnvSchema.properties).sort()).toEqual([...new Set(documented)].sort());
  });

  it('reports each variable once, in the order of the schema, and reads a bad value as its default', () => {
    const { env, problems } = readEnvironment({ DAILY_DIGEST_AT: '7:5', PORT: '0x50', NODE_ENV: 'staging', UNRELATED: 'x' });
    expect(problems).toEqual([
      'NODE_ENV must be development, production or test (got "staging")',
      'PORT must be a whole number from 0 to 65535 (got "0x50")',
      'DAILY_DIGEST_AT must be HH:MM in Seoul time (got "7:5")',
    ]);
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 3000, DAILY_DIGEST_AT: [8, 30] });
  });

  it('lists every problem inside DEADLINE_RULES, each by the variable', () => {
    expect(problemsOf({ DEADLINE_RULES: 'roads=0, traffic/nope=3' })).toEqual([
      'DEADLINE_RULES: "roads=0" is not KEY=DAYS (KEY: *, a kind, a category or category/kind; DAYS 1 to 90)',
      expect.stringMatching(/^DEADLINE_RULES: "traffic\/nope=3": the kind after \/ must be one of /),
      'DEADLINE_RULES: a default "*=DAYS" is required',
    ]);
  });
});
