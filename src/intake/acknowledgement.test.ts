import { describe, expect, it } from 'vitest';
import { CASE_NUMBER, SMS_ACKNOWLEDGEMENT, SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from './acknowledgement.js';
import { composeSms, eucKrByteLength, isKsX1001 } from '../outbound/sms-text.js';

const SOLAPI_RULES = { unit: 'euc-kr-bytes', maxPerMessage: 90, ksx1001: 'always' } as const;

describe('the SMS acknowledgement', () => {
  // Numbers are lpad(…, 6): 2026-000123; a year past 999,999 cases gets 7 digits.
  const numbers = ['2026-000001', '2026-999999', '2026-1234567'];

  it.each(Object.entries(SMS_NUMBERED_ACKNOWLEDGEMENT))('%s: names the number and stays one SMS of KS X 1001 characters', (_form, template) => {
    expect(template).toContain(CASE_NUMBER);
    for (const number of numbers) {
      const text = withCaseNumber(template, number);
      expect(text).toContain(number);
      expect(isKsX1001(text)).toBe(true);
      expect(eucKrByteLength(text)).toBeLessThanOrEqual(90);
      // What a domestic gateway actually sends: one part, unchanged.
      expect(composeSms(text, '+821012345678', SOLAPI_RULES)).toEqual([text]);
    }
  });

  it('without a number (Postgres away) it is one SMS too', () => {
    expect(isKsX1001(SMS_ACKNOWLEDGEMENT)).toBe(true);
    expect(eucKrByteLength(SMS_ACKNOWLEDGEMENT)).toBeLessThanOrEqual(90);
  });
});
