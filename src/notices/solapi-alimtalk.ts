import type { SolapiConfig } from '../config/config.js';
import { classifySolapiError, solapiAuthorization } from '../outbound/providers/solapi/solapi-sms-provider.js';
import { TransientSendError } from '../outbound/channel.js';

/**
 * 알림톡 (KakaoTalk notification talk) through Solapi's REST API v4, many at once:
 * POST /messages/v4/send-many/detail, body { messages: [{ to, from, text, type: 'ATA',
 * kakaoOptions: { pfId, templateId, variables, disableSms: false } }] } (docs.solapi.com
 * "여러 메시지 발송"; the field names of Solapi's SDKs). With disableSms false Solapi sends the
 * text as SMS/LMS to whoever cannot get the 알림톡 (no KakaoTalk, channel blocked). The answer
 * lists each message accepted (`messageList`, with its `messageId`) and each refused
 * (`failedMessageList`, with its `statusCode`), with `groupInfo.groupId` for the whole request.
 */
export interface AlimtalkMessage {
  /** E.164 Korean number. */
  to: string;
  text: string;
  variables: Record<string, string>;
}

export interface AlimtalkGateway {
  solapi: SolapiConfig;
  pfId: string;
  templateId: string;
}

export interface AlimtalkResult {
  groupId: string | null;
  /** By E.164 number: accepted with the provider's id, or refused with its code. */
  results: Map<string, { ok: true; messageId: string } | { ok: false; code: string }>;
}

/**
 * Whether the gateway certainly did not take the request (connection refused, 429, a 4xx
 * refusal): then it may be sent again. A timeout, a reset or a 5xx may have been taken.
 */
export class NotTakenError extends Error {
  constructor(readonly reason: Error) {
    super(reason.message);
  }
}

const domestic = (e164: string) => `0${e164.slice(3)}`;
const toE164 = (domesticNumber: string) => `+82${domesticNumber.replace(/\D/g, '').replace(/^0/, '')}`;

export async function sendAlimtalkMany(gateway: AlimtalkGateway, messages: AlimtalkMessage[], timeoutMs = 30_000): Promise<AlimtalkResult> {
  const body = {
    messages: messages.map((m) => ({
      to: domestic(m.to),
      from: gateway.solapi.from,
      text: m.text,
      type: 'ATA',
      kakaoOptions: { pfId: gateway.pfId, templateId: gateway.templateId, variables: m.variables, disableSms: false },
    })),
  };
  let response: Response;
  try {
    response = await fetch(`${gateway.solapi.apiBaseUrl}/messages/v4/send-many/detail`, {
      method: 'POST',
      headers: { Authorization: solapiAuthorization(gateway.solapi.apiKey, gateway.solapi.apiSecret), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const err = error as Error & { cause?: { code?: unknown } };
    const code = err.name === 'TimeoutError' ? 'timeout' : typeof err.cause?.code === 'string' ? err.cause.code : 'network';
    const transient = new TransientSendError(code, err.message);
    // Refused before any byte was taken: certainly not sent.
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') throw new NotTakenError(transient);
    throw transient;
  }
  const raw = await response.text().catch(() => '');
  let json: Record<string, unknown> | null = null;
  try {
    json = raw === '' ? null : (JSON.parse(raw) as Record<string, unknown>);
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = classifySolapiError(response.status, json as { errorCode?: unknown; errorMessage?: unknown } | null);
    // A 5xx may have been taken; a 429 or a 4xx refusal was not.
    if (error instanceof TransientSendError) throw error;
    throw new NotTakenError(error);
  }
  const results: AlimtalkResult['results'] = new Map();
  const list = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value) ? (value as Record<string, unknown>[]) : value && typeof value === 'object' ? (Object.values(value) as Record<string, unknown>[]) : [];
  for (const m of list(json?.messageList)) {
    if (typeof m.to === 'string' && typeof m.messageId === 'string') results.set(toE164(m.to), { ok: true, messageId: m.messageId });
  }
  for (const m of list(json?.failedMessageList)) {
    if (typeof m.to === 'string') results.set(toE164(m.to), { ok: false, code: typeof m.statusCode === 'string' ? m.statusCode : 'refused' });
  }
  const groupInfo = json?.groupInfo as { groupId?: unknown } | undefined;
  return { groupId: typeof groupInfo?.groupId === 'string' ? groupInfo.groupId : null, results };
}
