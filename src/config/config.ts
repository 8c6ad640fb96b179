import { isIP } from 'node:net';

// Configuration is read and validated once, at start. Every problem is reported at
// once with the variable's name, so an operator can fix a broken .env in one pass.
import { DEFAULT_DEADLINE_RULES, parseDeadlineRules, type DeadlineRules } from '../deadlines/deadline-rules.js';

import { loadSmsGateways, type SmsGatewayConfig } from './sms-gateways.js';

export type { SmsGatewayConfig } from './sms-gateways.js';

export type NodeEnv = 'development' | 'production' | 'test';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A phone number (+8225550100) or a Messaging Service SID (MG...). */
  from: string;
  apiBaseUrl: string;
}

/** Solapi, a domestic (Korean) SMS gateway: documented REST API v4. */
export interface SolapiConfig {
  apiKey: string;
  apiSecret: string;
  /** The district's pre-registered sender number (발신번호 사전등록), digits only: 0233964114. */
  from: string;
  apiBaseUrl: string;
  /** Subject line of an LMS (answers over 90 EUC-KR bytes). */
  lmsSubject: string;
}

/** Which provider carries SMS answers. */
export type SmsProviderName = 'twilio' | 'solapi' | 'outbox';

export interface KakaoEventConfig {
  botId: string;
  restApiKey: string;
  eventName: string;
  apiBaseUrl: string;
}

export interface KakaoConfig {
  /** Shared secret every skill request must carry; null only outside production. */
  skillSecret: string | null;
  /** Lower-case header name that carries the secret. */
  skillHeader: string;
  /** When set, a skill request's bot.id must name this bot (the development bot adds a '!'). */
  botId: string | null;
  /** Event API credentials; null means answers wait for the resident to pull them. */
  event: KakaoEventConfig | null;
}

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every BullMQ key; tests give each file its own. */
  queuePrefix: string;
  publicBaseUrl: string;
  logLevel: string;
  /** Twilio credentials; null means the SMS channel writes to the development outbox. */
  twilio: TwilioConfig | null;
  /** Twilio's auth token is needed to verify inbound webhooks even without outbound credentials. */
  twilioAuthToken: string | null;
  /** SMS_PROVIDER: who sends SMS answers (outbox: development only, nothing leaves). */
  smsProvider: SmsProviderName;
  solapi: SolapiConfig | null;
  /** Solapi's webhook secret (X-Solapi-Secret on its delivery reports); null refuses them. */
  solapiWebhookSecret: string | null;
  /** Domestic gateways posting residents' SMS to /webhooks/sms/:name (SMS_GATEWAYS_FILE). */
  smsGateways: Record<string, SmsGatewayConfig>;
  kakao: KakaoConfig;
  /** A follow-up within this many minutes joins the resident's open case. */
  threadWindowMinutes: number;
  intake: {
    /** Encrypts messages kept in Redis while Postgres is away. */
    bufferSecret: string;
    /** How long a webhook waits for Postgres before keeping the message in Redis instead. */
    storeTimeoutMs: number;
    /** Beyond this many messages from one sender within the window, the rest are a flood. */
    senderFlood: { messages: number; windowMs: number };
  };
  outbound: {
    attempts: number;
    backoffMs: number;
    /** Sends per second per channel across all workers (BullMQ queue limiter). */
    ratePerSecond: number;
  };
  routing: {
    /** Below this confidence a complaint goes to triage (AUDIT) with the top candidates. */
    confidenceThreshold: number;
    /** How often workers look for new corrections or rules and retrain. */
    refreshMs: number;
    /** Messages filed and routed at once per worker process. */
    concurrency: number;
  };
  /** How often the sweeper re-enqueues stored work that never reached a queue. */
  sweepIntervalMs: number;
  /** The sweeper leaves stored work younger than this to the hand-off that is still under way. */
  sweepMinAgeMs: number;
  /**
   * A job whose worker died (killed, crashed) is taken over by another worker after this long
   * (BullMQ's lock duration and stalled-job check interval).
   */
  jobStallMs: number;
  /** Staff token lifetime in days. */
  staffTokenDays: number;
  /** Port of the worker process's Prometheus endpoint (GET /metrics on HOST); 0 = off. */
  workerMetricsPort: number;
  /** Abuse limits, counted in Redis so they hold across processes (src/http/rate-limits.ts). */
  limits: {
    /** Staff API and /ops requests per minute per token (per address without one). */
    staffApiPerMinute: number;
    /** Failed verifications (bad webhook signature or secret, bad staff token) per address before 429. */
    failuresPerAddress: number;
    failureWindowMs: number;
  };
  /** Closed cases lose their text and the resident's contact details after this many years. */
  retentionYears: number;
  /**
   * Which proxies' X-Forwarded-For entries to believe (fastify trustProxy): their addresses,
   * or true/false. Per-address limits are only as good as this.
   */
  trustProxy: boolean | string[];
  deadlines: DeadlineConfig;
}

