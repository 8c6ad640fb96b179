// The environment, declared: every variable the programs read (CONTRACT.md, .env.example), what a
// valid value looks like, its default, and the value the code gets. readEnvironment checks it once,
// at start. A bad value is reported by its variable's name and then read as its default, like an
// unset one, so that the checks between variables (config.ts) still run and an operator sees every
// problem in one pass.
import { isIP } from 'node:net';
import { Type, type StaticDecode } from 'typebox';
import { Value } from 'typebox/value';
import { DEFAULT_DEADLINE_RULES, parseDeadlineRules } from '../deadlines/deadline-rules.js';

// ---- kinds of value -------------------------------------------------------------------------
// Each refinement's message follows the variable's name: "PORT must be …". A message starting
// with ':' lists what is wrong inside the value instead, one line each ("DEADLINE_RULES: …").

/** Any text; with a default, or optional. */
const text = (fallback: string) => Type.String({ default: fallback });
const optionalText = () => Type.Optional(Type.String());

/** A whole number from min to max, digits only: Number() would also take 0x50, 1e3 and 3000.0. */
function wholeNumber(min: number, max: number, fallback: number) {
  const valid = (v: string) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
  return Type.Codec(
    Type.Refine(Type.String({ default: String(fallback) }), valid, (v) => `must be a whole number from ${min} to ${max} (got "${v}")`),
  )
    .Decode((v) => Number(v))
    .Encode((n) => String(n));
}

