import type { Db } from '../db/database.js';
import { enqueueIntake, type Queues } from '../queues/queues.js';
import { insertInbound } from './inbox-repository.js';
import type { IntakeBuffer } from './intake-buffer.js';

/**
 * Moves messages a webhook kept in Redis while Postgres was away into the inbox, oldest
 * first, then queues them like any other. A message leaves the buffer only once Postgres
 * has it; if the process dies in between, the next drain inserts it again and the inbox's
 * unique provider id keeps one copy. Stops at the first failure: Postgres is still away.
 */
export async function drainIntakeBuffer(
  db: Db,
  queues: Queues,
  buffer: IntakeBuffer,
  /** The thread window the webhooks use, so the message is numbered as they would have (insertInbound). */
  threadWindowMinutes: number,
  batch = 200,
): Promise<{ filed: number; unreadable: number }> {
  let filed = 0;
  let unreadable = 0;
  for (;;) {
    const entries = await buffer.peek(batch);
    const readable = entries.filter((e) => e.row !== null);
    unreadable = entries.length - readable.length;
    if (readable.length === 0) return { filed, unreadable };
    for (const { field, row } of readable) {
      const inboundId = await insertInbound(db, row!, threadWindowMinutes);
      // A lost add is found by the sweeper in the inbox.
      if (inboundId !== null) await enqueueIntake(queues, inboundId).catch(() => undefined);
      await buffer.remove(field);
      filed++;
    }
  }
}
