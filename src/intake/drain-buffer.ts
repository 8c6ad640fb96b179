import type { Db } from '../db/database.js';
import { enqueueFilingMany, type Queues } from '../queues/queues.js';
import { insertInboundMany } from './inbox-repository.js';
import type { IntakeBuffer } from './intake-buffer.js';
import { errorLog, processWarnings, type WarnLogger } from '../logger.js';
import { readConsentKeyword } from '../notices/consent-keywords.js';
import { recordConsentMessage } from '../notices/consent-repository.js';
import { enqueueConsentReply } from '../notices/notice-queue.js';

/**
 * Moves messages a webhook kept in Redis while Postgres was away into the inbox, in order of
 * arrival, a page at a time (one insert, one queue round trip and one removal per page), then
 * queues them like any other. It reads the buffer to its end, however long: a notice burst
 * during an outage leaves tens of thousands. A message leaves the buffer only once Postgres
 * has it; if the process dies in between, the next drain inserts it again and the inbox's
 * unique provider id keeps one copy. A message it cannot decrypt stays, skipped, for an
 * operator. Stops at the first failure: Postgres is still away.
 */
export async function drainIntakeBuffer(
  db: Db,
  queues: Queues,
  buffer: IntakeBuffer,
  /** The thread window the webhooks use, so the message is numbered as they would have (insertInbound). */
  threadWindowMinutes: number,
  batch = 500,
  /** Where a page's lost queue add is reported (rate-limited); without one, stderr. */
  log: WarnLogger = processWarnings,
  /** Days a withdrawn notice consent is kept: a buffered opt-out goes to the ledger, never to a case. */
  consentRetentionDays = 365,
): Promise<{ filed: number; unreadable: number }> {
  const queueError = errorLog(log, 'intake drain queue add');
  await buffer.indexUnordered();
  let filed = 0;
  let unreadable = 0;
  for (;;) {
    const entries = await buffer.peek(batch, unreadable);
    if (entries.length === 0) return { filed, unreadable };
    const readable = entries.filter((e) => e.row !== null);
    unreadable += entries.length - readable.length;
    if (readable.length === 0) continue;
    const petitions = [];
    for (const entry of readable) {
      const row = entry.row!;
      const keyword = row.channel === 'sms' || row.channel === 'kakao' ? readConsentKeyword(row.text) : null;
      if (keyword === null) {
        petitions.push(row);
        continue;
      }
      const replyPending = row.acknowledgementStatus === 'pending';
      const outcome = await recordConsentMessage(db, { ...row, channel: row.channel as 'sms' | 'kakao', replyPending }, keyword, consentRetentionDays);
      if (replyPending && !outcome.duplicate) await enqueueConsentReply(queues, outcome.eventId).catch(queueError);
    }
    const inboundIds = await insertInboundMany(db, petitions, threadWindowMinutes);
    // A lost add is found by the sweeper in the inbox: reported, not fatal.
    await enqueueFilingMany(queues, inboundIds).catch(queueError);
    await buffer.remove(readable.map((e) => e.field));
    filed += readable.length;
  }
}
