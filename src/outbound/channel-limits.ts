import type { Channel } from '../cases/case.table.js';

/**
 * The longest answer each channel carries as one message. Twilio refuses an SMS body
 * over 1,600 characters; refusing it when staff submit beats a failure after the case
 * is closed. (Splitting long answers into numbered parts is the domestic-gateway work.)
 * A Kakao answer must fit the three bubbles of one "답변 확인" reply.
 */
export const ANSWER_LIMITS: Record<Channel, number> = {
  sms: 1600,
  // Three 1,000-character bubbles, cut at word boundaries, always hold an answer this long.
  kakao: 1900,
};
