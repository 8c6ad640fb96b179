import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioConfig } from '../../../config/config.js';
import type { DeliveryStatus } from '../../delivery-status.js';
import {
  PermanentSendError,
  RateLimitedError,
  TransientSendError,
  type OutgoingSms,
  type SendResult,
  type SmsProvider,
} from '../../channel.js';

const TWILIO_API = 'https://api.twilio.com';

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

export function classifyTwilioError(error: unknown): Error {
  if (error instanceof twilio.RestException) {
    const code = String(error.code ?? error.status);
    if (error.status === 429 || error.code === 20429) return new RateLimitedError(1000, code);
    if (error.code !== undefined && TWILIO_PERMANENT_ERRORS.has(error.code)) {
      return new PermanentSendError(code, error.message);
    }
    if (error.status >= 500) return new TransientSendError(code, error.message);
    // Other 4xx: the request itself is wrong (credentials, parameters); retrying sends the same request.
    return new PermanentSendError(code, error.message);
  }
  const err = error as { code?: string; message?: string };
  return new TransientSendError(err.code ?? 'network', err.message ?? String(error));
}
