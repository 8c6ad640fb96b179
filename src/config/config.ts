// Configuration is read and validated once, at start. Every problem is reported at
// once with the variable's name, so an operator can fix a broken .env in one pass.
// What each variable may hold is declared in env-schema.ts; here the settings that
// depend on several variables are derived from it.
import type { DeadlineRules } from '../deadlines/deadline-rules.js';
import { readEnvironment, type Environment, type RawEnv } from './env-schema.js';
import { loadSmsGateways, type SmsGatewayConfig } from './sms-gateways.js';
import type { SatisfactionPolicy } from '../satisfaction/satisfaction.js';

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
  /** The event whose block shows the satisfaction question with its five quick replies; null: eventName's. */
  surveyEventName?: string | null;
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
  /** The satisfaction question after a case closes with an answer (src/satisfaction/). */
  satisfaction: SatisfactionPolicy;
  mayorSessions: MayorSessionsConfig;
  attachments: AttachmentsConfig;
  notices: NoticeConfig;
}

/** The mayor's sessions (docs/mayor-sessions.md). */
export interface MayorSessionsConfig {
  /** ONDATE_OFFER=on: answers offer 온데이트 and a reply of '온데이트' volunteers the resident. */
  ondateOffer: boolean;
  /** MAYOR_VISIT_OFFER=on: KakaoTalk offers 찾아가는 구청장실 as a quick reply and a reply of '구청장실 신청' applies. */
  visitOffer: boolean;
  /** HOMEPAGE_FORM_SECRET: the homepage's shared secret for visit applications; null refuses them. */
  homepageFormSecret: string | null;
}

/** Residents' photos: how they are fetched, checked and where they are kept (docs/photos.md). */
export interface AttachmentsConfig {
  store: { kind: 'local'; dir: string } | { kind: 's3'; bucket: string; endpoint: string | null; region: string; forcePathStyle: boolean; credentials: { accessKeyId: string; secretAccessKey: string } | null };
  maxBytes: number;
  /** sharp's limitInputPixels: a larger image (a decompression bomb) is refused unread. */
  maxPixels: number;
  fetchTimeoutMs: number;
  attempts: number;
  backoffMs: number;
  /** Hosts (and their subdomains) a Kakao image URL may name: nothing else is fetched. */
  kakaoHosts: string[];
  /** Hosts a redirect may lead to besides the first URL's own (Twilio hands media over to its CDN). */
  redirectHosts: string[];
  /** Twilio media need the account's credentials (HTTP Basic). */
  twilioAuth: { user: string; password: string } | null;
  twilioApiBaseUrl: string;
}

/** Notices to subscribed residents (docs/notices.md). */
export interface NoticeConfig {
  /** Solapi and the KakaoTalk channel's pfId and template; null: notices can be drafted, not sent. */
  gateway: { solapi: SolapiConfig; pfId: string; templateId: string } | null;
  /** The free 080 opt-out number printed in each notice; null prints none. */
  optOutNumber: string | null;
  ratePerSecond: number;
  batchSize: number;
  prices: { ata: number; sms: number; lms: number };
  /** Days a withdrawn consent is kept before it is removed. */
  consentRetentionDays: number;
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

/** The names of the variables among these pairs whose value is missing. */
function missing(pairs: [string, string | undefined][]): string[] {
  return pairs.flatMap(([name, value]) => (value === undefined ? [name] : []));
}

/**
 * Twilio sends answers when all three credentials are set. The auth token alone only verifies
 * inbound webhooks; the other two mean sending was intended, and a missing one must not fall back
 * to the outbox unnoticed. In production a missing channel is an error, never a silent outbox.
 */
function twilioSettings(env: Environment, problems: string[]): TwilioConfig | null {
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from } = env;
  if (accountSid !== undefined && authToken !== undefined && from !== undefined) {
    return { accountSid, authToken, from, apiBaseUrl: env.TWILIO_API_BASE_URL };
  }
  // With Solapi carrying answers, TWILIO_AUTH_TOKEN alone may still verify Twilio webhooks.
  if (env.SMS_PROVIDER === 'solapi') return null;
  if (env.NODE_ENV === 'production') {
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are all required with NODE_ENV=production');
  } else if (accountSid !== undefined || from !== undefined) {
    const names = missing([['TWILIO_ACCOUNT_SID', accountSid], ['TWILIO_AUTH_TOKEN', authToken], ['TWILIO_FROM', from]]);
    problems.push(`${names.join(' and ')} must be set too: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together`);
  } else if (env.SMS_PROVIDER === 'twilio') {
    problems.push('SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM');
  }
  return null;
}

