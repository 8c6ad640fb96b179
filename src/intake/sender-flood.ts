import { createHmac } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Redis } from 'ioredis';
import type { InboundSender } from './inbound-message.table.js';

/** Told once when a sender goes over the limit; fits one SMS (77 EUC-KR bytes). */
export const FLOOD_NOTICE = '[구청장 소통폰] 보내주신 내용은 모두 한 민원으로 모아 담당 부서에 전달합니다.';

export interface FloodLimit {
  /** Messages one sender may send within the window before the rest count as a flood. */
  messages: number;
  windowMs: number;
}

/** Where this message stands among its sender's recent ones. */
export type FloodStanding = 'normal' | 'first-over' | 'over';

/**
 * Counts the messages of every key it is given, in order (a key twice counts twice), and
 * starts each window at its first message: atomic, one round trip for the lot. (Not a
 * MULTI: ioredis builds a pipeline object carrying every BullMQ script defined on the
 * producers' connection, once the webhook's largest CPU cost.) A key somehow left without
 * expiry gets one, so no sender is counted forever.
 */
const COUNT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if redis.call('PTTL', key) == -1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return counts`;

type CountingRedis = Redis & { sotongSenderCounts(keyCount: number, ...keysThenWindow: (string | number)[]): Promise<number[]> };

/**
 * Counts each sender's messages in Redis (across every API process). A flood is never
 * refused or dropped: every message is stored, the rest of a flood joins the sender's open
 * case, and the sender hears one polite notice instead of an acknowledgement each time.
 * Redis keys name the sender by a keyed hash: no phone number or Kakao key is in Redis.
 * If Redis does not answer, every message counts as normal.
 *
 * The webhooks that arrive in one turn of the event loop are counted together, in one
 * command (DataLoader): after a district notice the replies come in bursts, and one Redis
 * command per message was a tenth of each webhook's CPU.
 */
export class SenderFlood {
  private readonly counter: DataLoader<string, number>;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly secret: string,
    private readonly limit: FloodLimit,
  ) {
    // EVALSHA, loading the script again by itself after a Redis restart (NOSCRIPT).
    if (!('sotongSenderCounts' in redis)) redis.defineCommand('sotongSenderCounts', { lua: COUNT_SCRIPT });
    const counting = redis as CountingRedis;
    this.counter = new DataLoader(
      async (keys) => {
        const counts = await counting.sotongSenderCounts(keys.length, ...keys, this.limit.windowMs);
        return counts.map(Number);
      },
      // No cache: every call is a new message. One batch per turn of the event loop, so the
      // webhooks whose requests were read in the same turn share it.
      { cache: false, batchScheduleFn: (callback) => setImmediate(callback), maxBatchSize: 500 },
    );
  }

  async standing(sender: InboundSender): Promise<FloodStanding> {
    const who = 'phone' in sender ? `phone:${sender.phone}` : 'kakao' in sender ? `kakao:${sender.kakao.userKey}` : null;
    if (who === null) return 'normal';
    const key = `${this.prefix}:sender-count:${createHmac('sha256', this.secret).update(who).digest('hex').slice(0, 40)}`;
    try {
      const count = await this.counter.load(key);
      if (count <= this.limit.messages) return 'normal';
      return count === this.limit.messages + 1 ? 'first-over' : 'over';
    } catch {
      return 'normal';
    }
  }
}
