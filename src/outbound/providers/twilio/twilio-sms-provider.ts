import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioConfig } from '../../../config/config.js';
import type { DeliveryStatus } from '../../delivery-status.js';
import { DEFAULT_SMS_TEXT_RULES, type SmsTextRules } from '../../sms-text.js';
import {
  PermanentSendError,
  RateLimitedError,
  TransientSendError,
  type OutgoingSms,
  type SendResult,
  type SmsProvider,
} from '../../channel.js';

const TWILIO_API = 'https://api.twilio.com';

export const TWILIO_TEXT_RULES: SmsTextRules = DEFAULT_SMS_TEXT_RULES;

/** Twilio error codes that no retry can fix. */
export const TWILIO_PERMANENT_ERRORS = new Set([
  21211, // invalid 'To' number
  21610, // recipient replied STOP
  21614, // 'To' is not SMS-capable
  21408, // region not enabled for the account
  21612, // cannot route to this number
]);

/** Twilio's MessageStatus values mapped onto the shared status enum. */
export function mapTwilioStatus(status: string): DeliveryStatus | null {
  switch (status) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
      return 'sending';
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

/** Sends through the twilio package; requests go to `apiBaseUrl` so tests and demos can use a local fake. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ timeout: 10_000 });
  }
  override request<T>(opts: RequestClient.RequestOptions<T>) {
    const uri = opts.uri.startsWith(TWILIO_API) ? this.baseUrl + opts.uri.slice(TWILIO_API.length) : opts.uri;
    return super.request<T>({ ...opts, uri });
  }
}

export function createTwilioSmsProvider(config: TwilioConfig): SmsProvider {
  const client = twilio(config.accountSid, config.authToken, {
    httpClient: new RebasedRequestClient(config.apiBaseUrl),
  });
  const fromField = config.from.startsWith('MG') ? { messagingServiceSid: config.from } : { from: config.from };

  return {
    name: 'twilio',
    // Twilio refuses a body over 1,600 characters; Korean operators take KS X 1001 only.
    textRules: TWILIO_TEXT_RULES,
    async send(message: OutgoingSms): Promise<SendResult> {
      try {
        const sent = await client.messages.create({
          to: message.to,
          body: message.text,
          ...fromField,
          ...(message.statusCallbackUrl ? { statusCallback: message.statusCallbackUrl } : {}),
        });
        return { providerMessageId: sent.sid, status: mapTwilioStatus(sent.status) ?? 'queued' };
      } catch (error) {
        throw classifyTwilioError(error);
      }
    },
  };
}

/** An HTTP error answer as the twilio package throws it, whichever shape the body had. */
interface TwilioHttpError {
  status: number;
  code: number | undefined;
  message: string;
}

function asTwilioHttpError(error: unknown): TwilioHttpError | null {
  if (error instanceof twilio.RestException) return { status: error.status, code: error.code, message: error.message };
  // RFC 9457 problem bodies come as TwilioServiceException (not exported by the package): type, title, status, code.
  if (error instanceof Error && typeof (error as { status?: unknown }).status === 'number' && 'title' in error) {
    const problem = error as Error & { status: number; code?: unknown; title: unknown; detail?: unknown };
    const code = typeof problem.code === 'number' && problem.code !== 0 ? problem.code : undefined;
    const detail = typeof problem.detail === 'string' && problem.detail !== '' ? problem.detail : problem.message;
    return { status: problem.status, code, message: detail };
  }
  return null;
}

export function classifyTwilioError(error: unknown): Error {
  const http = asTwilioHttpError(error);
  if (http) {
    const code = String(http.code ?? http.status);
    if (http.status === 429 || http.code === 20429) return new RateLimitedError(1000, code);
    if (http.code !== undefined && TWILIO_PERMANENT_ERRORS.has(http.code)) {
      return new PermanentSendError(code, http.message);
    }
    if (http.status >= 500) return new TransientSendError(code, http.message);
    // Other 4xx: the request itself is wrong (credentials, parameters); retrying sends the same request.
    return new PermanentSendError(code, http.message);
  }
  const err = error as { code?: unknown; message?: string };
  return new TransientSendError(err.code === undefined ? 'network' : String(err.code), err.message ?? String(error));
}