/** Solapi, with SMS_PROVIDER=solapi only: its key, secret and pre-registered sender number. */
function solapiSettings(env: Environment, problems: string[]): SolapiConfig | null {
  if (env.SMS_PROVIDER !== 'solapi') return null;
  const { SOLAPI_API_KEY: apiKey, SOLAPI_API_SECRET: apiSecret } = env;
  const from = env.SOLAPI_FROM?.replace(/[-\s]/g, '');
  const names = missing([['SOLAPI_API_KEY', apiKey], ['SOLAPI_API_SECRET', apiSecret], ['SOLAPI_FROM', from]]);
  if (names.length > 0) problems.push(`${names.join(' and ')} must be set with SMS_PROVIDER=solapi`);
  if (from !== undefined && !/^(0\d{7,10}|1\d{7})$/.test(from)) {
    problems.push('SOLAPI_FROM must be the pre-registered sender number in Korean form, e.g. 0233964114 or 15881234');
  }
  if (apiKey === undefined || apiSecret === undefined || from === undefined) return null;
  return { apiKey, apiSecret, from, apiBaseUrl: env.SOLAPI_API_BASE_URL, lmsSubject: env.SOLAPI_LMS_SUBJECT };
}

/** Who carries SMS answers, with whose credentials, and the domestic gateways' adapters. */
function smsSettings(env: Environment, raw: RawEnv, problems: string[]) {
  const twilio = twilioSettings(env, problems);
  const solapi = solapiSettings(env, problems);
  const smsProvider: SmsProviderName = env.SMS_PROVIDER === 'solapi' ? 'solapi' : twilio ? 'twilio' : 'outbox';
  // The gateways file names the variables holding its secrets, so it reads the whole environment.
  const smsGateways = loadSmsGateways(env.SMS_GATEWAYS_FILE ?? null, raw, problems);
  return {
    twilio,
    twilioAuthToken: env.TWILIO_AUTH_TOKEN ?? null,
    smsProvider,
    solapi,
    solapiWebhookSecret: env.SOLAPI_WEBHOOK_SECRET ?? null,
    smsGateways,
  };
}

/** The development bot's id ends in '!'; it names the same bot. */
const botIdOf = (id: string) => id.replace(/!$/, '');

function kakaoSettings(env: Environment, problems: string[]): KakaoConfig {
  const { KAKAO_SKILL_SECRET: skillSecret, KAKAO_BOT_ID: botId, KAKAO_REST_API_KEY: restApiKey, KAKAO_EVENT_NAME: eventName } = env;
  if (skillSecret === undefined && env.NODE_ENV === 'production') {
    // An unverified skill endpoint would let anyone open cases in the district's name.
    problems.push('KAKAO_SKILL_SECRET is required with NODE_ENV=production');
  }
  let event: KakaoEventConfig | null = null;
  if (botId !== undefined && restApiKey !== undefined && eventName !== undefined) {
    event = {
      botId: botIdOf(botId),
      restApiKey,
      eventName,
      ...(env.KAKAO_SURVEY_EVENT_NAME === undefined ? {} : { surveyEventName: env.KAKAO_SURVEY_EVENT_NAME }),
      apiBaseUrl: env.KAKAO_API_BASE_URL,
    };
  } else if (restApiKey !== undefined || eventName !== undefined) {
    const names = missing([['KAKAO_BOT_ID', botId], ['KAKAO_REST_API_KEY', restApiKey], ['KAKAO_EVENT_NAME', eventName]]);
    problems.push(`${names.join(' and ')} must be set too: KAKAO_BOT_ID, KAKAO_REST_API_KEY and KAKAO_EVENT_NAME go together`);
  }
  return {
    skillSecret: skillSecret ?? null,
    skillHeader: env.KAKAO_SKILL_HEADER,
    botId: botId === undefined ? null : botIdOf(botId),
    event,
  };
}

const hostList = (v: string) => v.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');

function attachmentSettings(env: Environment, problems: string[]): AttachmentsConfig {
  let store: AttachmentsConfig['store'] = { kind: 'local', dir: env.ATTACHMENTS_DIR };
  if (env.ATTACHMENTS_STORE === 's3') {
    const { ATTACHMENTS_S3_ACCESS_KEY_ID: accessKeyId, ATTACHMENTS_S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
    if (env.ATTACHMENTS_S3_BUCKET === undefined) problems.push('ATTACHMENTS_S3_BUCKET must be set with ATTACHMENTS_STORE=s3');
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      problems.push('ATTACHMENTS_S3_ACCESS_KEY_ID and ATTACHMENTS_S3_SECRET_ACCESS_KEY go together');
    }
    store = {
      kind: 's3',
      bucket: env.ATTACHMENTS_S3_BUCKET ?? '',
      endpoint: env.ATTACHMENTS_S3_ENDPOINT ?? null,
      region: env.ATTACHMENTS_S3_REGION,
      forcePathStyle: env.ATTACHMENTS_S3_FORCE_PATH_STYLE === 'true',
      credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : null,
    };
  }
  return {
    store,
    maxBytes: env.ATTACHMENTS_MAX_BYTES,
    maxPixels: env.ATTACHMENTS_MAX_PIXELS,
    fetchTimeoutMs: env.ATTACHMENTS_FETCH_TIMEOUT_MS,
    attempts: env.ATTACHMENTS_ATTEMPTS,
    backoffMs: env.ATTACHMENTS_BACKOFF_MS,
    kakaoHosts: hostList(env.ATTACHMENTS_KAKAO_HOSTS),
    redirectHosts: hostList(env.ATTACHMENTS_REDIRECT_HOSTS),
    twilioAuth:
      env.TWILIO_ACCOUNT_SID !== undefined && env.TWILIO_AUTH_TOKEN !== undefined
        ? { user: env.TWILIO_ACCOUNT_SID, password: env.TWILIO_AUTH_TOKEN }
        : null,
    twilioApiBaseUrl: env.TWILIO_API_BASE_URL,
  };
}

