import { normalizePhone } from '../residents/phone.js';

/**
 * A resident's message that is only a subscribe or opt-out request ("알림 신청", "수신거부",
 * "STOP"…), optionally with a phone number (KakaoTalk gives us none, so a resident there writes
 * it: "알림 신청 010-1234-5678"). Matched on the whole message, spaces and punctuation aside, so
 * "주차 단속 거부합니다" stays a petition. Such a message never opens a case.
 */
export type ConsentKeyword = { action: 'subscribe' | 'withdraw'; phone: string | null };

/** Opt-out words (정보통신망법 제50조: opting out must be as easy as the wording the resident uses). */
export const WITHDRAW_WORDS = [
  '수신거부',
  '수신거절',
  '수신중지',
  '수신해지',
  '수신차단',
  '거부',
  '알림거부',
  '알림해지',
  '알림중지',
  '알림취소',
  '알림끊기',
  '구독취소',
  '구독해지',
  '구독중지',
  '해지',
  '소식거부',
  'stop',
  'unsubscribe',
  '080수신거부',
];
export const SUBSCRIBE_WORDS = ['알림신청', '구독', '구독신청', '알림구독', '알림받기', '소식신청', '수신동의', '알림동의', 'start', 'subscribe'];

const WITHDRAW = new Set(WITHDRAW_WORDS);
const POLITE_ENDING = /(?:합니다|할게요|할께요|해요|해주세요|해줘요|해줘|바랍니다|부탁드립니다|부탁합니다|요)$/;
const SUBSCRIBE = new Set(SUBSCRIBE_WORDS);
/** A Korean mobile number written anywhere in the message, with or without separators. */
const PHONE_IN_TEXT = /(?:\+82[\s-]?|0)1[016789][\s.-]?\d{3,4}[\s.-]?\d{4}/;

export function readConsentKeyword(text: string): ConsentKeyword | null {
  if (text.length > 80) return null;
  const written = PHONE_IN_TEXT.exec(text);
  const rest = written ? text.replace(written[0], ' ') : text;
  // Letters and Hangul only: "[수신거부]", "수신 거부.", "STOP!" and "알림-해지" read the same.
  const word = rest.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  // "수신거부합니다", "알림 해지해 주세요", "구독 신청할게요": the request with a polite ending.
  const bare = word.replace(POLITE_ENDING, '');
  const action = WITHDRAW.has(word) || WITHDRAW.has(bare) ? 'withdraw' : SUBSCRIBE.has(word) || SUBSCRIBE.has(bare) ? 'subscribe' : null;
  if (action === null) return null;
  return { action, phone: written ? normalizePhone(written[0].replace(/[\s.-]/g, '')) : null };
}
