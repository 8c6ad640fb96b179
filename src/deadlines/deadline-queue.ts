import { Queue, type ConnectionOptions } from 'bullmq';
import type { DeadlineConfig } from '../config/config.js';
import { QUEUE_NAMES } from '../queues/queues.js';
import { SEOUL_TIME_ZONE } from '../domain/seoul-time.js';
import { errorLog, type WarnLogger } from '../logger.js';

export const DEADLINES_QUEUE = QUEUE_NAMES.deadlines;

/** Job data carries a case id at most: never a phone number or a text. */
export type DeadlineJob = { caseId: number } | Record<string, never>;

export const deadlineJobs = {
  /** The scheduler that looks for cases whose interim notice is due. */
  scanScheduler: 'interim-notice-scan',
  digestScheduler: 'daily-digest',
  /** One per case: a second add while the first is waiting is the same job. */
  interimNotice: (caseId: number) => `interim-${caseId}`,
} as const;

export function createDeadlineQueue(connection: ConnectionOptions, prefix: string, log: WarnLogger): Queue<DeadlineJob> {
  const queue = new Queue<DeadlineJob>(DEADLINES_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      // Postgres records what was sent; Redis keeps no history that would block a later add.
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600 },
    },
  });
  queue.on('error', errorLog(log, `queue ${DEADLINES_QUEUE}`));
  return queue;
}

/**
 * Registers the repeating jobs (idempotent: every worker process may call it). Interim
 * notices are looked for every INTERIM_NOTICE_SCAN_SECONDS; the digest runs daily at
 * DAILY_DIGEST_AT, Seoul time.
 */
export async function scheduleDeadlineJobs(queue: Queue<DeadlineJob>, config: DeadlineConfig): Promise<void> {
  if (config.interimNoticeWorkingHours > 0) {
    await queue.upsertJobScheduler(deadlineJobs.scanScheduler, { every: config.noticeScanMs }, { name: 'scan-notices', data: {} });
  } else {
    await queue.removeJobScheduler(deadlineJobs.scanScheduler);
  }
  const [hour, minute] = config.digestAt;
  await queue.upsertJobScheduler(
    deadlineJobs.digestScheduler,
    { pattern: `0 ${minute} ${hour} * * *`, tz: SEOUL_TIME_ZONE },
    { name: 'daily-digest', data: {} },
  );
}
