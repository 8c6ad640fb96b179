import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { CHANNELS, type Channel } from '../domain/channel.js';
import { closeBullmq } from './close-bullmq.js';
import { errorLog, type WarnLogger } from '../logger.js';

// Job data carries ids only: phone numbers and message text stay in Postgres, never in Redis.
export interface RouteMessageJob {
  messageId: number;
}
/** A message a webhook left in the inbox: file it into its case, then route it. */
export interface FileInboundJob {
  inboundId: number;
}
export type RoutingJob = RouteMessageJob | FileInboundJob;
export interface SendMessageJob {
  messageId: number;
}
/** A chat push was accepted; ask later whom it reached. The task id is the provider's, not personal. */
export interface ConfirmPushJob {
  taskId: string;
}
export type OutboundJob = SendMessageJob | ConfirmPushJob;
/** Fetch, check and keep one photo a resident sent (docs/photos.md). */
export interface AttachmentJob {
  attachmentId: number;
}

/** One outbound queue per channel: each provider has its own rate, and one provider's 429 slows only its own. */
export const QUEUE_NAMES = {
  routing: 'routing',
  outbound: (channel: Channel) => `outbound-${channel}`,
  /** Scheduled work: interim notices and the daily digest (src/deadlines), the retention purge. */
  deadlines: 'deadlines',
  retention: 'retention',
  attachments: 'attachments',
  /** Notices to subscribed residents and replies to their consent messages (src/notices): never delays answers. */
  notices: 'notices',
} as const;

/**
 * Deterministic job ids: adding the same work twice (webhook, sweeper, retry) makes one job.
 * A message's stages are received → filed → routed → answered (src/domain/message-stages.ts):
 * `file` files a received message into its case (and routes a new case), `route` routes a
 * message already filed, `send` sends an answer. (Filing jobs were named `intake-…` before
 * 2026-12-04; one still waiting from then is run as a filing job all the same, and filing it
 * twice stores it once.)
 */
export const jobIds = {
  file: (inboundId: number) => `file-${inboundId}`,
  route: (messageId: number) => `route-${messageId}`,
  send: (messageId: number) => `send-${messageId}`,
  confirmPush: (taskId: string) => `confirm-${taskId}`,
  attachment: (attachmentId: number) => `attachment-${attachmentId}`,
};

/** One batch of one notice's recipients, or the reply to one consent message (ids only). */
export type NoticeJob = { noticeId: number; batchNo: number } | { eventId: number };

export interface Queues {
  routing: Queue<RoutingJob>;
  notices: Queue<NoticeJob>;
  outbound: Record<Channel, Queue<OutboundJob>>;
  attachments: Queue<AttachmentJob>;
  /** The scheduled queues, as operators see them (their workers add their own jobs). */
  scheduled: Queue[];
  close(): Promise<void>;
}

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  outbound: { attempts: number; backoffMs: number };
  /** Downloads of residents' photos: tries and the first pause (doubling) between them. */
  attachments?: { attempts: number; backoffMs: number };
}

/**
 * A connection for producers: with no offline queue, an add fails at once while Redis
 * is down instead of hanging the webhook; the message is already in Postgres and the
 * sweeper enqueues it later.
 */
export function createProducerConnection(redisUrl: string, log: WarnLogger): Redis {
  // No ready check: with no offline queue, its INFO would reject unhandled if the connection
  // closes while still being made (a process stopping early).
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableReadyCheck: false });
  // Not a crash: /readyz reports Redis down, and the log says why, once a minute at most.
  redis.on('error', errorLog(log, 'redis producer connection'));
  return redis;
}

