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

interface TaskStatusBody {
  status?: string;
  allRequestCount?: number;
  successCount?: number;
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
    // The event block shows the text in a simpleText bubble.
    maxTextLength: 1000,
    async push(text: string, recipients: ChatRecipient[]) {
      const body = {
        event: { name: config.eventName, data: { text } },
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
 * key is looked for under the names seen in practice; failures that name nobody make
 * every recipient fall back to pull, which loses nothing.
 */
export function readTaskStatus(body: TaskStatusBody): ChatPushReport {
  const status = body.status ?? '';
  // "N FAIL" counts the failures even when the failure list is missing.
  const failsInStatus = /(\d+)\s*FAIL\b/.exec(status);
  const failCount = Math.max(body.fail?.count ?? 0, Number(failsInStatus?.[1] ?? 0));
  const counted =
    typeof body.allRequestCount === 'number' &&
    typeof body.successCount === 'number' &&
    body.successCount + failCount >= body.allRequestCount;
  const finished = status === 'ALL SUCCESS' || /\bFAIL\b/.test(status) || counted;
  const failedUserKeys = (body.fail?.list ?? []).flatMap((entry) => {
    if (typeof entry === 'string') return [entry];
    if (entry && typeof entry === 'object') {
      const e = entry as Record<string, unknown>;
      const key = e.id ?? e.userId ?? e.user_id ?? e.botUserKey ?? e.userKey;
      return typeof key === 'string' ? [key] : [];
    }
    return [];
  });
  // A "FAIL" without a count, naming no one, fails every recipient.
  const bareFail = /\bFAIL\b/.test(status) && failsInStatus === null && failedUserKeys.length === 0;
  const unnamedFailures = failCount > failedUserKeys.length || bareFail;
  return { finished, failedUserKeys, unnamedFailures };
}
