// Phone numbers as the providers send them, read into one E.164 form.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { maskPhone, normalizePhone } from '../src/residents/phone.js';

describe('normalizePhone', () => {
  it('reads the forms providers send into E.164', () => {
    expect(normalizePhone('+821012345678')).toBe('+821012345678');
    expect(normalizePhone('01012345678')).toBe('+821012345678');
    expect(normalizePhone('010-1234-5678')).toBe('+821012345678');
    expect(normalizePhone(' 010 1234 5678 ')).toBe('+821012345678');
    expect(normalizePhone('0221331234')).toBe('+82221331234');
    expect(normalizePhone('+14155550123')).toBe('+14155550123');
  });

  it('refuses what is not a phone number', () => {
    expect(normalizePhone('')).toBeNull();
    expect(normalizePhone('hello')).toBeNull();
    expect(normalizePhone('12')).toBeNull();
  });

  it('gives for Korean mobiles what the full parser gives (the fast path is only a shortcut)', () => {
    for (let i = 0; i < 2000; i++) {
      const digits = String((i * 7_919_993) % 100_000_000).padStart(8, '0');
      for (const raw of [`+8210${digits}`, `010${digits}`]) {
        const parsed = parsePhoneNumberFromString(raw, 'KR');
        expect(normalizePhone(raw), raw).toBe(parsed?.isPossible() ? parsed.number : null);
      }
    }
  });
});

describe('maskPhone', () => {
  it('keeps only the last four digits', () => {
    expect(maskPhone('+821012345678')).toBe('010-****-5678');
    expect(maskPhone('+82221331234')).toBe('02-****-1234');
    expect(maskPhone(null)).toBeNull();
  });
});
