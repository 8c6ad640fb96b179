import { readFileSync } from 'node:fs';

/**
 * A domestic SMS gateway that posts residents' messages in its own shape to
 * POST /webhooks/sms/:name. Where each field is, and how the gateway signs the request,
 * is configuration (SMS_GATEWAYS_FILE), not code.
 */
export interface SmsGatewayConfig {
  name: string;
  /** HMAC-SHA256 key shared with the gateway; read from the variable named by secretEnv. */
  secret: string;
  signature: {
    /** Lower-case header that carries the signature. */
    header: string;
    encoding: 'hex' | 'base64';
    /** Text before the signature in the header, e.g. "sha256=". */
    prefix: string;
    /** Lower-case header with a Unix time in seconds; when set, "<timestamp>.<body>" is signed and old requests refused. */
    timestampHeader: string | null;
    toleranceSeconds: number;
  };
  /** Dotted paths into the JSON (or form) body. */
  fields: {
    messageId: string;
    from: string;
    text: string;
    /** ISO 8601 or Unix seconds; absent means "now". */
    receivedAt: string | null;
  };
  /**
   * MMS: where the gateway puts the files' URLs (docs/photos.md), or null when it sends none.
   * `path` leads to one URL, or a list of URLs, or a list of objects holding the URL at `urlKey`
   * (and the declared type at `typeKey`). Only URLs on `hosts` (or their subdomains) are fetched.
   */
  media?: { path: string; urlKey: string | null; typeKey: string | null; hosts: string[] };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const HEADER = /^[a-z0-9-]+$/;
const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** Names with a route of their own: a static route beats /webhooks/sms/:provider. */
const RESERVED = new Set(['twilio']);

/**
 * Reads and checks the gateways file; every problem is added to `problems` by name.
 * `env` supplies the secrets (the file names the variables, so it can be committed).
 */
export function loadSmsGateways(path: string | null, env: Record<string, string | undefined>, problems: string[]): Record<string, SmsGatewayConfig> {
  if (path === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`SMS_GATEWAYS_FILE ${path} cannot be read as JSON (${(error as Error).message})`);
    return {};
  }
  const gateways = (parsed as { gateways?: unknown } | null)?.gateways;
  if (typeof gateways !== 'object' || gateways === null || Array.isArray(gateways)) {
    problems.push(`SMS_GATEWAYS_FILE ${path} must hold { "gateways": { "<name>": { ... } } }`);
    return {};
  }
  const out: Record<string, SmsGatewayConfig> = {};
  for (const [name, raw] of Object.entries(gateways as Record<string, unknown>)) {
    const where = `SMS_GATEWAYS_FILE gateway "${name}"`;
    const before = problems.length;
    if (!NAME.test(name) || RESERVED.has(name)) {
      problems.push(`${where}: the name must be lower-case letters, digits and '-', and not ${[...RESERVED].join(', ')}`);
      continue;
    }
    const g = (raw ?? {}) as Record<string, unknown>;
    const sig = (g.signature ?? {}) as Record<string, unknown>;
    const fields = (g.fields ?? {}) as Record<string, unknown>;
    const str = (value: unknown, fallback: string | null = null): string | null =>
      typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;

    const secretEnv = str(g.secretEnv);
    const secret = secretEnv === null ? null : str(env[secretEnv]);
    if (secretEnv === null) problems.push(`${where}: "secretEnv" must name the environment variable holding the shared secret`);
    else if (secret === null) problems.push(`${where}: ${secretEnv} (its shared secret) is not set`);
    else if (secret.length < 16) problems.push(`${where}: ${secretEnv} must be at least 16 characters`);

    const header = str(sig.header, '')!.toLowerCase();
    if (!HEADER.test(header)) problems.push(`${where}: "signature.header" must be an HTTP header name`);
    const encoding = str(sig.encoding, 'hex');
    if (encoding !== 'hex' && encoding !== 'base64') problems.push(`${where}: "signature.encoding" must be hex or base64`);
    const timestampHeader = str(sig.timestampHeader)?.toLowerCase() ?? null;
    if (timestampHeader !== null && !HEADER.test(timestampHeader)) problems.push(`${where}: "signature.timestampHeader" must be an HTTP header name`);
    const tolerance = sig.toleranceSeconds ?? 300;
    if (typeof tolerance !== 'number' || !Number.isInteger(tolerance) || tolerance < 1 || tolerance > 3600) {
      problems.push(`${where}: "signature.toleranceSeconds" must be a whole number from 1 to 3600`);
    }

    const path = (key: string, required: boolean): string | null => {
      const value = str(fields[key]);
      if (value === null) {
        if (required) problems.push(`${where}: "fields.${key}" is required`);
        return null;
      }
      if (!PATH.test(value)) problems.push(`${where}: "fields.${key}" must be a field name or a dotted path`);
      return value;
    };
    const messageId = path('messageId', true);
    const from = path('from', true);
    const text = path('text', true);
    const receivedAt = path('receivedAt', false);

    let media: SmsGatewayConfig['media'];
    if (g.media !== undefined) {
      const m = (g.media ?? {}) as Record<string, unknown>;
      const mediaPath = str(m.path);
      if (mediaPath === null || !PATH.test(mediaPath)) problems.push(`${where}: "media.path" must be a field name or a dotted path`);
      const key = (name: string): string | null => {
        const value = str(m[name]);
        if (value !== null && !PATH.test(value)) problems.push(`${where}: "media.${name}" must be a field name or a dotted path`);
        return value;
      };
      const urlKey = key('urlKey');
      const typeKey = key('typeKey');
      const hosts = Array.isArray(m.hosts) ? m.hosts.filter((h): h is string => typeof h === 'string' && /^[a-z0-9.-]+$/i.test(h.trim())).map((h) => h.trim().toLowerCase()) : [];
      if (hosts.length === 0 || !Array.isArray(m.hosts) || hosts.length !== m.hosts.length) {
        problems.push(`${where}: "media.hosts" must list the host names the gateway's file URLs are on`);
      }
      media = { path: mediaPath ?? '', urlKey, typeKey, hosts };
    }

    if (problems.length > before) continue;
    out[name] = {
      name,
      secret: secret!,
      signature: {
        header,
        encoding: encoding as 'hex' | 'base64',
        prefix: str(sig.prefix, '')!,
        timestampHeader,
        toleranceSeconds: tolerance as number,
      },
      fields: { messageId: messageId!, from: from!, text: text!, receivedAt },
      ...(media ? { media } : {}),
    };
  }
  return out;
}
