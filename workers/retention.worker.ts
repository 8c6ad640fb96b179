import { QUEUE_NAMES } from '../src/queues/queues.js';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import { purgeClosedCases, retentionCutoff } from '../src/cases/retention.js';
import { purgeAttachmentFiles } from '../src/attachments/purge-files.js';
import type { AttachmentStore } from '../src/attachments/storage.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { SEOUL_TIME_ZONE } from '../src/domain/seoul-time.js';
import { errorLog } from '../src/logger.js';
import { purgeEndedConsents } from '../src/notices/consent-repository.js';

export const RETENTION_QUEUE = QUEUE_NAMES.retention;
/** One scheduler for every worker process: BullMQ keeps one per id, so many workers schedule it once. */
export const RETENTION_SCHEDULER_ID = 'retention-purge';
/** Every night at 03:30 Seoul time, when nobody is answering cases. */
export const RETENTION_PATTERN = '0 30 3 * * *';

/**
 * The retention job: a BullMQ job scheduler (deterministic id) runs the purge of cases closed
 * more than `years` ago. The job carries no data; what to purge is read from Postgres.
 */
export async function startRetentionWorker(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  years: number;
  /** Where residents' photos are kept: a purged case's files are deleted there. */
  store?: AttachmentStore;
  /** Withdrawn notice consents are removed this many days after withdrawal (src/notices). */
  consentRetentionDays?: number;
}) {
  const { db, log } = deps;
  const queue = new Queue(RETENTION_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  queue.on('error', errorLog(log, `queue ${RETENTION_QUEUE}`));
  await queue.upsertJobScheduler(
    RETENTION_SCHEDULER_ID,
    { pattern: RETENTION_PATTERN, tz: SEOUL_TIME_ZONE },
    { name: 'purge', data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 30 }, removeOnFail: { count: 30 } } },
  );
  const worker = new Worker(
    RETENTION_QUEUE,
    async () => {
      const cutoff = retentionCutoff(deps.years);
      const purged = await purgeClosedCases(db, cutoff);
      const files = deps.store ? await purgeAttachmentFiles(db, deps.store) : 0;
      log.info({ ...purged, files, cutoff: cutoff.toISOString() }, 'retention purge done');
      if (deps.consentRetentionDays !== undefined) {
        const consents = await purgeEndedConsents(db, new Date(), deps.consentRetentionDays);
        log.info(consents, 'withdrawn notice consents purged');
      }
      return { ...purged, files };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('error', errorLog(log, `worker ${RETENTION_QUEUE}`));
  return {
    queue,
    worker,
    async close() {
      await closeBullmq(worker);
      await closeBullmq(queue);
    },
  };
}
