import { describe, expect, it } from 'vitest';
import { composeSms, eucKrByteLength, isKsX1001 } from '../outbound/sms-text.js';
import {
  ONDATE_NOT_CHOSEN_NOTICE,
  ONDATE_OFFER_LINE,
  ONDATE_OPT_IN_ACK,
  isOndateReply,
  ondateChosenNotice,
  sessionTime,
  visitRequestAck,
  visitScheduledNotice,
} from './texts.js';

const SOLAPI_RULES = { unit: 'euc-kr-bytes', maxPerMessage: 90, ksx1001: 'always' } as const;
const oneSms = (text: string) => {
  expect(isKsX1001(text), text).toBe(true);
  expect(eucKrByteLength(text), text).toBeLessThanOrEqual(90);
  expect(composeSms(text, '+821012345678', SOLAPI_RULES)).toEqual([text]);
};

describe("the mayor's sessions' texts", () => {
  // The widest date: a two-digit month and day, in Seoul (UTC+9).
  const widest = new Date('2026-12-18T05:30:00Z');

  it('writes the time in Seoul', () => {
    expect(sessionTime(widest)).toBe('12/18(금) 14:30');
    expect(sessionTime(new Date('2027-01-04T15:05:00Z'))).toBe('1/5(화) 00:05');
  });

  it('keeps every 온데이트 text to one SMS of KS X 1001 characters', () => {
    oneSms(ONDATE_OPT_IN_ACK);
    oneSms(ONDATE_NOT_CHOSEN_NOTICE);
    oneSms(ONDATE_OFFER_LINE);
    for (const mode of ['video', 'phone'] as const) oneSms(ondateChosenNotice(widest, mode));
    expect(ondateChosenNotice(widest, 'video')).toContain('12/18(금) 14:30 구청장이 영상통화로');
  });

  it('keeps the visit acknowledgement to one SMS and a short place notice too', () => {
    oneSms(visitRequestAck('2026-1234567'));
    oneSms(visitScheduledNotice(widest, '신당동 주민센터'));
    // A long place (40 characters at most) makes an LMS; a gateway of 90-byte SMS only sends parts, nothing cut.
    const long = visitScheduledNotice(widest, '가'.repeat(40));
    expect(composeSms(long, '+821012345678', { ...SOLAPI_RULES, maxPerMessage: 2000 })).toEqual([long]);
    expect(composeSms(long, '+821012345678', SOLAPI_RULES).length).toBeLessThanOrEqual(3);
  });

  it('recognises the keyword alone, not a sentence that mentions it', () => {
    for (const yes of ['온데이트', ' 온 데이트! ', '온데이트 신청', '온데이트.']) expect(isOndateReply(yes), yes).toBe(true);
    for (const no of ['온데이트가 뭔가요?', '데이트', '온데이트 말고 민원입니다', '']) expect(isOndateReply(no), no).toBe(false);
  });
});
