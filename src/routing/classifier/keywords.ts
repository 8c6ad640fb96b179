/**
 * The departments' admin-editable keywords as prior knowledge: every
 * department gets a keyword score, and every matched keyword becomes a
 * feature of its own. Long keywords are found in the whitespace-free text,
 * keywords of one or two characters only within the spaced text (else '…부분인
 * 도로' would contain '인도'), and a match inside a longer matched keyword
 * does not count.
 */
import type { DepartmentRule } from '../router.js';
import { matchForm, normalizeMessage, type PreparedText } from './text.js';

const SHORT_KEYWORD_LENGTH = 2;

const WEIGHT_SUFFIX = /^(.*?)\^(\d+(?:\.\d+)?)$/s;

/** A keyword as admins write it: `불법주차^3` weighs three times; the weight must be positive. */
export function parseKeyword(raw: string): { term: string; weight: number } {
  const m = WEIGHT_SUFFIX.exec(raw.trim());
  if (!m) return { term: raw.trim(), weight: 1 };
  const weight = Number(m[2]);
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw new Error(`keyword ${JSON.stringify(raw)}: weight must be a positive number`);
  }
  return { term: (m[1] ?? '').trim(), weight };
}

interface Posting {
  dept: number;
  weight: number;
}

export interface KeywordTerm {
  /** Normalised keyword without spaces. */
  text: string;
  /** The keyword as the admins wrote it (without ^N), for reasons. */
  display: string;
  postings: Posting[];
}

export interface KeywordHit {
  term: KeywordTerm;
  /** Word index of the start of the match. */
  word: number;
}

export interface KeywordMatcher {
  terms: KeywordTerm[];
  /** Matches in a prepared text (overlapping matches inside longer ones removed). */
  match(p: PreparedText): KeywordHit[];
  /** Per department: sum of weight × length factor of the matched keywords. */
  scores(hits: KeywordHit[]): Float64Array;
}

function lengthFactor(length: number): number {
  return 1 + 0.15 * (Math.min(length, 6) - 2);
}

type Index = Map<number, KeywordTerm[]>;

function buildIndex(terms: KeywordTerm[]): Index {
  const index: Index = new Map();
  for (const t of terms) {
    const c = t.text.charCodeAt(0);
    const bucket = index.get(c);
    if (bucket) bucket.push(t);
    else index.set(c, [t]);
  }
  for (const bucket of index.values()) bucket.sort((a, b) => b.text.length - a.text.length);
  return index;
}

export function compileKeywords(rules: DepartmentRule[]): KeywordMatcher {
  const byText = new Map<string, KeywordTerm>();
  rules.forEach((rule, dept) => {
    for (const raw of rule.keywords) {
      const { term, weight } = parseKeyword(raw);
      // Long keywords match in the match form (merged vowels), short ones exactly.
      const plain = normalizeMessage(term).replace(/ /g, '');
      const text = plain.length > SHORT_KEYWORD_LENGTH ? matchForm(plain) : plain;
      if (text === '') continue;
      let entry = byText.get(text);
      if (!entry) {
        entry = { text, display: term, postings: [] };
        byText.set(text, entry);
      }
      const existing = entry.postings.find((p) => p.dept === dept);
      if (existing) existing.weight = Math.max(existing.weight, weight);
      else entry.postings.push({ dept, weight });
    }
  });
  const terms = [...byText.values()];
  const longIndex = buildIndex(terms.filter((t) => t.text.length > SHORT_KEYWORD_LENGTH));
  const shortIndex = buildIndex(terms.filter((t) => t.text.length <= SHORT_KEYWORD_LENGTH));
  const factors = new Map(terms.map((t) => [t, lengthFactor(t.text.length)]));

  return {
    terms,
    match(p: PreparedText): KeywordHit[] {
      const spans: { term: KeywordTerm; start: number; end: number }[] = [];
      const { compact, spaced } = p;
      for (let i = 0; i < compact.length; i++) {
        const bucket = longIndex.get(compact.charCodeAt(i));
        if (!bucket) continue;
        for (const t of bucket) {
          if (compact.startsWith(t.text, i)) spans.push({ term: t, start: i, end: i + t.text.length });
        }
      }
      if (shortIndex.size > 0) {
        let compactPos = 0;
        for (let i = 0; i < spaced.length; i++) {
          const ch = spaced.charCodeAt(i);
          if (ch === 32) continue;
          const bucket = shortIndex.get(ch);
          if (bucket) {
            for (const t of bucket) {
              if (spaced.startsWith(t.text, i)) {
                spans.push({ term: t, start: compactPos, end: compactPos + t.text.length });
              }
            }
          }
          compactPos++;
        }
      }
      spans.sort((a, b) => a.start - b.start || b.end - a.end);
      const hits: KeywordHit[] = [];
      let maxEnd = -1;
      for (const s of spans) {
        if (s.end > maxEnd) hits.push({ term: s.term, word: p.wordOf[s.start] ?? 0 });
        maxEnd = Math.max(maxEnd, s.end);
      }
      return hits;
    },
    scores(hits: KeywordHit[]): Float64Array {
      const scores = new Float64Array(rules.length);
      const seen = new Map<KeywordTerm, number>();
      for (const h of hits) {
        const n = (seen.get(h.term) ?? 0) + 1;
        seen.set(h.term, n);
        // Repeats add a little, capped.
        if (n > 3) continue;
        const f = (factors.get(h.term) ?? 1) * (n === 1 ? 1 : 0.25);
        for (const post of h.term.postings) scores[post.dept] = (scores[post.dept] ?? 0) + post.weight * f;
      }
      return scores;
    },
  };
}
