import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

// Job data carries ids only: phone numbers and message text stay in Postgres, never in Redis.
export interface RouteMessageJob {
  messageId: number;
}
export interface SendMessageJob {
  messageId: number;
}

export const QUEUE_NAMES = { routing: 'routing', outbound: 'outbound' } as const;

/** Deterministic job ids: adding the same work twice (webhook, sweeper, retry) makes one job. */
export const jobIds = {
  route: (messageId: number) => `route-${messageId}`,
  send: (messageId: number) => `send-${messageId}`,
};

export interface Queues {
  routing: Queue<RouteMessageJob>;
  outbound: Queue<SendMessageJob>;
  close(): Promise<void>;
}

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  outbound: { attempts: number; backoffMs: number };
}

/**
 * A connection for producers: with no offline queue, an add fails at once while Redis
 * is down instead of hanging the webhook; the message is already in Postgres and the
 * sweeper enqueues it later.
 */
export function createProducerConnection(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // reported through /readyz, not as a crash
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

export function createQueues(settings: QueueSettings, connection: ConnectionOptions): Queues {
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
  const routing = new Queue<RouteMessageJob>(QUEUE_NAMES.routing, {
    connection,
    prefix: settings.prefix,
    defaultJobOptions: routingDefaults,
  });
  const outbound = new Queue<SendMessageJob>(QUEUE_NAMES.outbound, {
    connection,
    prefix: settings.prefix,
    defaultJobOptions: outboundDefaults,
  });
  routing.on('error', () => undefined);
  outbound.on('error', () => undefined);
  return {
    routing,
    outbound,
    async close() {
      await Promise.allSettled([routing.close(), outbound.close()]);
    },
  };
}

export async function enqueueRouting(queues: Queues, messageId: number): Promise<void> {
  await queues.routing.add('route', { messageId }, { jobId: jobIds.route(messageId) });
}

export async function enqueueSend(queues: Queues, messageId: number): Promise<void> {
  await queues.outbound.add('send', { messageId }, { jobId: jobIds.send(messageId) });
}
