// Every test file gets its own database and its own queue prefix, so files run in parallel
// against the same Postgres and Redis without seeing each other.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import twilio from 'twilio';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildApp } from '../../src/app.js';
import { prepareDatabase } from '../../src/startup.js';
import type { Db } from '../../src/db/database.js';
import { addStaff } from '../../src/staff/staff-repository.js';
import type { StaffRole } from '../../src/staff/staff.table.js';
import { startWorkers, type RunningWorkers } from '../../workers/index.js';
import { databaseUrlFor, dropDatabase, dropKeys } from '../../scripts/own-stores.js';
import { findUnfiledInbound, fileInboxMessage } from '../../src/intake/inbox-repository.js';

export const TEST_AUTH_TOKEN = 'test-twilio-auth-token';
export const PUBLIC_BASE_URL = 'https://sotong.junggu.example.go.kr';
export const silentLogger = pino({ level: 'silent' });

const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestContext {
  config: Config;
  app: FastifyInstance;
  db: Db;
  /** Starts the BullMQ workers in this process (most tests drive the app only). */
  startWorkers(): Promise<RunningWorkers>;
  staffToken(role: StaffRole, department?: string): Promise<string>;
  close(): Promise<void>;
}

/** Other servers than the shared ones (test/support/own-services.ts); the file's database is made on them. */
export interface ServiceUrls {
  /** A server address; the database name in it is replaced by the file's own. */
  databaseUrl?: string;
  redisUrl?: string;
}

export async function createTestContext(env: Record<string, string> = {}, services: ServiceUrls = {}): Promise<TestContext> {
  const baseDatabaseUrl = services.databaseUrl ?? BASE_DATABASE_URL;
  const redisUrl = services.redisUrl ?? REDIS_URL;
  const id = randomBytes(5).toString('hex');
  const databaseName = `sotong_test_${id}`;
  const databaseUrl = databaseUrlFor(baseDatabaseUrl, databaseName);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `sotong-test-${id}`,
    PUBLIC_BASE_URL,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    LOG_LEVEL: 'silent',
    WORKER_METRICS_PORT: '0',
    // No satisfaction question after a closing answer unless a test asks for it (test/satisfaction.test.ts):
    // other tests count the messages a closing sends.
    SATISFACTION_REPLY_HOURS: '0',
    ...env,
  });
  await prepareDatabase(config, silentLogger);
  const app = await buildApp(config, { logger: silentLogger });
  await app.ready();
  // Rate limits skip a request while the API's Redis connection is still being made (they
  // never hold a message up); tests that count start once it is up, or after 2 s when Redis is
  // down on purpose. (Flood counts are taken in Postgres, with the message.)
  for (let waited = 0; app.redis.status !== 'ready' && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  const running: RunningWorkers[] = [];

  return {
    config,
    app,
    db: app.db,
    async startWorkers() {
      const workers = await startWorkers(config, silentLogger);
      running.push(workers);
      return workers;
    },
    async staffToken(role, department = 'AUDIT') {
      const { token } = await addStaff(app.db, { name: `${role}-${department}`, departmentCode: department, role, tokenDays: 1 });
      return token;
    },
    async close() {
      await Promise.all(running.map((w) => w.close()));
      await app.close();
      await dropKeys(redisUrl, config.queuePrefix);
      await dropDatabase(baseDatabaseUrl, databaseName);
    },
  };
}


/** Form parameters of an inbound SMS as Twilio posts them (shared/fixtures/twilio/inbound-sms.form.txt). */
export function inboundSms(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ToCountry: 'KR',
    SmsMessageSid: overrides.MessageSid ?? `SM${randomBytes(16).toString('hex')}`,
    NumMedia: '0',
    SmsSid: overrides.MessageSid ?? `SM${randomBytes(16).toString('hex')}`,
    SmsStatus: 'received',
    Body: '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요',
    FromCountry: 'KR',
    To: '+82215550100',
    MessagingServiceSid: 'MG00000000000000000000000000000000',
    NumSegments: '1',
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: '+821000001234',
    ApiVersion: '2010-04-01',
    ...overrides,
  };
}

export function signTwilio(path: string, params: Record<string, string>, token = TEST_AUTH_TOKEN): string {
  return twilio.getExpectedTwilioSignature(token, PUBLIC_BASE_URL + path, params);
}

/**
 * Files whatever the webhooks left in the inbox into cases, with the function the intake
 * worker runs, so a test without workers can look at the case right after the webhook.
 */
export async function fileInbox(app: FastifyInstance): Promise<void> {
  for (const id of await findUnfiledInbound(app.db, new Date(Date.now() + 60_000), 10_000)) {
    await fileInboxMessage(app.db, id, app.config.threadWindowMinutes);
  }
}

/** Posts a correctly signed Twilio webhook through the app; an inbound SMS is then filed into its case. */
export async function postSignedTwilio(app: FastifyInstance, path: string, params: Record<string, string>) {
  const res = await postSignedTwilioOnly(app, path, params);
  if (path === '/webhooks/sms/twilio') await fileInbox(app);
  return res;
}

/** Posts a correctly signed Twilio webhook and leaves what it stored in the inbox. */
export async function postSignedTwilioOnly(app: FastifyInstance, path: string, params: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilio(path, params),
    },
    payload: new URLSearchParams(params).toString(),
  });
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
