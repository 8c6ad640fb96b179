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
