/**
 * Text preparation for the learned router: one normalised form of a message,
 * its words (with common particles stripped, for readable reasons), its
 * sentences, and a whitespace-free "compact" form whose every character knows
 * the word it came from.
 */

/**
 * Very long messages are read in part: their start and, since long venting
 * often ends with the actual request, their end.
 */
export const MAX_INPUT_CHARS = 1500;
const HEAD_CHARS = 600;

/**
 * Particles and copula endings residents glue to nouns ('가로등이', '공사장에서',
 * '주차장인데'). Longest first; stripping keeps at least two characters.
 */
const PARTICLES = [
  '에서부터', '이라서', '이라도', '에서는', '에서도', '으로는', '으로도', '한테서', '이에요', '이예요', '입니다', '이라고',
  '인데요', '때문에', '까지도',
  '에서', '에게', '한테', '께서', '으로', '이랑', '까지', '부터', '이나', '이고', '보다', '처럼', '마다', '조차', '밖에',
  '에는', '에도', '으로', '인데', '이라', '라서', '예요', '이요', '하고', '는데', '라도', '이든', '이며',
  '이', '가', '을', '를', '은', '는', '에', '로', '와', '과', '랑', '도', '만', '의', '나', '좀',
];

const CHOSEONG = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';
const JONGSEONG = 'ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ';

/**
 * NFKC, but bare jamo stay the compatibility jamo residents type (ㅋㅋ, ㅠㅠ,
 * ㅅㅂ): NFKC would turn them into conjoining jamo (U+1100…).
 */
export function nfkc(text: string): string {
  return text.normalize('NFKC').replace(/[\u1100-\u11ff]/gu, (ch) => {
    const code = ch.charCodeAt(0);
    if (code >= 0x1100 && code <= 0x1112) return CHOSEONG[code - 0x1100]!;
    if (code >= 0x1161 && code <= 0x1175) return String.fromCharCode(0x314f + code - 0x1161);
    if (code >= 0x11a8 && code <= 0x11c2) return JONGSEONG[code - 0x11a8]!;
    return ch;
  });
}

/**
 * NFKC (full-width Latin and digits become ASCII, Hangul is composed), Latin
 * lowercased, everything but letters and digits (emoji, punctuation, '○○')
 * turned into spaces, runs of one character (ㅋㅋㅋㅋ, !!!!) shortened to
 * two, whitespace collapsed.
 */
