import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { InboundRow } from './inbox-repository.js';

/**
 * Where a webhook keeps a resident's message while Postgres is away, so the provider still
 * gets its 200 and nothing is lost. It is the one place a message's content is in Redis:
 * encrypted (AES-256-GCM, key from INTAKE_BUFFER_SECRET), kept only until Postgres has it,
 * and durable as far as Redis is (production runs Redis with AOF, see docker-compose.yml).
 * A hash keyed by the message's provider id: putting the same message twice keeps one.
 */
export class IntakeBuffer {
  private readonly key: Buffer;

  constructor(
    private readonly redis: Redis,
    private readonly hashKey: string,
    secret: string,
  ) {
    this.key = createHash('sha256').update(`sotong intake buffer\n${secret}`).digest();
  }

  static keyFor(prefix: string): string {
    return `${prefix}:intake-buffer`;
  }

  async put(row: InboundRow): Promise<void> {
    await this.redis.hset(this.hashKey, fieldOf(row), this.seal(row));
  }

  async size(): Promise<number> {
    return this.redis.hlen(this.hashKey);
  }

  /** Up to `count` buffered messages, oldest first, with the field that removes each. */
  async peek(count: number): Promise<{ field: string; row: InboundRow | null }[]> {
    const [, flat] = await this.redis.hscan(this.hashKey, '0', 'COUNT', count);
    const entries: { field: string; row: InboundRow | null }[] = [];
    for (let i = 0; i + 1 < flat.length && entries.length < count; i += 2) {
      entries.push({ field: flat[i]!, row: this.open(flat[i + 1]!) });
    }
    return entries.sort((a, b) => (a.row?.receivedAt.getTime() ?? 0) - (b.row?.receivedAt.getTime() ?? 0));
  }

  async remove(field: string): Promise<void> {
    await this.redis.hdel(this.hashKey, field);
  }

  private seal(row: InboundRow): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(row), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Null when it cannot be read (written under another secret): left in place for an operator. */
  private open(sealed: string): InboundRow | null {
    try {
      const data = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      const json = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
      const row = JSON.parse(json) as InboundRow & { receivedAt: string };
      return { ...row, receivedAt: new Date(row.receivedAt) };
    } catch {
      return null;
    }
  }
}

function fieldOf(row: InboundRow): string {
  return `${row.provider}:${row.providerMessageId}`;
}