/** One of a few words; the message lists them ("must be a, b or c") unless given. */
function oneOf<const V extends string>(values: readonly V[], fallback?: V, message?: (v: string) => string) {
  const listed = `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  const valid = (v: string) => (values as readonly string[]).includes(v);
  return Type.Codec(
    Type.Refine(Type.String(fallback === undefined ? {} : { default: fallback }), valid, message ?? ((v) => `must be ${listed} (got "${v}")`)),
  )
    .Decode((v) => v as V)
    .Encode((v) => v);
}

/** A URL with one of these protocols ('https:'); read without its trailing slashes. */
function url(protocols: string[], fallback?: string) {
  const problem = (v: string): string | null => {
    try {
      const { protocol } = new URL(v);
      return protocols.includes(protocol) ? null : `must start with ${protocols.join(' or ')} (got "${protocol}")`;
    } catch {
      return 'is not a valid URL';
    }
  };
  return Type.Codec(
    Type.Refine(Type.String(fallback === undefined ? {} : { default: fallback }), (v) => problem(v) === null, (v) => problem(v)!),
  )
    .Decode((v) => v.replace(/\/+$/, ''))
    .Encode((v) => v);
}

/** An HTTP header name, read in lower case. */
function headerName(fallback: string) {
  const valid = (v: string) => /^[a-z0-9-]+$/.test(v.toLowerCase());
  return Type.Codec(Type.Refine(Type.String({ default: fallback }), valid, () => 'must be an HTTP header name (letters, digits, -)'))
    .Decode((v) => v.toLowerCase())
    .Encode((v) => v);
}

/** Korean LMS subjects hold 40 bytes (EUC-KR); a Hangul syllable takes two. */
function lmsSubject(fallback: string) {
  const bytes = (v: string) => [...v].reduce((n, c) => n + (c.charCodeAt(0) < 0x80 ? 1 : 2), 0);
  return Type.Refine(Type.String({ default: fallback }), (v) => bytes(v) <= 40, () => 'must be at most 40 bytes (20 Hangul)');
}

// By default X-Forwarded-For is believed only as far as it was written by proxies on loopback or
// private addresses (the district's reverse proxy); `true` would believe its left-most entry,
// which any client can write, and let a client choose its own address.
const TRUST_PRESETS = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: true, false, or proxy addresses, CIDRs and presets separated by commas. */
function trustProxy() {
  const addresses = (v: string) => v.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const isProxy = (a: string) => {
    if (TRUST_PRESETS.includes(a)) return true;
    const [address, bits, ...rest] = a.split('/');
    return rest.length === 0 && isIP(address ?? '') !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
  };
  const valid = (v: string) => v === 'true' || v === 'false' || (addresses(v).length > 0 && addresses(v).every(isProxy));
  const message = (v: string) =>
    `must be true, false, or proxy addresses/CIDRs (or ${TRUST_PRESETS.join(', ')}) separated by commas (got "${v}")`;
  return Type.Codec(Type.Refine(Type.String({ default: TRUST_PRESETS.join(',') }), valid, message))
    .Decode((v): boolean | string[] => (v === 'true' || v === 'false' ? v === 'true' : addresses(v)))
    .Encode((v) => (typeof v === 'boolean' ? String(v) : v.join(',')));
}

/** DEADLINE_RULES: working days per category and kind, in src/deadlines' own syntax. */
function deadlineRules() {
  const problems = (v: string) => parseDeadlineRules(v).problems;
  return Type.Codec(
    Type.Refine(Type.String({ default: DEFAULT_DEADLINE_RULES }), (v) => problems(v).length === 0, (v) => problems(v).map((p) => `: ${p}`).join('\n')),
  )
    .Decode((v) => parseDeadlineRules(v).rules)
    .Encode((rules) => [...rules].map(([key, days]) => `${key}=${days}`).join(','));
}

/** A time of day HH:MM (Seoul), read as [hour, minute]. */
function timeOfDay(fallback: string) {
  const pattern = /^([01]\d|2[0-3]):([0-5]\d)$/;
  return Type.Codec(Type.Refine(Type.String({ default: fallback }), (v) => pattern.test(v), (v) => `must be HH:MM in Seoul time (got "${v}")`))
    .Decode((v): [number, number] => {
      const [, hour, minute] = pattern.exec(v)!;
      return [Number(hour), Number(minute)];
    })
    .Encode(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
}

/** A price in won, with up to two decimals (8.4): read as a number. */
function won(fallback: string) {
  const valid = (v: string) => /^\d{1,6}(\.\d{1,2})?$/.test(v);
  return Type.Codec(Type.Refine(Type.String({ default: fallback }), valid, (v) => `must be a price in won such as 8.4 (got "${v}")`))
    .Decode((v) => Number(v))
    .Encode((n) => String(n));
}

// ---- the environment ----------------------------------------------------------------------
const HTTP = ['https:', 'http:'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const EnvSchema = Type.Object({
  NODE_ENV: oneOf(['development', 'production', 'test'], 'development'),
  PORT: wholeNumber(0, 65535, 3000),
  HOST: text('127.0.0.1'),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info', () => `must be one of ${LOG_LEVELS.join(', ')}`),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/sotong'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  QUEUE_PREFIX: text('sotong'),
  /** Unset: http://127.0.0.1:PORT. */
  PUBLIC_BASE_URL: Type.Optional(url(HTTP)),
  TRUST_PROXY: trustProxy(),
  WORKER_METRICS_PORT: wholeNumber(0, 65535, 9464),

  TWILIO_ACCOUNT_SID: optionalText(),
  TWILIO_AUTH_TOKEN: optionalText(),
  TWILIO_FROM: optionalText(),
  TWILIO_API_BASE_URL: url(HTTP, 'https://api.twilio.com'),
  SMS_PROVIDER: Type.Optional(oneOf(['twilio', 'solapi'])),
  SOLAPI_API_KEY: optionalText(),
  SOLAPI_API_SECRET: optionalText(),
  /** Checked with SMS_PROVIDER=solapi only (config.ts). */
  SOLAPI_FROM: optionalText(),
  SOLAPI_LMS_SUBJECT: lmsSubject('구청장 소통폰'),
  SOLAPI_API_BASE_URL: url(HTTP, 'https://api.solapi.com'),
  SOLAPI_WEBHOOK_SECRET: optionalText(),
  SMS_GATEWAYS_FILE: optionalText(),

  KAKAO_SKILL_SECRET: optionalText(),
  KAKAO_SKILL_HEADER: headerName('x-skill-secret'),
  KAKAO_BOT_ID: optionalText(),
  KAKAO_REST_API_KEY: optionalText(),
  KAKAO_EVENT_NAME: optionalText(),
  KAKAO_SURVEY_EVENT_NAME: optionalText(),
  KAKAO_API_BASE_URL: url(HTTP, 'https://bot-api.kakao.com'),

  THREAD_WINDOW_MINUTES: wholeNumber(0, 24 * 60, 30),
  INTAKE_BUFFER_SECRET: optionalText(),
  // Kakao waits 5 s for a skill answer: the buffer must still fit inside that.
  INTAKE_STORE_TIMEOUT_MS: wholeNumber(100, 4000, 2000),
  SENDER_FLOOD_MESSAGES: wholeNumber(1, 100_000, 10),
  SENDER_FLOOD_WINDOW_SECONDS: wholeNumber(1, 86_400, 600),
  OUTBOUND_ATTEMPTS: wholeNumber(1, 50, 8),
  OUTBOUND_BACKOFF_MS: wholeNumber(10, 3_600_000, 2000),
  OUTBOUND_RATE_PER_SECOND: wholeNumber(1, 10_000, 10),
  ROUTING_CONFIDENCE_PERCENT: wholeNumber(0, 100, 45),
  ROUTING_REFRESH_SECONDS: wholeNumber(1, 86_400, 30),
  ROUTING_CONCURRENCY: wholeNumber(1, 256, 16),
  SWEEP_INTERVAL_MS: wholeNumber(1000, 3_600_000, 60_000),
  SWEEP_MIN_AGE_MS: wholeNumber(0, 3_600_000, 30_000),
  JOB_STALL_MS: wholeNumber(1000, 600_000, 30_000),
  STAFF_TOKEN_DAYS: wholeNumber(1, 3650, 365),
  STAFF_API_RATE_PER_MINUTE: wholeNumber(1, 1_000_000, 300),
  FAILED_AUTH_PER_ADDRESS: wholeNumber(1, 1_000_000, 20),
  FAILED_AUTH_WINDOW_SECONDS: wholeNumber(1, 86_400, 600),
  RETENTION_YEARS: wholeNumber(1, 50, 3),

  // Residents' photos (docs/photos.md).
  ATTACHMENTS_STORE: oneOf(['local', 's3'], 'local'),
  ATTACHMENTS_DIR: text('var/attachments'),
  ATTACHMENTS_MAX_BYTES: wholeNumber(1024, 500 * 1024 * 1024, 20 * 1024 * 1024),
  ATTACHMENTS_MAX_PIXELS: wholeNumber(1_000_000, 1_000_000_000, 100_000_000),
  ATTACHMENTS_FETCH_TIMEOUT_MS: wholeNumber(100, 600_000, 30_000),
  ATTACHMENTS_ATTEMPTS: wholeNumber(1, 50, 5),
  ATTACHMENTS_BACKOFF_MS: wholeNumber(10, 3_600_000, 5000),
  ATTACHMENTS_KAKAO_HOSTS: text('kakaocdn.net,kakao.com'),
  ATTACHMENTS_REDIRECT_HOSTS: text('twiliocdn.com,s3-external-1.amazonaws.com'),
  ATTACHMENTS_S3_BUCKET: optionalText(),
  ATTACHMENTS_S3_ENDPOINT: Type.Optional(url(HTTP)),
  ATTACHMENTS_S3_REGION: text('ap-northeast-2'),
  ATTACHMENTS_S3_ACCESS_KEY_ID: optionalText(),
  ATTACHMENTS_S3_SECRET_ACCESS_KEY: optionalText(),
  ATTACHMENTS_S3_FORCE_PATH_STYLE: oneOf(['true', 'false'], 'true'),

  DEADLINE_RULES: deadlineRules(),
  INTERIM_NOTICE_WORKING_HOURS: wholeNumber(0, 200, 8),
  INTERIM_NOTICE_SCAN_SECONDS: wholeNumber(1, 86_400, 300),
  DAILY_DIGEST_AT: timeOfDay('08:30'),

  SATISFACTION_REPLY_HOURS: wholeNumber(0, 24 * 30, 72),
  SATISFACTION_INTERVAL_DAYS: wholeNumber(0, 366, 30),
  ONDATE_OFFER: oneOf(['on', 'off'], 'off'),
  MAYOR_VISIT_OFFER: oneOf(['on', 'off'], 'off'),
  HOMEPAGE_FORM_SECRET: optionalText(),
  NOTICE_KAKAO_PF_ID: optionalText(),
  NOTICE_KAKAO_TEMPLATE_ID: optionalText(),
  NOTICE_OPT_OUT_NUMBER: optionalText(),
  NOTICE_RATE_PER_SECOND: wholeNumber(1, 10_000, 50),
  NOTICE_BATCH_SIZE: wholeNumber(1, 1000, 100),
  NOTICE_PRICE_ATA: won('8'),
  NOTICE_PRICE_SMS: won('9'),
  NOTICE_PRICE_LMS: won('27'),
  NOTICE_CONSENT_RETENTION_DAYS: wholeNumber(1, 3650, 365),
});

/** The environment as the code reads it: defaults filled in, numbers as numbers. */
export type Environment = StaticDecode<typeof EnvSchema>;

export type RawEnv = Record<string, string | undefined>;

const GivenSchema = Type.Partial(EnvSchema);

/** "PORT must be …", or for a message listing what is wrong inside the value, "DEADLINE_RULES: …" a line. */
function problemsOf(name: string, message: string): string[] {
  return message.split('\n').map((line) => (line.startsWith(':') ? `${name}${line}` : `${name} ${line}`));
}

/**
 * The environment, checked against EnvSchema. Values are trimmed, and empty or blank ones are
 * unset (as .env.example promises). Every bad value is a problem naming its variable, and is read
 * as its default.
 */
export function readEnvironment(raw: RawEnv): { env: Environment; problems: string[] } {
  const given: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.properties)) {
    const value = raw[name]?.trim();
    if (value !== undefined && value !== '') given[name] = value;
  }
  const problems: string[] = [];
  const bad = new Set<string>();
  for (const error of Value.Errors(GivenSchema, given)) {
    const name = error.instancePath.slice(1);
    if (bad.has(name)) continue;
    bad.add(name);
    problems.push(...problemsOf(name, error.message));
  }
  for (const name of bad) delete given[name];
  return { env: Value.Decode(EnvSchema, Value.Default(EnvSchema, given)), problems };
}
