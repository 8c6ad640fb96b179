import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { InboundRow } from './inbox-repository.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** See PUT_SCRIPT. */
    sotongIntakeBufferPut(hashKey: string, orderKey: string, seqKey: string, field: string, sealed: string): Result<number, Context>;
  }
}

/**
 * One message in, atomically: its sealed copy in the hash and its place in the order, taken
 * from a counter so that messages arriving in the same millisecond keep their order. A
 * message already held (the provider re-sent it) keeps its first copy and its first place.
 */
const PUT_SCRIPT = `
if redis.call('hsetnx', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('zadd', KEYS[2], redis.call('incr', KEYS[3]), ARGV[1])
  return 1
end
return 0`;

/**
 * Messages kept by a version that had no order index come before every indexed one (they
 * are older), among themselves by the time they were received. 1e13 ms is the year 2286.
 */
const UNINDEXED_BASE = -1e13;

export interface BufferedEntry {
  /** What removes the entry once Postgres has the message. */
  field: string;
  /** Null when it cannot be read (written under another secret). */
  row: InboundRow | null;
}

/**
 * Where a webhook keeps a resident's message while Postgres is away, so the provider still
 * gets its 200 and nothing is lost. It is the one place a message's content is in Redis:
 * encrypted (AES-256-GCM, key from INTAKE_BUFFER_SECRET), kept only until Postgres has it,
 * and durable as far as Redis is (production runs Redis with AOF, see docker-compose.yml).
 *
 * Three keys: a hash of sealed messages keyed by provider and provider id (putting the same
 * message twice keeps one), a sorted set of those same keys by arrival, and the counter
 * that numbers arrivals. The sorted set is what lets a drain read every message, oldest
 * first, page after page, however many there are; it holds no more than the hash's keys.
 */
export class IntakeBuffer {
  private readonly key: Buffer;
  private readonly orderKey: string;
  private readonly seqKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly hashKey: string,
    secret: string,
  ) {
    this.key = createHash('sha256').update(`sotong intake buffer\n${secret}`).digest();
    this.orderKey = `${hashKey}:order`;
    this.seqKey = `${hashKey}:seq`;
    redis.defineCommand('sotongIntakeBufferPut', { numberOfKeys: 3, lua: PUT_SCRIPT });
  }

  static keyFor(prefix: string): string {
    return `${prefix}:intake-buffer`;
  }

  async put(row: InboundRow): Promise<void> {
    await this.redis.sotongIntakeBufferPut(this.hashKey, this.orderKey, this.seqKey, fieldOf(row), this.seal(row));
  }

  /** Messages held, readable or not. */
  async size(): Promise<number> {
    return this.redis.hlen(this.hashKey);
  }

  /**
   * Up to `count` buffered messages in order of arrival, starting after the first `skip`
   * (a drain skips those it could not read and leaves for an operator).
   */
  async peek(count: number, skip = 0): Promise<BufferedEntry[]> {
    for (;;) {
      const fields = await this.redis.zrange(this.orderKey, skip, skip + count - 1);
      if (fields.length === 0) return [];
      const sealed = await this.redis.hmget(this.hashKey, ...fields);
      const entries: BufferedEntry[] = [];
      const stale: string[] = [];
      fields.forEach((field, i) => {
        const value = sealed[i];
        if (value === null || value === undefined) stale.push(field);
        else entries.push({ field, row: this.open(value) });
      });
      // A place with no message (removed by hand): forgotten, and the page read again.
      if (stale.length > 0) await this.redis.zrem(this.orderKey, ...stale);
      if (entries.length > 0 || stale.length === 0) return entries;
    }
  }

  async remove(fields: string[]): Promise<void> {
    if (fields.length === 0) return;
    await this.redis.multi().zrem(this.orderKey, ...fields).hdel(this.hashKey, ...fields).exec();
  }

  /**
   * Gives a place in the order to messages that have none: those kept by a version of
   * sotong that buffered without the order index (its drain stopped after a few thousand).
   * Cheap when there are none: two counts.
   */
  async indexUnordered(): Promise<number> {
    const [held, placed] = await Promise.all([this.redis.hlen(this.hashKey), this.redis.zcard(this.orderKey)]);
    if (held <= placed) return 0;
    let added = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.hashKey, cursor, 'COUNT', 500);
      cursor = next;
      const scored: (string | number)[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const row = this.open(flat[i + 1]!);
        scored.push(UNINDEXED_BASE + (row?.receivedAt.getTime() ?? 0), flat[i]!);
      }
      // NX: a message that has its place keeps it.
      if (scored.length > 0) added += await this.redis.zadd(this.orderKey, 'NX', ...scored);
    } while (cursor !== '0');
    return added;
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
