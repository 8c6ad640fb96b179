// A pino logger whose output the test reads back: the privacy tests search its text, others
// look for a line. The project's logger options (with their redaction) unless told otherwise.
import { Writable } from 'node:stream';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { loggerOptions } from '../../src/logger.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface CapturedLogs {
  log: Logger;
  /** Everything written so far, as pino wrote it. */
  text(): string;
  /** Everything written so far, one parsed object per line. */
  lines(): LogLine[];
}

export function captureLogs(options: LoggerOptions = loggerOptions('trace')): CapturedLogs {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    log: pino(options, sink),
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LogLine),
  };
}