function intakeSettings(env: Environment, problems: string[]): Config['intake'] {
  if (env.INTAKE_BUFFER_SECRET === undefined && env.NODE_ENV === 'production') {
    // Residents' messages kept in Redis while Postgres is away are encrypted with it.
    problems.push('INTAKE_BUFFER_SECRET is required with NODE_ENV=production (any long random string)');
  }
  return {
    bufferSecret: env.INTAKE_BUFFER_SECRET ?? 'development only: not a secret',
    storeTimeoutMs: env.INTAKE_STORE_TIMEOUT_MS,
    senderFlood: { messages: env.SENDER_FLOOD_MESSAGES, windowMs: env.SENDER_FLOOD_WINDOW_SECONDS * 1000 },
  };
}

function noticeSettings(env: Environment): NoticeConfig {
  const from = env.SOLAPI_FROM?.replace(/[-\s]/g, '');
  const { SOLAPI_API_KEY: apiKey, SOLAPI_API_SECRET: apiSecret, NOTICE_KAKAO_PF_ID: pfId, NOTICE_KAKAO_TEMPLATE_ID: templateId } = env;
  const gateway =
    apiKey !== undefined && apiSecret !== undefined && from !== undefined && pfId !== undefined && templateId !== undefined
      ? { solapi: { apiKey, apiSecret, from, apiBaseUrl: env.SOLAPI_API_BASE_URL, lmsSubject: env.SOLAPI_LMS_SUBJECT }, pfId, templateId }
      : null;
  return {
    gateway,
    optOutNumber: env.NOTICE_OPT_OUT_NUMBER ?? null,
    ratePerSecond: env.NOTICE_RATE_PER_SECOND,
    batchSize: env.NOTICE_BATCH_SIZE,
    prices: { ata: env.NOTICE_PRICE_ATA, sms: env.NOTICE_PRICE_SMS, lms: env.NOTICE_PRICE_LMS },
    consentRetentionDays: env.NOTICE_CONSENT_RETENTION_DAYS,
  };
}

/**
 * The configuration from the environment (process.env unless given). Throws a ConfigError
 * listing every problem: each variable's own (env-schema.ts), then those between variables.
 */
export function loadConfig(raw: RawEnv = process.env): Config {
  const { env, problems } = readEnvironment(raw);
  const config: Config = {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.PORT}`,
    logLevel: env.LOG_LEVEL,
    ...smsSettings(env, raw, problems),
    kakao: kakaoSettings(env, problems),
    threadWindowMinutes: env.THREAD_WINDOW_MINUTES,
    intake: intakeSettings(env, problems),
    outbound: {
      attempts: env.OUTBOUND_ATTEMPTS,
      backoffMs: env.OUTBOUND_BACKOFF_MS,
      ratePerSecond: env.OUTBOUND_RATE_PER_SECOND,
    },
    routing: {
      confidenceThreshold: env.ROUTING_CONFIDENCE_PERCENT / 100,
      refreshMs: env.ROUTING_REFRESH_SECONDS * 1000,
      concurrency: env.ROUTING_CONCURRENCY,
    },
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    sweepMinAgeMs: env.SWEEP_MIN_AGE_MS,
    jobStallMs: env.JOB_STALL_MS,
    staffTokenDays: env.STAFF_TOKEN_DAYS,
    workerMetricsPort: env.WORKER_METRICS_PORT,
    limits: {
      staffApiPerMinute: env.STAFF_API_RATE_PER_MINUTE,
      failuresPerAddress: env.FAILED_AUTH_PER_ADDRESS,
      failureWindowMs: env.FAILED_AUTH_WINDOW_SECONDS * 1000,
    },
    retentionYears: env.RETENTION_YEARS,
    trustProxy: env.TRUST_PROXY,
    attachments: attachmentSettings(env, problems),
    deadlines: {
      rules: env.DEADLINE_RULES,
      interimNoticeWorkingHours: env.INTERIM_NOTICE_WORKING_HOURS,
      noticeScanMs: env.INTERIM_NOTICE_SCAN_SECONDS * 1000,
      digestAt: env.DAILY_DIGEST_AT,
    },
    satisfaction: { replyHours: env.SATISFACTION_REPLY_HOURS, intervalDays: env.SATISFACTION_INTERVAL_DAYS },
    mayorSessions: {
      ondateOffer: env.ONDATE_OFFER === 'on',
      visitOffer: env.MAYOR_VISIT_OFFER === 'on',
      homepageFormSecret: env.HOMEPAGE_FORM_SECRET ?? null,
    },
    notices: noticeSettings(env),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
