import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** What /metrics reads from Postgres: each a small table or a partial index, never all messages. */
export interface StoreCounts {
  messages: { direction: string; channel: string; deliveryStatus: string; n: number }[];
  undeliveredAnswers: { channel: string; n: number }[];
  openCases: number;
  unfiledInbox: number;
  /** Residents' photos: bytes kept in the store (copies and thumbnails), and photos not fetched yet. */
  attachments: { storedBytes: number; pending: number };
}

/**
 * Folds message_counts' deltas (written by the messages triggers, see the message_counts
 * migration) into one row per label. One statement: rows another fold is deleting at the same
 * moment are skipped, so nothing is counted twice. Its cost follows the changes since the last
 * fold, not the number of messages. The workers' sweeper runs it every minute; a scrape only
 * reads (a sum over folded rows and fresh deltas is the same), so it never writes or commits.
 */
export async function foldMessageCounts(db: Db): Promise<void> {
  await sql`
    with folded as (delete from message_counts returning direction, kind, channel, delivery_status, n)
    insert into message_counts (direction, kind, channel, delivery_status, n)
    select direction, kind, channel, delivery_status, sum(n) from folded
    group by direction, kind, channel, delivery_status
    having sum(n) <> 0
  `.execute(db);
}

export async function readStoreCounts(db: Db): Promise<StoreCounts> {
  const [messages, undelivered, open, unfiled, attachmentBytes, pendingAttachments] = await Promise.all([
    sql<{ direction: string; channel: string; delivery_status: string; n: number }>`
      select direction, channel, delivery_status, sum(n)::bigint as n from message_counts
      group by direction, channel, delivery_status having sum(n) <> 0
    `.execute(db),
    // Interim replies and answers not delivered (yet, or ever).
    sql<{ channel: string; n: number }>`
      select channel, sum(n)::bigint as n from message_counts
      where direction = 'out' and kind in ('interim', 'answer') and delivery_status <> 'delivered'
      group by channel having sum(n) <> 0
    `.execute(db),
    // Open cases only, through the partial index on them (cases_open_due_idx).
    db.selectFrom('cases').select(sql<number>`count(*)::bigint`.as('n')).where('status', '<>', 'closed').executeTakeFirstOrThrow(),
    // The inbox's partial index on unfiled rows (inbound_messages_pending_idx).
    db.selectFrom('inbound_messages').select(sql<number>`count(*)::bigint`.as('n')).where('message_id', 'is', null).executeTakeFirstOrThrow(),
    // Kept photos only, from their partial index (message_attachments_kept_bytes_idx).
    db
      .selectFrom('message_attachments')
      .select(sql<number>`coalesce(sum(coalesce(bytes, 0) + coalesce(thumbnail_bytes, 0)), 0)::bigint`.as('n'))
      .where('storage_key', 'is not', null)
      .executeTakeFirstOrThrow(),
    db.selectFrom('message_attachments').select(sql<number>`count(*)::bigint`.as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow(),
  ]);
  return {
    messages: messages.rows.map((r) => ({ direction: r.direction, channel: r.channel, deliveryStatus: r.delivery_status, n: Number(r.n) })),
    undeliveredAnswers: undelivered.rows.map((r) => ({ channel: r.channel, n: Number(r.n) })),
    openCases: Number(open.n),
    unfiledInbox: Number(unfiled.n),
    attachments: { storedBytes: Number(attachmentBytes.n), pending: Number(pendingAttachments.n) },
  };
}