/** Workers block on Redis; BullMQ requires maxRetriesPerRequest null for them. */
export function workerConnectionOptions(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export function createQueues(settings: QueueSettings, connection: ConnectionOptions, log: WarnLogger): Queues {
  const routingDefaults: JobsOptions = {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
  const outboundDefaults: JobsOptions = {
    attempts: settings.outbound.attempts,
    backoff: { type: 'exponential', delay: settings.outbound.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
  const routing = new Queue<RoutingJob>(QUEUE_NAMES.routing, {
    connection,
    prefix: settings.prefix,
    defaultJobOptions: routingDefaults,
  });
  const outbound = Object.fromEntries(
    CHANNELS.map((channel) => {
      const queue = new Queue<OutboundJob>(QUEUE_NAMES.outbound(channel), {
        connection,
        prefix: settings.prefix,
        defaultJobOptions: outboundDefaults,
      });
      queue.on('error', errorLog(log, `queue ${QUEUE_NAMES.outbound(channel)}`));
      return [channel, queue];
    }),
  ) as Record<Channel, Queue<OutboundJob>>;
  routing.on('error', errorLog(log, `queue ${QUEUE_NAMES.routing}`));
  const attachments = new Queue<AttachmentJob>(QUEUE_NAMES.attachments, {
    connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      attempts: settings.attachments?.attempts ?? 5,
      backoff: { type: 'exponential', delay: settings.attachments?.backoffMs ?? 5000, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  attachments.on('error', errorLog(log, `queue ${QUEUE_NAMES.attachments}`));
  const notices = new Queue<NoticeJob>(QUEUE_NAMES.notices, {
    connection,
    prefix: settings.prefix,
    defaultJobOptions: { ...outboundDefaults, removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 } },
  });
  notices.on('error', errorLog(log, `queue ${QUEUE_NAMES.notices}`));
  const scheduled = [QUEUE_NAMES.deadlines, QUEUE_NAMES.retention].map((name) => {
    const queue = new Queue(name, { connection, prefix: settings.prefix });
    queue.on('error', errorLog(log, `queue ${name}`));
    return queue;
  });
  return {
    routing,
    notices,
    outbound,
    attachments,
    scheduled,
    async close() {
      const all: Queue[] = [routing, notices, ...Object.values(outbound), attachments, ...scheduled];
      await Promise.allSettled(all.map((q) => closeBullmq(q)));
    },
  };
}

export async function enqueueFiling(queues: Queues, inboundId: number): Promise<void> {
  await queues.routing.add('file', { inboundId }, { jobId: jobIds.file(inboundId) });
}

/** Many filing jobs in one round trip (a drained buffer); an id already queued stays one job. */
export async function enqueueFilingMany(queues: Queues, inboundIds: number[]): Promise<void> {
  if (inboundIds.length === 0) return;
  await queues.routing.addBulk(inboundIds.map((inboundId) => ({ name: 'file', data: { inboundId }, opts: { jobId: jobIds.file(inboundId) } })));
}

export async function enqueueRouting(queues: Queues, messageId: number): Promise<void> {
  await queues.routing.add('route', { messageId }, { jobId: jobIds.route(messageId) });
}

export async function enqueueSend(queues: Queues, channel: Channel, messageId: number): Promise<void> {
  await queues.outbound[channel].add('send', { messageId }, { jobId: jobIds.send(messageId) });
}

/** Kakao reports per resident a few seconds after accepting a push. */
export async function enqueueConfirmPush(queues: Queues, channel: Channel, taskId: string): Promise<void> {
  await queues.outbound[channel].add(
    'confirm-push',
    { taskId },
    { jobId: jobIds.confirmPush(taskId), delay: 5_000, attempts: 8, backoff: { type: 'exponential', delay: 5_000, jitter: 0.3 } },
  );
}

/** One job per attachment (its id only); adding it again while it waits or runs makes one job. */
export async function enqueueAttachments(queues: Queues, attachmentIds: number[]): Promise<void> {
  if (attachmentIds.length === 0) return;
  await queues.attachments.addBulk(
    attachmentIds.map((attachmentId) => ({ name: 'store', data: { attachmentId }, opts: { jobId: jobIds.attachment(attachmentId) } })),
  );
}
