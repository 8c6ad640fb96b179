import { hostAllowed } from './media-references.js';

export interface FetchRules {
  maxBytes: number;
  timeoutMs: number;
  /** Hosts a redirect may lead to besides the first URL's own. */
  redirectHosts: readonly string[];
  /** Sent to the first URL's host only, never after a redirect to another host. */
  authorization: string | null;
}

export type FetchResult =
  | { ok: true; bytes: Buffer; declaredType: string | null }
  /** permanent: trying again cannot help (too large, gone, sent elsewhere); otherwise retry later. */
  | { ok: false; permanent: boolean; note: string; reason: string };

const MAX_REDIRECTS = 3;
const MB = 1024 * 1024;

const fail = (permanent: boolean, note: string, reason: string): FetchResult => ({ ok: false, permanent, note, reason });

/**
 * Downloads one file a provider named, within limits: one timeout for the whole download, at
 * most `maxBytes` (the declared length is checked first, then the bytes as they come), and
 * redirects followed only to the same host or to `redirectHosts` (credentials stay with the
 * first host). The URL is personal data: `reason` (for logs) never contains it.
 */
export async function fetchMedia(source: string, rules: FetchRules): Promise<FetchResult> {
  const signal = AbortSignal.timeout(rules.timeoutMs);
  const firstHost = new URL(source).host;
  let url = source;
  try {
    for (let hop = 0; ; hop++) {
      const current = new URL(url);
      const headers: Record<string, string> = { accept: 'image/*,*/*;q=0.5' };
      if (rules.authorization !== null && current.host === firstHost) headers.authorization = rules.authorization;
      const response = await fetch(url, { redirect: 'manual', signal, headers });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (location === null) return fail(true, '사진 주소가 잘못되어 받지 못했습니다.', `redirect ${response.status} without a location`);
        if (hop >= MAX_REDIRECTS) return fail(true, '사진 주소가 계속 다른 곳으로 넘겨져 받지 못했습니다.', 'too many redirects');
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') return fail(true, '사진 주소가 잘못되어 받지 못했습니다.', `redirect to ${next.protocol}`);
        if (next.host !== current.host && !hostAllowed(next.hostname, rules.redirectHosts)) {
          return fail(true, '사진 주소가 다른 곳으로 넘겨져 받지 않았습니다.', 'redirect to another host');
        }
        url = next.toString();
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const transient = response.status === 429 || response.status === 408 || response.status >= 500;
        return fail(!transient, `사진을 받지 못했습니다 (HTTP ${response.status}).`, `HTTP ${response.status}`);
      }
      const declaredLength = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declaredLength) && declaredLength > rules.maxBytes) {
        await response.body?.cancel();
        return tooLarge(rules.maxBytes, `declared ${declaredLength} bytes`);
      }
      const chunks: Buffer[] = [];
      let received = 0;
      if (response.body) {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          received += value.byteLength;
          if (received > rules.maxBytes) {
            await reader.cancel();
            return tooLarge(rules.maxBytes, `more than ${rules.maxBytes} bytes`);
          }
          chunks.push(Buffer.from(value));
        }
      }
      const type = response.headers.get('content-type');
      return { ok: true, bytes: Buffer.concat(chunks, received), declaredType: type === null ? null : type.split(';')[0]!.trim().slice(0, 100) };
    }
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return fail(false, `사진을 ${Number((rules.timeoutMs / 1000).toFixed(1))}초 안에 받지 못했습니다.`, 'timed out');
    }
    return fail(false, '사진을 받는 중 연결이 끊겼습니다.', `network: ${(error as Error).message.slice(0, 200)}`);
  }
}

function tooLarge(maxBytes: number, reason: string): FetchResult {
  const limit = maxBytes >= MB ? `${Number((maxBytes / MB).toFixed(1))}MB` : `${Math.max(1, Math.round(maxBytes / 1024))}KB`;
  return fail(true, `사진이 너무 커서 받지 않았습니다 (${limit}까지).`, `too large: ${reason}`);
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