export interface DeadlineConfig {
  /** Working days per category and kind (DEADLINE_RULES). */
  rules: DeadlineRules;
  /** The interim notice goes out this many working hours before the due time; 0 = never. */
  interimNoticeWorkingHours: number;
  /** How often workers look for cases whose interim notice is due. */
  noticeScanMs: number;
  /** Seoul time of the daily digest per department, as [hour, minute]. */
  digestAt: [number, number];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string): string => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  };
  const optional = (name: string): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = optional(name);
    if (raw === null) return fallback;
    // Digits only: Number() would also take 0x50, 1e3 and 3000.0.
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, fallback: string, protocols: string[]): string => {
    const value = str(name, fallback);
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must start with ${protocols.join(' or ')} (got "${parsed.protocol}")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return value.replace(/\/+$/, '');
  };

  const nodeEnvRaw = str('NODE_ENV', 'development');
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    problems.push(`NODE_ENV must be development, production or test (got "${nodeEnvRaw}")`);
  }
  const nodeEnv = (['development', 'production', 'test'].includes(nodeEnvRaw) ? nodeEnvRaw : 'development') as NodeEnv;

  const port = int('PORT', 3000, 0, 65535);
  const host = str('HOST', '127.0.0.1');
  const logLevel = str('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const twilioSid = optional('TWILIO_ACCOUNT_SID');
  const twilioToken = optional('TWILIO_AUTH_TOKEN');
  const twilioFrom = optional('TWILIO_FROM');
  const twilioApiBaseUrl = url('TWILIO_API_BASE_URL', 'https://api.twilio.com', ['https:', 'http:']);
  const twilioSet = [twilioSid, twilioToken, twilioFrom].filter((v) => v !== null).length;
  const smsProviderRaw = optional('SMS_PROVIDER');
  if (smsProviderRaw !== null && !['twilio', 'solapi'].includes(smsProviderRaw)) {
    problems.push(`SMS_PROVIDER must be twilio or solapi (got "${smsProviderRaw}")`);
  }
  const useSolapi = smsProviderRaw === 'solapi';
  let twilio: TwilioConfig | null = null;
  if (twilioSet === 3) {
    twilio = { accountSid: twilioSid!, authToken: twilioToken!, from: twilioFrom!, apiBaseUrl: twilioApiBaseUrl };
  } else if (useSolapi) {
    // Answers go through Solapi; TWILIO_AUTH_TOKEN alone may still verify Twilio webhooks.
  } else if (nodeEnv === 'production') {
    // In production a missing channel is an error, never a silent outbox.
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are all required with NODE_ENV=production');
  } else if (twilioSid !== null || twilioFrom !== null) {
    // The auth token alone only verifies inbound webhooks; the other two mean sending was
    // intended, and a missing one must not fall back to the outbox unnoticed.
    const missing = [
      ['TWILIO_ACCOUNT_SID', twilioSid],
      ['TWILIO_AUTH_TOKEN', twilioToken],
      ['TWILIO_FROM', twilioFrom],
    ].flatMap(([name, value]) => (value === null ? [name] : []));
    problems.push(`${missing.join(' and ')} must be set too: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together`);
  }

  let solapi: SolapiConfig | null = null;
  const solapiApiBaseUrl = url('SOLAPI_API_BASE_URL', 'https://api.solapi.com', ['https:', 'http:']);
  const solapiSubject = str('SOLAPI_LMS_SUBJECT', '구청장 소통폰');
  // Korean LMS subjects hold 40 bytes (EUC-KR); a Hangul syllable takes two.
  if ([...solapiSubject].reduce((n, c) => n + (c.charCodeAt(0) < 0x80 ? 1 : 2), 0) > 40) {
    problems.push('SOLAPI_LMS_SUBJECT must be at most 40 bytes (20 Hangul)');
  }
  if (useSolapi) {
    const key = optional('SOLAPI_API_KEY');
    const secret = optional('SOLAPI_API_SECRET');
    const from = optional('SOLAPI_FROM')?.replace(/[-\s]/g, '') ?? null;
    const missing = [
      ['SOLAPI_API_KEY', key],
      ['SOLAPI_API_SECRET', secret],
      ['SOLAPI_FROM', from],
    ].flatMap(([name, value]) => (value === null ? [name] : []));
    if (missing.length > 0) problems.push(`${missing.join(' and ')} must be set with SMS_PROVIDER=solapi`);
    if (from !== null && !/^(0\d{7,10}|1\d{7})$/.test(from)) {
      problems.push('SOLAPI_FROM must be the pre-registered sender number in Korean form, e.g. 0233964114 or 15881234');
    }
    if (missing.length === 0) {
      solapi = { apiKey: key!, apiSecret: secret!, from: from!, apiBaseUrl: solapiApiBaseUrl, lmsSubject: solapiSubject };
    }
  }
  const smsGateways = loadSmsGateways(optional('SMS_GATEWAYS_FILE'), env, problems);

  if (smsProviderRaw === 'twilio' && twilio === null && nodeEnv !== 'production' && twilioSid === null && twilioFrom === null) {
    problems.push('SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM');
  }

  const kakaoSecret = optional('KAKAO_SKILL_SECRET');
  const kakaoHeader = str('KAKAO_SKILL_HEADER', 'x-skill-secret').toLowerCase();
  if (!/^[a-z0-9-]+$/.test(kakaoHeader)) problems.push('KAKAO_SKILL_HEADER must be an HTTP header name (letters, digits, -)');
  if (kakaoSecret === null && nodeEnv === 'production') {
    // An unverified skill endpoint would let anyone open cases in the district's name.
    problems.push('KAKAO_SKILL_SECRET is required with NODE_ENV=production');
  }
  const kakaoBotId = optional('KAKAO_BOT_ID');
  const kakaoKey = optional('KAKAO_REST_API_KEY');
  const kakaoEventName = optional('KAKAO_EVENT_NAME');
  const kakaoApiBaseUrl = url('KAKAO_API_BASE_URL', 'https://bot-api.kakao.com', ['https:', 'http:']);
  let kakaoEvent: KakaoEventConfig | null = null;
  if (kakaoBotId !== null && kakaoKey !== null && kakaoEventName !== null) {
    kakaoEvent = { botId: kakaoBotId.replace(/!$/, ''), restApiKey: kakaoKey, eventName: kakaoEventName, apiBaseUrl: kakaoApiBaseUrl };
  } else if (kakaoKey !== null || kakaoEventName !== null) {
    const missing = [
      ['KAKAO_BOT_ID', kakaoBotId],
      ['KAKAO_REST_API_KEY', kakaoKey],
      ['KAKAO_EVENT_NAME', kakaoEventName],
    ].flatMap(([name, value]) => (value === null ? [name] : []));
    problems.push(`${missing.join(' and ')} must be set too: KAKAO_BOT_ID, KAKAO_REST_API_KEY and KAKAO_EVENT_NAME go together`);
  }

  const bufferSecret = optional('INTAKE_BUFFER_SECRET');
  if (bufferSecret === null && nodeEnv === 'production') {
    // Residents' messages kept in Redis while Postgres is away are encrypted with it.
    problems.push('INTAKE_BUFFER_SECRET is required with NODE_ENV=production (any long random string)');
  }

  // By default X-Forwarded-For is believed only as far as it was written by proxies on
  // loopback or private addresses (the district's reverse proxy); `true` would believe its
  // left-most entry, which any client can write, and let a client choose its own address.
  const TRUST_PRESETS = ['loopback', 'linklocal', 'uniquelocal'];
  const trustProxyRaw = str('TRUST_PROXY', TRUST_PRESETS.join(','));
  let trustProxy: boolean | string[] = TRUST_PRESETS;
  if (trustProxyRaw === 'true' || trustProxyRaw === 'false') trustProxy = trustProxyRaw === 'true';
  else {
    const addresses = trustProxyRaw.split(',').map((a) => a.trim()).filter((a) => a !== '');
    const bad = addresses.filter((a) => {
      if (TRUST_PRESETS.includes(a)) return false;
      const [address, bits, ...rest] = a.split('/');
      return rest.length > 0 || isIP(address ?? '') === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits));
    });
    if (addresses.length === 0 || bad.length > 0) {
      problems.push(`TRUST_PROXY must be true, false, or proxy addresses/CIDRs (or loopback, linklocal, uniquelocal) separated by commas (got "${trustProxyRaw}")`);
    } else trustProxy = addresses;
  }
  const deadlineRules = parseDeadlineRules(str('DEADLINE_RULES', DEFAULT_DEADLINE_RULES));
  for (const problem of deadlineRules.problems) problems.push(`DEADLINE_RULES: ${problem}`);
  const digestAtRaw = str('DAILY_DIGEST_AT', '08:30');
  const digestAt = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(digestAtRaw);
  if (!digestAt) problems.push(`DAILY_DIGEST_AT must be HH:MM in Seoul time (got "${digestAtRaw}")`);

  const config: Config = {
    nodeEnv,
    port,
    host,
    databaseUrl: url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/sotong', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    queuePrefix: str('QUEUE_PREFIX', 'sotong'),
    publicBaseUrl: url('PUBLIC_BASE_URL', `http://127.0.0.1:${port}`, ['https:', 'http:']),
    logLevel,
    twilio,
    twilioAuthToken: twilioToken,
    smsProvider: useSolapi ? 'solapi' : twilio ? 'twilio' : 'outbox',
    solapi,
    solapiWebhookSecret: optional('SOLAPI_WEBHOOK_SECRET'),
    smsGateways,
    kakao: {
      skillSecret: kakaoSecret,
      skillHeader: kakaoHeader,
      botId: kakaoBotId === null ? null : kakaoBotId.replace(/!$/, ''),
      event: kakaoEvent,
    },
    threadWindowMinutes: int('THREAD_WINDOW_MINUTES', 30, 0, 24 * 60),
    intake: {
      bufferSecret: bufferSecret ?? 'development only: not a secret',
      // Kakao waits 5 s for a skill answer: the buffer must still fit inside that.
      storeTimeoutMs: int('INTAKE_STORE_TIMEOUT_MS', 2000, 100, 4000),
      senderFlood: {
        messages: int('SENDER_FLOOD_MESSAGES', 10, 1, 100_000),
        windowMs: int('SENDER_FLOOD_WINDOW_SECONDS', 600, 1, 86_400) * 1000,
      },
    },
    outbound: {
      attempts: int('OUTBOUND_ATTEMPTS', 8, 1, 50),
      backoffMs: int('OUTBOUND_BACKOFF_MS', 2000, 10, 3_600_000),
      ratePerSecond: int('OUTBOUND_RATE_PER_SECOND', 10, 1, 10_000),
    },
    routing: {
      confidenceThreshold: int('ROUTING_CONFIDENCE_PERCENT', 45, 0, 100) / 100,
      refreshMs: int('ROUTING_REFRESH_SECONDS', 30, 1, 86_400) * 1000,
      concurrency: int('ROUTING_CONCURRENCY', 16, 1, 256),
    },
    sweepIntervalMs: int('SWEEP_INTERVAL_MS', 60_000, 1000, 3_600_000),
    sweepMinAgeMs: int('SWEEP_MIN_AGE_MS', 30_000, 0, 3_600_000),
    jobStallMs: int('JOB_STALL_MS', 30_000, 1000, 600_000),
    staffTokenDays: int('STAFF_TOKEN_DAYS', 365, 1, 3650),
    workerMetricsPort: int('WORKER_METRICS_PORT', 9464, 0, 65535),
    limits: {
      staffApiPerMinute: int('STAFF_API_RATE_PER_MINUTE', 300, 1, 1_000_000),
      failuresPerAddress: int('FAILED_AUTH_PER_ADDRESS', 20, 1, 1_000_000),
      failureWindowMs: int('FAILED_AUTH_WINDOW_SECONDS', 600, 1, 86_400) * 1000,
    },
    retentionYears: int('RETENTION_YEARS', 3, 1, 50),
    trustProxy,
    deadlines: {
      rules: deadlineRules.rules,
      interimNoticeWorkingHours: int('INTERIM_NOTICE_WORKING_HOURS', 8, 0, 200),
      noticeScanMs: int('INTERIM_NOTICE_SCAN_SECONDS', 300, 1, 86_400) * 1000,
      digestAt: digestAt ? [Number(digestAt[1]), Number(digestAt[2])] : [8, 30],
    },
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