export function normalizeMessage(text: string): string {
  return nfkc(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/(.)\1{2,}/gu, '$1$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Removes a trailing particle when at least two characters remain: '가로등이' → '가로등'. */
export function stripParticle(word: string): string {
  for (const p of PARTICLES) {
    if (word.length - p.length >= 2 && word.endsWith(p)) return word.slice(0, word.length - p.length);
  }
  return word;
}

/**
 * Spelling variants and slang residents write, mapped to the usual spelling
 * (whole words or word starts, so '넘어지다' keeps its '넘').
 */
const VARIANTS: [RegExp, string][] = [
  [/^넘$/u, '너무'],
  [/^쫌$/u, '좀'],
  [/^젤$/u, '제일'],
  [/^(?:왤케|왜케|왜캐)/u, '왜이렇게'],
  [/^몇일/u, '며칠'],
  [/블럭/gu, '블록'],
  [/쇼파/gu, '소파'],
  [/^음쓰/u, '음식물쓰레기'],
  [/냥이/gu, '고양이'],
  [/할매/gu, '할머니'],
  [/할배/gu, '할아버지'],
  [/^엘베/u, '엘리베이터'],
  [/씨씨티비|씨씨tv/gu, 'cctv'],
  [/^이쁘/u, '예쁘'],
  [/^이뻐/u, '예뻐'],
  [/^(?:주차)?딱지/u, '과태료'],
  [/^애기/u, '아기'],
];

export function variantWord(word: string): string {
  let w = word;
  for (const [pattern, replacement] of VARIANTS) w = w.replace(pattern, replacement);
  return w;
}

const HANGUL_BASE = 0xac00;
const HANGUL_LAST = 0xd7a3;
/** Medial vowels residents confuse: ㅐ/ㅔ, ㅒ/ㅖ, ㅙ/ㅚ/ㅞ (indices in the Unicode syllable table). */
const VOWEL_MERGE = new Map<number, number>([
  [1, 5], // ㅐ → ㅔ
  [3, 7], // ㅒ → ㅖ
  [10, 11], // ㅙ → ㅚ
  [15, 11], // ㅞ → ㅚ
]);

/** The form used for matching: vowels residents confuse are merged ('쓰래기' = '쓰레기', '되요' = '돼요'). */
export function matchForm(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= HANGUL_BASE && code <= HANGUL_LAST) {
      const offset = code - HANGUL_BASE;
      const medial = Math.floor(offset / 28) % 21;
      const merged = VOWEL_MERGE.get(medial);
      if (merged !== undefined) {
        out += String.fromCharCode(code + (merged - medial) * 28);
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

export interface PreparedText {
  /** NFKC text as written, truncated (punctuation and emoji kept), for the kind markers. */
  raw: string;
  /** Normalised words with spelling variants fixed, for cues and for showing reasons. */
  words: string[];
  /** words joined by spaces. */
  spaced: string;
  /** The match form of every word (matchForm): n-grams, word features and keywords use it. */
  matchWords: string[];
  matchSpaced: string;
  /** matchSpaced without spaces. */
  compact: string;
  /** spaced without spaces (vowels not merged: short terms match exactly, '장애' ≠ '공장에'). */
  plainCompact: string;
  /** For every character of `compact`, the index of its word. */
  wordOf: Int32Array;
  /** For every word, the index of its sentence. */
  sentenceOfWord: Int32Array;
  sentenceCount: number;
}

/**
 * Sentence ends: punctuation, line breaks, or a polite/plain sentence ending
 * followed by a space ('…했어요 그리고'), since many messages carry no
 * punctuation at all.
 */
const SENTENCE_END = /[.!?。…~\n]+|(?<=(?:요|다|죠|니까|음|함|임|ㅠ|ㅜ|ㅋ|ㅎ)[^\p{L}\p{N}\s]*)\s+/u;

export function prepare(text: string): PreparedText {
  const whole = nfkc(text.length > MAX_INPUT_CHARS * 4 ? `${text.slice(0, HEAD_CHARS * 2)}\n${text.slice(-MAX_INPUT_CHARS * 2)}` : text);
  const raw =
    whole.length > MAX_INPUT_CHARS
      ? `${whole.slice(0, HEAD_CHARS)}\n${whole.slice(whole.length - (MAX_INPUT_CHARS - HEAD_CHARS))}`
      : whole;
  const words: string[] = [];
  const sentenceOfWordList: number[] = [];
  let sentence = 0;
  for (const part of raw.split(SENTENCE_END)) {
    const norm = normalizeMessage(part);
    if (norm === '') continue;
    for (const w of norm.split(' ')) {
      words.push(variantWord(w));
      sentenceOfWordList.push(sentence);
    }
    sentence++;
  }
  const matchWords = words.map(matchForm);
  const matchSpaced = matchWords.join(' ');
  const compact = matchWords.join('');
  const wordOf = new Int32Array(compact.length);
  let pos = 0;
  matchWords.forEach((w, i) => {
    wordOf.fill(i, pos, pos + w.length);
    pos += w.length;
  });
  return {
    raw,
    words,
    spaced: words.join(' '),
    matchWords,
    matchSpaced,
    compact,
    plainCompact: words.join(''),
    wordOf,
    sentenceOfWord: Int32Array.from(sentenceOfWordList),
    sentenceCount: sentence,
  };
}
