import type { Queues } from '../queues/queues.js';

/** Deterministic job ids: queueing a batch or a reply twice makes one job. */
export const noticeJobIds = {
  batch: (noticeId: number, batchNo: number) => `notice-${noticeId}-batch-${batchNo}`,
  reply: (eventId: number) => `consent-reply-${eventId}`,
};

/** The SMS reply to a consent message a gateway delivered (its webhook answer cannot carry one). */
export async function enqueueConsentReply(queues: Queues, eventId: number): Promise<void> {
  await queues.notices.add('reply', { eventId }, { jobId: noticeJobIds.reply(eventId) });
}

/** Every batch of a notice, in one round trip; a batch already queued stays one job. */
export async function enqueueNoticeBatches(queues: Queues, noticeId: number, batches: number[], delayMs = 0): Promise<void> {
  for (let i = 0; i < batches.length; i += 1000) {
    await queues.notices.addBulk(
      batches.slice(i, i + 1000).map((batchNo) => ({
        name: 'batch',
        data: { noticeId, batchNo },
        opts: { jobId: noticeJobIds.batch(noticeId, batchNo), ...(delayMs > 0 ? { delay: delayMs } : {}) },
      })),
    );
  }
}
