/**
 * One delivery status for every channel and provider. Providers map their own
 * vocabulary onto it; the rank orders them so late callbacks never move a
 * message backwards (callbacks arrive out of order).
 */
export const DELIVERY_STATUSES = [
  'pending',
  'queued',
  'sending',
  'sent',
  /** Kept for the resident to fetch ("답변 확인" on KakaoTalk): no push could reach them. */
  'awaiting_pull',
  'delivered',
  'undelivered',
  'failed',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const RANK: Record<DeliveryStatus, number> = {
  pending: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  awaiting_pull: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
};

export function deliveryRank(status: DeliveryStatus): number {
  return RANK[status];
}

export function isFinalDeliveryStatus(status: DeliveryStatus): boolean {
  return RANK[status] === 4;
}

/** Statuses that, if current, a new status may replace. */
export function statusesBelow(status: DeliveryStatus): DeliveryStatus[] {
  return DELIVERY_STATUSES.filter((s) => RANK[s] < RANK[status]);
}

/**
 * The status of an answer sent as several parts: failed or undelivered as soon as one part
 * is (the resident cannot read the whole answer), otherwise as far as its slowest part.
 */
export function combinedStatus(parts: DeliveryStatus[]): DeliveryStatus {
  if (parts.includes('failed')) return 'failed';
  if (parts.includes('undelivered')) return 'undelivered';
  return parts.reduce<DeliveryStatus>((slowest, s) => (RANK[s] < RANK[slowest] ? s : slowest), 'delivered');
}
