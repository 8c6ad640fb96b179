import type { LoggerOptions } from 'pino';

/**
 * Residents' phone numbers and words never reach the logs, nor do tokens and
 * signatures. Request bodies are not logged at all; these paths catch the fields
 * should anything log an object that carries them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-skill-secret"]',
  'req.headers.cookie',
  '*.phone',
  '*.text',
  '*.body',
  '*.Body',
  '*.From',
  '*.To',
  '*.token',
  '*.utterance',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

/** What the error log needs of a logger: pino's and fastify's both fit. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** How often one source logs an error at most; the repeats in between are counted. */
export const ERROR_LOG_INTERVAL_MS = 60_000;

interface SourceState {
  lastLoggedAt: number;
  suppressed: number;
}

/** Per logger, per source: emitters that share a source share its budget. */
const sources = new WeakMap<WarnLogger, Map<string, SourceState>>();

/**
 * A listener for errors that must not crash the process and must not flood the log: a Redis or
 * Postgres connection emits one on every reconnect attempt while the server is away, many a
 * second. Each `source` (a connection, a queue) logs at warn once per interval, with how many
 * errors it held back since its last line (`suppressed`), so a flap leaves a line and an outage
 * a line a minute. Only the error's code and message are logged: a driver's error object
 * can carry the query or row it failed on, and a row holds phone numbers and text.
 */
export function errorLog(
  log: WarnLogger,
  source: string,
  options: { intervalMs?: number; now?: () => number } = {},
): (error: unknown) => void {
  const intervalMs = options.intervalMs ?? ERROR_LOG_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let bySource = sources.get(log);
  if (!bySource) {
    bySource = new Map();
    sources.set(log, bySource);
  }
  const states = bySource;
  return (error: unknown) => {
    const at = now();
    const state = states.get(source);
    if (state && at - state.lastLoggedAt < intervalMs) {
      state.suppressed += 1;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    states.set(source, { lastLoggedAt: at, suppressed: 0 });
    const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
    // An AggregateError (both addresses of localhost refused) has an empty message: its name then.
    const text = typeof message === 'string' && message !== '' ? message : typeof name === 'string' ? name : String(error);
    log.warn(
      { source, err: text, code: typeof code === 'string' || typeof code === 'number' ? code : undefined, suppressed },
      `${source} error (repeats within ${Math.round(intervalMs / 1000)} s are counted, not logged)`,
    );
  };
}

/**
 * For code run without a logger (the bench scripts' database pools): lines go to stderr as
 * process warnings, still through errorLog's rate limit.
 */
export const processWarnings: WarnLogger = {
  warn(obj, msg) {
    process.emitWarning(`${msg}: ${JSON.stringify(obj)}`);
  },
};
