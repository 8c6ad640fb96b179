import type { Queue } from 'bullmq';
import type { Queues } from '../queues/queues.js';

export interface QueueHealth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  oldestWaitingAgeSeconds: number;
}

/** Every queue the app knows: routing, one outbound queue per channel, residents' photos, then the scheduled ones. */
export function allQueues(queues: Queues): Queue[] {
  // Notices have their own queue (src/notices): operators see it beside the others.
  return [...messageQueues(queues), queues.attachments, queues.notices, ...queues.scheduled];
}

/** The queues residents' messages and answers pass through (the scheduled ones always hold their next run). */
export function messageQueues(queues: Queues): Queue[] {
  return [queues.routing, ...Object.values(queues.outbound)];
}

/** Job counts and the age of the job that has waited longest; used by /ops/queues and /metrics. */
export async function queueHealth(queue: Queue): Promise<QueueHealth> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  // asc = true: the job that has waited longest comes first.
  const [first] = await queue.getJobs(['wait'], 0, 0, true);
  return {
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
    oldestWaitingAgeSeconds: first ? Math.max(0, Math.round((Date.now() - first.timestamp) / 1000)) : 0,
  };
}
