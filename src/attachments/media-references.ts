import type { MediaReference } from '../intake/inbound-message.table.js';

/**
 * What each channel says about the photos that came with a message, read in the webhook
 * (docs/photos.md). Nothing is fetched here: the references are stored with the message and
 * the attachments worker fetches them later. Only URLs on the hosts a channel is known to use
 * are kept, so a resident cannot make the server fetch an address of their choosing.
 */

/** At most this many files per message are kept (Twilio allows 10 per MMS). */
export const MAX_MEDIA_PER_MESSAGE = 10;

/** A URL with http(s) on one of `hosts` (or a subdomain of one); null otherwise. */
export function allowedUrl(candidate: string, hosts: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(candidate.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return hostAllowed(url.hostname, hosts) ? url.toString() : null;
}

export function hostAllowed(hostname: string, hosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

function unique(refs: MediaReference[]): MediaReference[] {
  const seen = new Set<string>();
  return refs.filter((r) => (seen.has(r.url) ? false : (seen.add(r.url), true))).slice(0, MAX_MEDIA_PER_MESSAGE);
}

const URL_TOKEN = /^https?:\/\/\S+$/i;

/**
 * The URLs of Open Builder's secure-image plugin value: `{"secureUrls":"List(https://a, https://b)", ...}`,
 * as a JSON string or already parsed; `secureUrls` may also be an array or one URL.
 */
export function secureImageUrls(value: unknown): string[] {
  let parsed = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!trimmed.startsWith('{')) return [];
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return [];
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const urls = (parsed as { secureUrls?: unknown }).secureUrls;
  if (Array.isArray(urls)) return urls.filter((u): u is string => typeof u === 'string');
  if (typeof urls !== 'string') return [];
  const inner = /^\s*List\((.*)\)\s*$/s.exec(urls)?.[1] ?? urls;
  return inner
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
}

export interface KakaoMedia {
  media: MediaReference[];
  /** True when the utterance was nothing but image URLs (a photo sent to the fallback block). */
  utteranceWasMedia: boolean;
}

/**
 * A KakaoTalk message's photos: image URLs in the utterance (a photo sent to a block without a
 * plugin arrives as its URL), and the secure-image plugin's parameters (`action.params.<name>`,
 * `action.detailParams.<name>.value`/`.origin`).
 */
export function kakaoMedia(body: unknown, hosts: readonly string[]): KakaoMedia {
  const refs: MediaReference[] = [];
  const b = (body ?? {}) as { userRequest?: { utterance?: unknown }; action?: { params?: unknown; detailParams?: unknown } };
  const utterance = typeof b.userRequest?.utterance === 'string' ? b.userRequest.utterance.trim() : '';
  const tokens = utterance === '' ? [] : utterance.split(/\s+/);
  const utteranceUrls = tokens.length > 0 && tokens.every((t) => URL_TOKEN.test(t)) ? tokens.map((t) => allowedUrl(t, hosts)) : [];
  const utteranceWasMedia = utteranceUrls.length > 0 && utteranceUrls.every((u) => u !== null);
  if (utteranceWasMedia) refs.push(...utteranceUrls.map((url) => ({ url: url!, contentType: null })));

  const fromValue = (value: unknown) => {
    for (const candidate of secureImageUrls(value)) {
      const url = allowedUrl(candidate, hosts);
      if (url !== null) refs.push({ url, contentType: null });
    }
  };
  const params = b.action?.params;
  if (typeof params === 'object' && params !== null) Object.values(params).forEach(fromValue);
  const detail = b.action?.detailParams;
  if (typeof detail === 'object' && detail !== null) {
    for (const entry of Object.values(detail)) {
      if (typeof entry !== 'object' || entry === null) continue;
      fromValue((entry as { value?: unknown }).value);
      fromValue((entry as { origin?: unknown }).origin);
    }
  }
  return { media: unique(refs), utteranceWasMedia };
}

/** A Twilio MMS's files: NumMedia, MediaUrl{N}, MediaContentType{N}, on Twilio's own hosts. */
export function twilioMedia(body: Record<string, unknown>, hosts: readonly string[]): MediaReference[] {
  const count = Math.min(Number(body.NumMedia ?? 0) || 0, MAX_MEDIA_PER_MESSAGE);
  const refs: MediaReference[] = [];
  for (let i = 0; i < count; i++) {
    const raw = body[`MediaUrl${i}`];
    const url = typeof raw === 'string' ? allowedUrl(raw, hosts) : null;
    if (url === null) continue;
    const type = body[`MediaContentType${i}`];
    refs.push({ url, contentType: typeof type === 'string' && type !== '' ? type.slice(0, 100) : null });
  }
  return unique(refs);
}

/** What a message with photos and no words says in the case, so staff see why it is there. */
export function photosOnlyText(count: number): string {
  return `(사진 ${count}장)`;
}

/** The value at a dotted path ("mms.files") of a parsed body. */
function valueAt(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * A domestic gateway's MMS files, where its configuration says they are (SMS_GATEWAYS_FILE,
 * `media`): one URL, a list of URLs, or a list of objects with the URL at `urlKey`.
 */
export function gatewayMedia(
  body: unknown,
  media: { path: string; urlKey: string | null; typeKey: string | null; hosts: readonly string[] } | undefined,
): MediaReference[] {
  if (media === undefined) return [];
  const value = valueAt(body, media.path);
  const items = Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value];
  const refs: MediaReference[] = [];
  for (const item of items.slice(0, MAX_MEDIA_PER_MESSAGE * 2)) {
    const rawUrl = typeof item === 'string' ? item : media.urlKey !== null ? valueAt(item, media.urlKey) : undefined;
    const url = typeof rawUrl === 'string' ? allowedUrl(rawUrl, media.hosts) : null;
    if (url === null) continue;
    const type = media.typeKey !== null && typeof item === 'object' ? valueAt(item, media.typeKey) : undefined;
    refs.push({ url, contentType: typeof type === 'string' && type !== '' ? type.slice(0, 100) : null });
  }
  return unique(refs);
}
