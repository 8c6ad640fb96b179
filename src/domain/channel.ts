// The ways a resident's words reach the office, in one place: cases, messages, queues, workers
// and reports all speak of the same channels.

/** Channels that carry messages both ways; each has an outbound queue and worker. */
export const CHANNELS = ['sms', 'kakao'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Channels staff register by hand: walk-in visits (방문) and the district homepage (홈페이지). */
export const STAFF_CHANNELS = ['visit', 'web'] as const;
export type StaffChannel = (typeof STAFF_CHANNELS)[number];

/** Every way a case reaches the office: the messaging channels, walk-in visits and the homepage. */
export const CASE_CHANNELS = [...CHANNELS, ...STAFF_CHANNELS] as const;
export type CaseChannel = (typeof CASE_CHANNELS)[number];
