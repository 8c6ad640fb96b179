import type { Channel } from '../domain/channel.js';
import { ANSWER_LIMITS } from '../outbound/channel-limits.js';
import { composeSms, eucKrByteLength, toKsX1001, type SmsTextRules } from '../outbound/sms-text.js';

/**
 * What the answer box tells staff while they type: the channel's length cap (ANSWER_LIMITS,
 * which the case actions enforce again), and for SMS the EUC-KR bytes and how many messages the
 * answer becomes. Parts are counted as a Korean gateway sends them: a short SMS up to 90 bytes,
 * an LMS up to 2,000 bytes, numbered parts beyond (src/outbound/sms-text.ts). The page's script
 * counts the same way (src/console/assets.ts); this drawing is what a page without script shows.
 */
export interface AnswerRules {
  channel: Channel;
  limit: number;
  smsSingleBytes: number;
  smsPartBytes: number;
}

export const SMS_SINGLE_BYTES = 90;
const LMS_RULES: SmsTextRules = { unit: 'euc-kr-bytes', maxPerMessage: 2000, ksx1001: 'always' };

export function answerRules(channel: Channel): AnswerRules {
  return { channel, limit: ANSWER_LIMITS[channel], smsSingleBytes: SMS_SINGLE_BYTES, smsPartBytes: LMS_RULES.maxPerMessage };
}

export function smsMeasure(text: string): { chars: number; bytes: number; parts: number; kind: 'sms' | 'lms' } {
  const clean = toKsX1001(text);
  const bytes = eucKrByteLength(clean);
  const parts = clean === '' ? 0 : composeSms(clean, '+82', LMS_RULES).length;
  return { chars: [...text].length, bytes, parts, kind: bytes <= SMS_SINGLE_BYTES ? 'sms' : 'lms' };
}

export function describeAnswer(text: string, rules: AnswerRules): string {
  const chars = [...text].length;
  if (rules.channel === 'kakao') return `${chars}자 / 최대 ${rules.limit}자 (카카오톡)`;
  const m = smsMeasure(text);
  const parts = m.parts === 0 ? '보낼 내용 없음' : m.parts === 1 ? (m.kind === 'sms' ? '단문(SMS) 1건' : '장문(LMS) 1건') : `장문(LMS) ${m.parts}건으로 나뉨`;
  return `${chars}자 / 최대 ${rules.limit}자 · ${m.bytes}바이트 · ${parts}`;
}
