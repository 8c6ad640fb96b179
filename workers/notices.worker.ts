import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../src/db/database.js';
import type { NoticeConfig } from '../src/config/config.js';
import type { SmsProvider } from '../src/outbound/channel.js';
import { PermanentSendError } from '../src/outbound/channel.js';
import { QUEUE_NAMES, type NoticeJob, type Queues } from '../src/queues/queues.js';
import { sendConsentReply, sendNoticeBatch } from '../src/notices/send-batch.js';
import { resumeNotices } from '../src/notices/notices.js';
import { closeBullmq } from '../src/queues/close-bullmq.js';
import { errorLog } from '../src/logger.js';
import { timeJob, type WorkerMetrics } from '../src/metrics/worker-metrics.js';

export interface NoticeWorkerDeps {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  queues: Queues;
  config: NoticeConfig;
  /** Carries the replies to consent messages a gateway delivered. */
  sms: SmsProvider;
  metrics?: WorkerMetrics;
  stallMs?: number;
}

/**
 * The `notices` queue's worker: its own queue and its own limiter, so a notice to 37,500
 * residents never delays an answer. A batch of `batchSize` recipients is one job, and the
 * limiter lets one job start every batchSize/ratePerSecond seconds: NOTICE_RATE_PER_SECOND
 * messages a second across every worker process. Jobs carry ids only.
 */
export async function startNoticeWorker(deps: NoticeWorkerDeps) {
  const { db, log, config } = deps;
  const run = async (job: Job<NoticeJob>, token?: string) => {
    if ('eventId' in job.data) {
      await sendConsentReply(db, deps.sms, job.data.eventId).catch((error: Error) => {
        if (error instanceof PermanentSendError) throw new UnrecoverableError(`consent reply refused: ${error.code}`);
        throw error;
      });
      return;
    }
    if (!config.gateway) throw new UnrecoverableError('notices are not configured (NOTICE_KAKAO_PF_ID, NOTICE_KAKAO_TEMPLATE_ID, SOLAPI_*)');
    const { noticeId, batchNo } = job.data;
    let outcome;
    try {
      outcome = await sendNoticeBatch(db, config.gateway, config, noticeId, batchNo);
    } catch (error) {
      if (error instanceof PermanentSendError) throw new UnrecoverableError(`notice batch refused: ${error.code}`);
      throw error;
    }
    if (outcome.kind === 'later') {
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    if (outcome.kind === 'done') log.info({ noticeId, batchNo, ...outcome }, 'notice batch sent');
    return outcome;
  };
  const worker = new Worker<NoticeJob>(
    QUEUE_NAMES.notices,
    (job, token) => (deps.metrics ? timeJob<unknown>(deps.metrics, QUEUE_NAMES.notices, () => run(job, token)) : run(job, token)),
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: 2,
      lockDuration: deps.stallMs ?? 30_000,
      stalledInterval: deps.stallMs ?? 30_000,
      limiter: { max: 1, duration: Math.max(1, Math.round((config.batchSize * 1000) / config.ratePerSecond)) },
    },
  );
  worker.on('error', errorLog(log, `worker ${QUEUE_NAMES.notices}`));
  worker.on('failed', (job, error) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'notice job failed'));
  // Batches whose jobs were lost (Redis emptied) are queued again; a job id already there stays one job.
  await resumeNotices(db, deps.queues).catch((error: Error) => log.warn({ err: error.message }, 'notices not resumed yet'));
  return { worker, close: () => closeBullmq(worker) };
}
