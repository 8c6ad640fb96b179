// Configuration is read and validated once, at start. Every problem is reported at
// once with the variable's name, so an operator can fix a broken .env in one pass.

export type NodeEnv = 'development' | 'production' | 'test';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A phone number (+8225550100) or a Messaging Service SID (MG...). */
  from: string;
  apiBaseUrl: string;
}

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
  kakao: KakaoConfig;
  /** A follow-up within this many minutes joins the resident's open case. */
  threadWindowMinutes: number;
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
  let twilio: TwilioConfig | null = null;
  if (twilioSet === 3) {
    twilio = { accountSid: twilioSid!, authToken: twilioToken!, from: twilioFrom!, apiBaseUrl: twilioApiBaseUrl };
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
    kakao: {
      skillSecret: kakaoSecret,
      skillHeader: kakaoHeader,
      botId: kakaoBotId === null ? null : kakaoBotId.replace(/!$/, ''),
      event: kakaoEvent,
    },
    threadWindowMinutes: int('THREAD_WINDOW_MINUTES', 30, 0, 24 * 60),
    outbound: {
      attempts: int('OUTBOUND_ATTEMPTS', 8, 1, 50),
      backoffMs: int('OUTBOUND_BACKOFF_MS', 2000, 10, 3_600_000),
      ratePerSecond: int('OUTBOUND_RATE_PER_SECOND', 10, 1, 10_000),
    },
    routing: {
      confidenceThreshold: int('ROUTING_CONFIDENCE_PERCENT', 45, 0, 100) / 100,
      refreshMs: int('ROUTING_REFRESH_SECONDS', 30, 1, 86_400) * 1000,
    },
    sweepIntervalMs: int('SWEEP_INTERVAL_MS', 60_000, 1000, 3_600_000),
    sweepMinAgeMs: int('SWEEP_MIN_AGE_MS', 30_000, 0, 3_600_000),
    jobStallMs: int('JOB_STALL_MS', 30_000, 1000, 600_000),
    staffTokenDays: int('STAFF_TOKEN_DAYS', 365, 1, 3650),
    workerMetricsPort: int('WORKER_METRICS_PORT', 9464, 0, 65535),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
