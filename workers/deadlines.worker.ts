import { Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import type { DeadlineConfig } from '../src/config/config.js';
import { enqueueSend, type Queues } from '../src/queues/queues.js';
import { DEADLINES_QUEUE, deadlineJobs, scheduleDeadlineJobs, type DeadlineJob } from '../src/deadlines/deadline-queue.js';
import { casesDueForNotice, sendInterimNotice } from '../src/deadlines/deadline-actions.js';
import { buildDailyDigests } from '../src/deadlines/digest.js';
import { giveMissingDeadlines } from '../src/deadlines/deadlines.js';
import { seoulDate } from '../src/domain/seoul-time.js';
import { timeJob, type WorkerMetrics } from '../src/metrics/worker-metrics.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { errorLog } from '../src/logger.js';

/** Cases handed out per scan; the next scan takes the rest. */
const SCAN_BATCH = 500;

/** Interim notices (중간통보) and the daily digest per department, on BullMQ job schedulers. */
export async function startDeadlineWorker(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  queues: Queues;
  deadlineQueue: Queue<DeadlineJob>;
  metrics: WorkerMetrics;
  config: DeadlineConfig;
}) {
  const { db, log, deadlineQueue } = deps;
  const noticeQueueError = errorLog(log, 'interim notice queue add');
  await scheduleDeadlineJobs(deadlineQueue, deps.config);

  async function scan() {
    const backfilled = await giveMissingDeadlines(db, deps.config, SCAN_BATCH);
    if (backfilled > 0) log.info({ cases: backfilled }, 'deadlines given to open cases that had none');
    const ids = await casesDueForNotice(db, new Date(), SCAN_BATCH);
    await deadlineQueue.addBulk(
      ids.map((caseId) => ({ name: 'interim-notice', data: { caseId }, opts: { jobId: deadlineJobs.interimNotice(caseId) } })),
    );
    if (ids.length > 0) log.info({ cases: ids.length }, 'interim notices due');
    return { backfilled, cases: ids.length };
  }

  async function notice(caseId: number) {
    const { outcome, send } = await sendInterimNotice(db, caseId);
    // Stored first: if Redis is away now, the sweeper sends it later (and the log says so).
    if (send) await enqueueSend(deps.queues, send.channel, send.messageId).catch(noticeQueueError);
    log.info({ caseId, outcome }, 'interim notice');
    return { outcome };
  }

  async function digest() {
    const day = seoulDate(new Date());
    const rows = await buildDailyDigests(db, day);
    // Counts only: the digest holds no personal data, and neither does the log.
    log.info(
      {
        day,
        departments: rows.length,
        open: rows.reduce((n, r) => n + r.open, 0),
        overdue: rows.reduce((n, r) => n + r.overdue, 0),
      },
      'daily digest stored',
    );
    return { day, departments: rows.length };
  }

  const worker = new Worker<DeadlineJob>(
    DEADLINES_QUEUE,
    (job: Job<DeadlineJob>) =>
      timeJob<unknown>(deps.metrics, DEADLINES_QUEUE, () => {
        if (job.name === 'scan-notices') return scan();
        if (job.name === 'daily-digest') return digest();
        if (job.name === 'interim-notice' && 'caseId' in job.data) return notice(job.data.caseId);
        throw new Error(`unknown deadline job ${job.name}`);
      }),
    { connection: deps.connection, prefix: deps.prefix, concurrency: 2 },
  );
  worker.on('error', errorLog(log, `worker ${DEADLINES_QUEUE}`));
  worker.on('failed', (job, error) => log.warn({ jobId: job?.id, name: job?.name, err: error.message }, 'deadline job failed'));
  return { worker, close: () => closeBullmq(worker) };
}
