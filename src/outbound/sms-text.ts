import iconv from 'iconv-lite';
import { splitText, type CharWeight } from './split-text.js';

/**
 * Korean operators carry SMS in EUC-KR and accept only characters of KS X 1001. iconv-lite's
 * 'euc-kr' is really CP949, whose extra 8,822 Hangul syllables (똠, 뷁, 햏 ...) sit on lead
 * bytes 0x81–0xC6 outside KS X 1001: a character counts only when both bytes are 0xA1–0xFE.
 */
function ksx1001Bytes(char: string): number | null {
  const code = char.codePointAt(0)!;
  if (code === 0x0a || (code >= 0x20 && code < 0x7f)) return 1;
  if (code < 0x80) return null;
  const bytes = iconv.encode(char, 'euc-kr');
  if (bytes.length === 2 && bytes[0]! >= 0xa1 && bytes[0]! <= 0xfe && bytes[1]! >= 0xa1 && bytes[1]! <= 0xfe) return 2;
  return null;
}

/** Characters KS X 1001 lacks that have a close stand-in in it. */
const STAND_INS: Record<string, string> = {
  '\t': ' ',
  '\u00a0': ' ', // no-break space
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-', // en dash
  '\u2014': '-', // em dash (KS X 1001 has only the horizontal bar ―)
  '\u2212': '-',
  '\u2022': '·', // bullet
  '\u20a9': '￦', // won sign: the full-width one is in KS X 1001
  '\u2764': '♥', // heavy black heart (❤️)
  '\u2665': '♥',
  '\u2714': '√', // heavy check mark
  '\u2713': '√',
  '\u2705': '√',
  '\u274c': '×', // cross mark
  '\u2716': '×',
  '\u2b50': '★',
  '\u{1f4de}': '☎', // telephone receiver
  '\u{1f4f1}': '☎',
  '\u{1f449}': '☞', // pointing right
  '\u{1f448}': '☜',
};

/** Emoji parts and invisible characters: dropped, they carry no words. */
const DROPPED = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\u200b-\u200f\u2060]|\ufe0e|\ufe0f|\u20e3|\p{Cc}|\p{Cf}|\p{Mn})$/u;

// Hangul syllables decompose arithmetically (Unicode ch. 3.12) into the compatibility jamo
// residents type, all of which are in KS X 1001: 똠 → ㄸㅗㅁ.
const LEADS = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';
const VOWELS = 'ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ';
const TAILS = ['', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];

function spellInJamo(char: string): string | null {
  const index = char.codePointAt(0)! - 0xac00;
  if (index < 0 || index > 11171) return null;
  return LEADS[Math.floor(index / 588)]! + VOWELS[Math.floor((index % 588) / 28)]! + TAILS[index % 28]!;
}

/** What stands for one character that KS X 1001 lacks ('' drops it). */
function standIn(char: string): string {
  const known = STAND_INS[char];
  if (known !== undefined) return known;
  const jamo = spellInJamo(char);
  if (jamo !== null) return jamo;
  if (DROPPED.test(char)) return '';
  // é → e, ü → u: the letter without its accent, when that is in the set.
  const base = char.normalize('NFD').replace(/\p{Mn}/gu, '');
  if (base !== char && [...base].every((c) => ksx1001Bytes(c) !== null)) return base;
  const compatible = char.normalize('NFKC');
  if (compatible !== char && [...compatible].every((c) => ksx1001Bytes(c) !== null)) return compatible;
  return '?';
}

/**
 * The text as a Korean phone can receive it: every character in KS X 1001. Characters
 * outside it are replaced by a close stand-in (rare Hangul syllables by their jamo, ₩ by ￦,
 * dashes by '-', accented letters by the plain letter) or, for emoji and invisible
 * characters, dropped; anything else becomes '?'. Never sent raw.
 */
export function toKsX1001(text: string): string {
  let out = '';
  // NFC first: decomposed Hangul (as macOS and some keyboards send it) becomes syllables.
  for (const char of text.normalize('NFC').replace(/\r\n?/g, '\n')) {
    out += ksx1001Bytes(char) !== null ? char : standIn(char);
  }
  // Dropped emoji can leave doubled spaces or trailing blanks behind.
  return out.replace(/[ ]{2,}/g, ' ').replace(/[ ]+\n/g, '\n').trim();
}

/** True when every character is in KS X 1001 (what toKsX1001 returns always is). */
export function isKsX1001(text: string): boolean {
  for (const char of text) if (ksx1001Bytes(char) === null) return false;
  return true;
}

/** Length in EUC-KR bytes, as Korean operators count it (iconv-lite). */
export function eucKrByteLength(text: string): number {
  return iconv.encode(text, 'euc-kr').length;
}

const eucKrWeight: CharWeight = (char) => ksx1001Bytes(char) ?? eucKrByteLength(char);

/** What one provider's single message holds. */
export interface SmsTextRules {
  /** 'chars': code points (Twilio); 'euc-kr-bytes': bytes in EUC-KR (Korean gateways). */
  unit: 'chars' | 'euc-kr-bytes';
  /** The most one message holds in that unit. */
  maxPerMessage: number;
  /** 'always' for a domestic gateway; 'korean-numbers' for one that also reaches abroad (Twilio). */
  ksx1001: 'always' | 'korean-numbers';
}

/** For a provider that states no rules: Twilio's 1,600 characters, KS X 1001 for Korean numbers. */
export const DEFAULT_SMS_TEXT_RULES: SmsTextRules = { unit: 'chars', maxPerMessage: 1600, ksx1001: 'korean-numbers' };

/** Korean numbers in E.164. */
export function isKoreanNumber(e164: string): boolean {
  return e164.startsWith('+82');
}

/**
 * The messages one answer becomes: made KS X 1001-clean where the rules ask for it, and
 * split into numbered parts "(1/3) …" when it does not fit one message. Nothing is cut:
 * the parts together hold the whole (cleaned) answer. An answer with nothing left to send
 * (only emoji) gives no parts.
 */
export function composeSms(text: string, to: string, rules: SmsTextRules): string[] {
  const clean = rules.ksx1001 === 'always' || isKoreanNumber(to) ? toKsX1001(text) : text.trim();
  if (clean === '') return [];
  const weigh: CharWeight = rules.unit === 'chars' ? () => 1 : eucKrWeight;
  const weight = (s: string) => [...s].reduce((sum, c) => sum + weigh(c), 0);
  if (weight(clean) <= rules.maxPerMessage) return [clean];

  // The "(i/n) " prefix takes room from every part; its width depends on n, so settle n first.
  const prefixWidth = (n: number) => weight(`(${n}/${n}) `);
  let count = 2;
  let pieces = splitText(clean, rules.maxPerMessage - prefixWidth(count), weigh);
  while (prefixWidth(pieces.length) > prefixWidth(count)) {
    count = pieces.length;
    pieces = splitText(clean, rules.maxPerMessage - prefixWidth(count), weigh);
  }
  return pieces.map((piece, i) => `(${i + 1}/${pieces.length}) ${piece}`);
}
