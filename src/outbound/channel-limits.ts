import type { Channel } from '../domain/channel.js';

/**
 * The longest answer staff may send on each channel; refusing it when staff submit beats
 * a failure after the case is closed. A longer SMS answer than one message holds (Twilio:
 * 1,600 characters; a Korean gateway: 2,000 EUC-KR bytes) leaves as numbered parts
 * (sms-text.ts); the cap keeps that to two Twilio messages or four LMS.
 * A Kakao answer must fit the three bubbles of one "답변 확인" reply.
 */
export const ANSWER_LIMITS: Record<Channel, number> = {
  sms: 3200,
  // Three 1,000-character bubbles, cut at word boundaries, always hold an answer this long.
  kakao: 1900,
};
