import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Channel } from '../domain/channel.js';
import type { InboundSender } from './inbound-message.table.js';

/** Told once when a sender goes over the limit; fits one SMS (77 EUC-KR bytes). */
export const FLOOD_NOTICE = '[구청장 소통폰] 보내주신 내용은 모두 한 민원으로 모아 담당 부서에 전달합니다.';

export interface FloodLimit {
  /** Messages one sender may send within the window before the rest count as a flood. */
  messages: number;
  windowMs: number;
}

/** Where a message stands among its sender's recent ones. */
export type FloodStanding = 'normal' | 'first-over' | 'over';

/*
 * A flood from one sender is never refused or dropped: every message is stored, the rest
 * of a flood joins the sender's open case, and the sender hears one polite notice instead
 * of an acknowledgement each time (on SMS each one is paid for).
 *
 * The count is kept in Postgres (sender_flood_counts) and taken by the statement that
 * stores the message (insertCountedInbound), so it costs no round trip of its own and is
 * exact across API processes. Its window opens at the sender's first message.
 */

/** The sender as the count knows them; null when the message names nobody. */
export function floodSenderKey(sender: InboundSender): string | null {
  if ('phone' in sender) return `phone:${sender.phone}`;
  if ('kakao' in sender) return `kakao:${sender.kakao.userKey}`;
  return null;
}

/** A chat answer costs nothing: a chat hears the notice on every message past the limit, a phone once. */
export function hearsNoticeEveryTime(channel: Channel): boolean {
  return channel === 'kakao';
}

/**
 * Forgets the senders whose flood window and thread have both passed (the sweeper calls it):
 * no phone number is kept longer than needed. The row also holds the case number their
 * follow-ups are told (reserve_case_number), so it stays while a follow-up could still
 * join that case; a row forgotten anyway (a flood's week-long thread) is found again from the cases.
 */
export async function forgetQuietSenders(db: Db, windowMs: number, threadWindowMinutes: number): Promise<number> {
  const result = await db
    .deleteFrom('sender_flood_counts')
    .where('window_started_at', '<=', sql<Date>`now() - ${windowMs} * interval '1 millisecond'`)
    .where((eb) =>
      eb.or([
        eb('case_last_message_at', 'is', null),
        eb('case_last_message_at', '<', sql<Date>`now() - ${threadWindowMinutes} * interval '1 minute'`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
