import { createHmac, randomBytes } from 'node:crypto';
import type { SolapiConfig } from '../../../config/config.js';
import type { DeliveryStatus } from '../../delivery-status.js';
import { eucKrByteLength, isKoreanNumber, toKsX1001, type SmsTextRules } from '../../sms-text.js';
import {
  PermanentSendError,
  RateLimitedError,
  TransientSendError,
  type OutgoingSms,
  type SendResult,
  type SmsProvider,
} from '../../channel.js';

/**
 * Solapi (솔라피), a domestic SMS gateway, through its documented REST API v4 with fetch.
 * Not the `solapi` npm package (6.0.1 installs and loads on Node 20, but): its base URL is
 * fixed to https://api.solapi.com, so tests and demos cannot point it elsewhere as they do
 * Twilio and Kakao; it silently re-sends a request up to 3 times on a 503 or a reset
 * connection, which for a send can deliver the same answer twice and fights the queue's own
 * retries; and it pulls in the `effect` runtime (34 MB) for one POST.
 */

/** Korean operators: SMS up to 90 EUC-KR bytes, LMS (with a subject) up to 2,000. */
export const SMS_MAX_BYTES = 90;
export const LMS_MAX_BYTES = 2000;
export const SOLAPI_TEXT_RULES: SmsTextRules = { unit: 'euc-kr-bytes', maxPerMessage: LMS_MAX_BYTES, ksx1001: 'always' };

/**
 * Authorization: HMAC-SHA256 apiKey=…, date=…, salt=…, signature=hex(HMAC-SHA256(apiSecret, date + salt))
 * (docs.solapi.com "API Key 인증"; the same scheme the official SDK's authenticator builds).
 */
export function solapiAuthorization(apiKey: string, apiSecret: string, now = new Date(), salt = randomBytes(16).toString('hex')): string {
  const date = now.toISOString();
  const signature = createHmac('sha256', apiSecret).update(date + salt).digest('hex');
  return `HMAC-SHA256 apiKey=${apiKey}, date=${date}, salt=${salt}, signature=${signature}`;
}

/**
 * Solapi's message status codes (its "메시지 상태 코드" table) on the shared enum: 2000 accepted
 * (정상 접수), 3000 handed to the operator (이통사 접수), 4000 received by the phone (수신 완료).
 * Other 3xxx codes are the operator's delivery failures (phone off, number not in service...);
 * other codes are refusals before sending (1xxx request, 2xxx registration: balance, sender
 * number not registered...). Anything else is not a status.
 */
export function mapSolapiStatus(code: string): DeliveryStatus | null {
  switch (code) {
    case '2000':
      return 'queued';
    case '3000':
      return 'sent';
    case '4000':
      return 'delivered';
  }
  if (/^3\d{3}$/.test(code)) return 'undelivered';
  if (/^[12]\d{3}$/.test(code)) return 'failed';
  return null;
}

/** +821012345678 → 01012345678: Solapi takes Korean numbers in their domestic form. */
function domesticNumber(e164: string): string {
  return `0${e164.slice(3)}`;
}

interface SolapiSent {
  messageId?: unknown;
  statusCode?: unknown;
  statusMessage?: unknown;
}

interface SolapiError {
  errorCode?: unknown;
  errorMessage?: unknown;
}

export function createSolapiSmsProvider(config: SolapiConfig, options: { timeoutMs?: number } = {}): SmsProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'solapi',
    textRules: SOLAPI_TEXT_RULES,
    async send(message: OutgoingSms): Promise<SendResult> {
      if (!isKoreanNumber(message.to)) {
        throw new PermanentSendError('not_domestic', 'a domestic gateway reaches Korean numbers only');
      }
      // Callers compose the text already; cleaning again costs nothing and means nothing leaves raw.
      const text = toKsX1001(message.text);
      const bytes = eucKrByteLength(text);
      if (text === '') throw new PermanentSendError('nothing_to_send', 'no characters left to send');
      if (bytes > LMS_MAX_BYTES) throw new PermanentSendError('too_long', `an LMS holds ${LMS_MAX_BYTES} bytes (this one has ${bytes})`);
      // POST /messages/v4/send, body { message: { to, from, text, type, subject } } (docs.solapi.com
      // "단일 메시지 발송"); type fixed here rather than left to Solapi's detection, so the
      // 90-byte rule is ours and a subject goes only with an LMS.
      const body = {
        message: {
          to: domesticNumber(message.to),
          from: config.from,
          text,
          ...(bytes <= SMS_MAX_BYTES ? { type: 'SMS' } : { type: 'LMS', subject: config.lmsSubject }),
        },
      };
      let response: Response;
      try {
        response = await fetch(`${config.apiBaseUrl}/messages/v4/send`, {
          method: 'POST',
          headers: { Authorization: solapiAuthorization(config.apiKey, config.apiSecret), 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const err = error as Error & { cause?: { code?: unknown } };
        const code = err.name === 'TimeoutError' ? 'timeout' : typeof err.cause?.code === 'string' ? err.cause.code : 'network';
        throw new TransientSendError(code, err.message);
      }
      const raw = await response.text().catch(() => '');
      let json: (SolapiSent & SolapiError) | null = null;
      try {
        json = raw === '' ? null : (JSON.parse(raw) as SolapiSent & SolapiError);
      } catch {
        json = null;
      }
      if (!response.ok) throw classifySolapiError(response.status, json);

      const messageId = typeof json?.messageId === 'string' ? json.messageId : null;
      const statusCode = typeof json?.statusCode === 'string' ? json.statusCode : null;
      if (messageId === null) throw new TransientSendError('bad_response', 'Solapi answered without a messageId');
      const status = statusCode === null ? 'queued' : mapSolapiStatus(statusCode);
      if (status === 'failed' || status === 'undelivered') {
        throw new PermanentSendError(statusCode!, typeof json?.statusMessage === 'string' ? json.statusMessage : 'refused by Solapi');
      }
      return { providerMessageId: messageId, status: status ?? 'queued' };
    },
  };
}

/** HTTP error answers: `{ errorCode, errorMessage }` bodies (docs.solapi.com "에러 코드"). */
export function classifySolapiError(httpStatus: number, body: SolapiError | null): Error {
  const code = typeof body?.errorCode === 'string' && body.errorCode !== '' ? body.errorCode : String(httpStatus);
  const message = typeof body?.errorMessage === 'string' ? body.errorMessage : `Solapi answered HTTP ${httpStatus}`;
  if (httpStatus === 429 || code === 'TooManyRequests') return new RateLimitedError(1000, code);
  if (httpStatus >= 500) return new TransientSendError(code, message);
  // 4xx: bad credentials, an unregistered sender number, no balance, a bad request. Sending the
  // same request again cannot help; the operator fixes the cause and retries the dead letter.
  return new PermanentSendError(code, message);
}
