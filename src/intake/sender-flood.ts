import { createHmac } from 'node:crypto';
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
 * Counts each sender's messages in Redis (across every API process). A flood is never
 * refused or dropped: every message is stored, the rest of a flood joins the sender's open
 * case, and the sender hears one polite notice instead of an acknowledgement each time.
 * Redis keys name the sender by a keyed hash: no phone number or Kakao key is in Redis.
 * If Redis does not answer, every message counts as normal.
 */
/**
 * One round trip, atomic: counts the message and starts the window on the first one. (A
 * MULTI costs more here: ioredis builds a pipeline object carrying every BullMQ script
 * defined on the producers' connection, the webhook's largest CPU cost before this.)
 * A key somehow left without expiry gets one, so no sender is counted forever.
 */
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

type CountingRedis = Redis & { sotongSenderCount(key: string, windowMs: number): Promise<number> };

export class SenderFlood {
  private readonly redis: CountingRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly secret: string,
    private readonly limit: FloodLimit,
  ) {
    // EVALSHA, loading the script again by itself after a Redis restart (NOSCRIPT).
    if (!('sotongSenderCount' in redis)) redis.defineCommand('sotongSenderCount', { numberOfKeys: 1, lua: COUNT_SCRIPT });
    this.redis = redis as CountingRedis;
  }

  async standing(sender: InboundSender): Promise<FloodStanding> {
    const who = 'phone' in sender ? `phone:${sender.phone}` : 'kakao' in sender ? `kakao:${sender.kakao.userKey}` : null;
    if (who === null) return 'normal';
    const key = `${this.prefix}:sender-count:${createHmac('sha256', this.secret).update(who).digest('hex').slice(0, 40)}`;
    try {
      const count = Number(await this.redis.sotongSenderCount(key, this.limit.windowMs));
      if (count <= this.limit.messages) return 'normal';
      return count === this.limit.messages + 1 ? 'first-over' : 'over';
    } catch {
      return 'normal';
    }
  }
}
