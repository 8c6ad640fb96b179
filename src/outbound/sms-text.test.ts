import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { composeSms, eucKrByteLength, isKsX1001, toKsX1001, type SmsTextRules } from './sms-text.js';

const fixtures = new URL('../../test/fixtures/sms/', import.meta.url);
const { replacements } = JSON.parse(readFileSync(new URL('ksx1001-text.json', fixtures), 'utf8')) as {
  replacements: { why: string; input: string; expected: string; eucKrBytes: number }[];
};
const LONG_ANSWER = readFileSync(new URL('long-answer.txt', fixtures), 'utf8');

const DOMESTIC: SmsTextRules = { unit: 'euc-kr-bytes', maxPerMessage: 2000, ksx1001: 'always' };
const TWILIO: SmsTextRules = { unit: 'chars', maxPerMessage: 1600, ksx1001: 'korean-numbers' };
const KOREAN_MOBILE = '+821012345678';

/** Every non-ASCII character is two bytes of 0xA1–0xFE (KS X 1001 proper), and the bytes decode back to the text. */
function strictlyEucKr(text: string): boolean {
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) continue;
    const [lead, trail, extra] = iconv.encode(char, 'euc-kr');
    if (extra !== undefined || lead === undefined || trail === undefined) return false;
    if (lead < 0xa1 || lead > 0xfe || trail < 0xa1 || trail > 0xfe) return false;
  }
  return iconv.decode(iconv.encode(text, 'euc-kr'), 'euc-kr') === text;
}

/** The parts without their "(i/n) " numbers, joined: what the resident reads in order. */
function unnumbered(parts: string[]): string {
  return parts.map((p) => p.replace(/^\(\d+\/\d+\) /, '')).join('');
}

describe('toKsX1001 (fixtures)', () => {
  it.each(replacements)('$why', ({ input, expected, eucKrBytes }) => {
    const out = toKsX1001(input);
    expect(out).toBe(expected);
    expect(eucKrByteLength(out)).toBe(eucKrBytes);
    expect(isKsX1001(out)).toBe(true);
    expect(strictlyEucKr(out)).toBe(true);
  });

  it('tells KS X 1001 from CP949-only text', () => {
    expect(isKsX1001('똠')).toBe(false); // iconv-lite encodes it (CP949 0x8C63), operators do not
    expect(isKsX1001('🙏')).toBe(false);
    expect(isKsX1001('가나다 abc ☎')).toBe(true);
  });
});

describe('eucKrByteLength', () => {
  it('counts ASCII as one byte and Hangul as two, as operators do', () => {
    expect(eucKrByteLength('abc')).toBe(3);
    expect(eucKrByteLength('가')).toBe(2);
    expect(eucKrByteLength('가'.repeat(45))).toBe(90); // the classic 45-Hangul SMS
    expect(eucKrByteLength('[구청장 소통폰]')).toBe(15);
  });
});

describe('composeSms', () => {
  it('keeps an answer that fits whole, cleaned for a Korean number', () => {
    const parts = composeSms('포트홀 보수를 마쳤습니다 🙏', KOREAN_MOBILE, DOMESTIC);
    expect(parts).toEqual(['포트홀 보수를 마쳤습니다']);
  });

  it('gives nothing to send for an answer of only emoji', () => {
    expect(composeSms('👍', KOREAN_MOBILE, DOMESTIC)).toEqual([]);
  });

  it('splits a long answer into numbered LMS parts of at most 2,000 EUC-KR bytes, losing nothing', () => {
    const answer = `${LONG_ANSWER}\n\n${LONG_ANSWER}`;
    const clean = toKsX1001(answer);
    expect(eucKrByteLength(clean)).toBeGreaterThan(2000);

    const parts = composeSms(answer, KOREAN_MOBILE, DOMESTIC);

    expect(parts).toHaveLength(2);
    parts.forEach((part, i) => {
      expect(part.startsWith(`(${i + 1}/2) `)).toBe(true);
      expect(eucKrByteLength(part)).toBeLessThanOrEqual(2000);
      expect(strictlyEucKr(part)).toBe(true);
    });
    // The first part is cut at a paragraph boundary, not mid-word.
    expect(parts[0]!.endsWith('\n')).toBe(false);
    expect(unnumbered(parts).replace(/\s+/g, '')).toBe(clean.replace(/\s+/g, ''));
  });

  it('numbers parts with the width of their count (ten parts and more)', () => {
    const parts = composeSms(LONG_ANSWER, KOREAN_MOBILE, { ...DOMESTIC, maxPerMessage: 90 });
    expect(parts.length).toBeGreaterThanOrEqual(10);
    parts.forEach((part, i) => {
      expect(part.startsWith(`(${i + 1}/${parts.length}) `)).toBe(true);
      expect(eucKrByteLength(part)).toBeLessThanOrEqual(90);
    });
    expect(unnumbered(parts).replace(/\s+/g, '')).toBe(toKsX1001(LONG_ANSWER).replace(/\s+/g, ''));
  });

  it('Twilio: 1,600 characters per message; cleaned only for Korean numbers', () => {
    const answer = `${'가'.repeat(1000)} ${'나'.repeat(1000)} 🙏`;
    const korean = composeSms(answer, KOREAN_MOBILE, TWILIO);
    expect(korean.map((p) => [...p].length).every((n) => n <= 1600)).toBe(true);
    expect(korean).toHaveLength(2);
    expect(korean.join('')).not.toContain('🙏');

    const abroad = composeSms(answer, '+15005550006', TWILIO);
    expect(abroad).toHaveLength(2);
    expect(abroad[1]!.endsWith('🙏')).toBe(true);
    expect(composeSms('짧은 답변 🙏', '+15005550006', TWILIO)).toEqual(['짧은 답변 🙏']);
  });
});
