import type { KakaoEventConfig } from '../../../config/config.js';
import {
  PermanentSendError,
  RateLimitedError,
  TransientSendError,
  type ChatPushProvider,
  type ChatPushReport,
  type ChatRecipient,
} from '../../channel.js';

const TIMEOUT_MS = 10_000;

/**
 * The longest text one push carries. docs/channels.md (Connecting the KakaoTalk channel) tells
 * operators to show it in a 말풍선 텍스트 (simpleText) output of the event block, which holds
 * 1,000 characters; a text card's description holds only 400 and would cut it. A longer answer
 * is pulled (PULL_NOTICE).
 */
export const KAKAO_PUSH_TEXT_LIMIT = 1000;

interface TaskStatusBody {
  status?: string;
  allRequestCount?: number;
  successCount?: number;
  /** Keys Kakao could not resolve to a user; they are not named in `fail.list`. */
  userKeyResolvingFailCount?: number;
  fail?: { count?: number; list?: unknown[] };
}

/**
 * Kakao i Open Builder Event API: POST /v2/bots/{botId}/talk runs the block bound to the
 * event for each resident named; GET /v1/tasks/{taskId} tells per resident whether it arrived.
 * Each delivered message costs 15 KRW.
 */
export function createKakaoEventProvider(config: KakaoEventConfig): ChatPushProvider {
  const headers = { authorization: `KakaoAK ${config.restApiKey}`, 'content-type': 'application/json' };

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(config.apiBaseUrl + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      throw new TransientSendError(err.cause?.code ?? err.name ?? 'network', err.message);
    }
    const text = await response.text();
    if (response.status === 429) throw new RateLimitedError(1000, '429');
    if (response.status >= 500) throw new TransientSendError(String(response.status), text.slice(0, 200));
    if (response.status >= 400) throw new PermanentSendError(String(response.status), text.slice(0, 200));
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TransientSendError('bad_response', 'the Event API answered something that is not JSON');
    }
  }

  return {
    name: 'kakao',
    maxRecipients: 100,
    maxTextLength: KAKAO_PUSH_TEXT_LIMIT,
    async push(text: string, recipients: ChatRecipient[], purpose: 'answer' | 'survey' = 'answer') {
      const eventName = purpose === 'survey' ? (config.surveyEventName ?? config.eventName) : config.eventName;
      const body = {
        event: { name: eventName, data: { text } },
        user: recipients.map((r) => ({ type: 'botUserKey', id: r.userKey, properties: { caseNumber: r.caseNumber } })),
      };
      const answer = (await call('POST', `/v2/bots/${encodeURIComponent(config.botId)}/talk`, body)) as {
        taskId?: string;
        status?: string;
        message?: string;
      };
      if (answer.status !== 'SUCCESS' || typeof answer.taskId !== 'string') {
        throw new PermanentSendError(String(answer.status ?? 'no_task'), answer.message ?? 'the Event API did not accept the push');
      }
      return { taskId: answer.taskId };
    },
    async report(taskId: string): Promise<ChatPushReport> {
      const body = (await call('GET', `/v1/tasks/${encodeURIComponent(taskId)}`)) as TaskStatusBody;
      return readTaskStatus(body);
    },
  };
}

/**
 * Reads a task status. "ALL SUCCESS" and "N FAIL" are final; anything else is still
 * running. The shape of a failure entry is not documented publicly, so the resident's
 * key is looked for under the names seen in practice. Failures counted but not named (a
 * key Kakao could not resolve, an empty or missing list, a bare "FAIL") make the report
 * say so: only the named residents are failures, and the others are not known either way.
 */
export function readTaskStatus(body: TaskStatusBody): ChatPushReport {
  const status = body.status ?? '';
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
  const failedUserKeys = (body.fail?.list ?? []).flatMap((entry) => {
    if (typeof entry === 'string') return [entry];
    if (entry && typeof entry === 'object') {
      const e = entry as Record<string, unknown>;
      const key = e.id ?? e.userId ?? e.user_id ?? e.botUserKey ?? e.userKey;
      return typeof key === 'string' ? [key] : [];
    }
    return [];
  });
  // "N FAIL" counts the failures even when the failure list is missing; keys that could not
  // be resolved are failures the list does not name.
  const failsInStatus = /(\d+)\s*FAIL\b/.exec(status);
  const failCount = Math.max(
    count(body.fail?.count),
    Number(failsInStatus?.[1] ?? 0),
    failedUserKeys.length + count(body.userKeyResolvingFailCount),
  );
  const counted =
    typeof body.allRequestCount === 'number' &&
    typeof body.successCount === 'number' &&
    body.successCount + failCount >= body.allRequestCount;
  const finished = status === 'ALL SUCCESS' || /\bFAIL\b/.test(status) || counted;
  // A "FAIL" without a count, naming no one: some failed, nobody knows who.
  const bareFail = /\bFAIL\b/.test(status) && failsInStatus === null && failedUserKeys.length === 0;
  const unnamedFailures = failCount > failedUserKeys.length || bareFail;
  const noneReached = finished && status !== 'ALL SUCCESS' && typeof body.allRequestCount === 'number' && body.allRequestCount > 0 && body.successCount === 0;
  return { finished, failedUserKeys, unnamedFailures, noneReached };
}
