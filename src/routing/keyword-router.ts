/**
 * Rules-based router: scores every department by the keywords found in the
 * message and picks the best one. It is a baseline until a learned model
 * replaces it behind the same Router interface.
 */
import { compactText, normalizeText } from './normalize.js';
import type { DepartmentRule, Router, RoutingDecision } from './router.js';

export interface KeywordRouterOptions {
  /** Department for messages that match no keyword. Default 'AUDIT'. */
  fallbackDepartment?: string;
}

const DEFAULT_FALLBACK = 'AUDIT';
const FALLBACK_CATEGORY = 'other';
const MAX_REASONS = 5;
/** Only the start of very long messages is read; the topic is stated early. */
const MAX_INPUT_CHARS = 2000;
/**
 * Keywords this short are looked up in the spaced text only. In the compact
 * text they would also match across word boundaries ('…부분인 도로' → '인도').
 */
const SHORT_KEYWORD_LENGTH = 2;
/** Extra weight per repeated occurrence of a term, and how many repeats count. */
const REPEAT_BONUS = 0.25;
const MAX_REPEATS = 2;
/** Score at which the absolute-evidence part of the confidence reaches ~63%. */
const CONFIDENCE_SCALE = 3;

const WEIGHT_SUFFIX = /^(.*?)\^(\d+(?:\.\d+)?)$/s;

interface Posting {
  dept: number;
  weight: number;
  /** The keyword as written in the rules (without the ^N suffix), for reasons. */
  display: string;
}

interface Term {
  /** Normalised keyword with whitespace removed. */
  text: string;
  /** Longer keywords are more specific, so they count a bit more. */
  lengthFactor: number;
  postings: Posting[];
}

/** Terms grouped by their first UTF-16 code unit, so a scan only tries plausible terms. */
type TermIndex = Map<number, Term[]>;

interface Occurrence {
  term: Term;
  /** Span in the compact (whitespace-free) text. */
  start: number;
  end: number;
}

interface Hit {
  display: string;
  score: number;
  position: number;
}

/** Parses 'term^N' into its term and weight (default 1). */
export function parseKeyword(raw: string): { term: string; weight: number } {
  const m = WEIGHT_SUFFIX.exec(raw.trim());
  if (!m) return { term: raw.trim(), weight: 1 };
  const weight = Number(m[2]);
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw new Error(`keyword ${JSON.stringify(raw)}: weight must be a positive number`);
  }
  return { term: (m[1] ?? '').trim(), weight };
}

function lengthFactor(length: number): number {
  return 1 + 0.15 * (Math.min(length, 6) - 2);
}

function compileTerms(rules: DepartmentRule[]): Term[] {
  const byText = new Map<string, Term>();
  rules.forEach((rule, dept) => {
    for (const raw of rule.keywords) {
      const { term, weight } = parseKeyword(raw);
      const text = compactText(normalizeText(term));
      if (text === '') continue;
      let entry = byText.get(text);
      if (!entry) {
        entry = { text, lengthFactor: lengthFactor(text.length), postings: [] };
        byText.set(text, entry);
      }
      // A keyword listed twice for one department keeps its highest weight.
      const existing = entry.postings.find((p) => p.dept === dept);
      if (existing) existing.weight = Math.max(existing.weight, weight);
      else entry.postings.push({ dept, weight, display: term });
    }
  });
  return [...byText.values()];
}

function buildIndex(terms: Term[]): TermIndex {
  const index: TermIndex = new Map();
  for (const term of terms) {
    const first = term.text.charCodeAt(0);
    const bucket = index.get(first);
    if (bucket) bucket.push(term);
    else index.set(first, [term]);
  }
  return index;
}

/** All (possibly overlapping) matches of indexed terms in text, by start position. */
function scan(text: string, index: TermIndex, onMatch: (term: Term, start: number) => void): void {
  for (let i = 0; i < text.length; i++) {
    const bucket = index.get(text.charCodeAt(i));
    if (!bucket) continue;
    for (const term of bucket) {
      if (text.startsWith(term.text, i)) onMatch(term, i);
    }
  }
}

/**
 * Drops occurrences that lie inside a longer matched keyword:
 * '음식물쓰레기' (cleaning) should not also score '음식' (hygiene), and the
 * weight written for '불법주차' is what that phrase is worth.
 * Sweep by start (longer first on ties): an occurrence is covered iff an
 * earlier one ends at or after its end. Identical spans cannot occur
 * because terms are unique.
 */
function undominated(occurrences: Occurrence[]): Occurrence[] {
  occurrences.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Occurrence[] = [];
  let maxEnd = -1;
  for (const o of occurrences) {
    if (o.end > maxEnd) kept.push(o);
    maxEnd = Math.max(maxEnd, o.end);
  }
  return kept;
}

export function createKeywordRouter(
  rules: DepartmentRule[],
  options: KeywordRouterOptions = {},
): Router {
  const fallbackDepartment = options.fallbackDepartment ?? DEFAULT_FALLBACK;
  const fallbackCategory =
    rules.find((r) => r.code === fallbackDepartment)?.category ?? FALLBACK_CATEGORY;
  // This router does not tell thanks or spam from complaints: every message is a
  // complaint, with kindConfidence 0 (not assessed), and is never closed automatically.
  const fallback = (): RoutingDecision => ({
    category: fallbackCategory,
    department: fallbackDepartment,
    confidence: 0,
    reasons: [],
    kind: 'complaint',
    kindConfidence: 0,
    pureThanks: false,
    candidates: [],
  });

  const terms = compileTerms(rules);
  const shortIndex = buildIndex(terms.filter((t) => t.text.length <= SHORT_KEYWORD_LENGTH));
  const longIndex = buildIndex(terms.filter((t) => t.text.length > SHORT_KEYWORD_LENGTH));

  function findOccurrences(spaced: string, compact: string): Occurrence[] {
    const occurrences: Occurrence[] = [];
    scan(compact, longIndex, (term, start) => {
      occurrences.push({ term, start, end: start + term.text.length });
    });
    // Short terms are matched in the spaced text; map their positions to the
    // compact text (normalizeText leaves single ' ' as the only whitespace).
    let compactPos = 0;
    let spacedPos = 0;
    scan(spaced, shortIndex, (term, start) => {
      for (; spacedPos < start; spacedPos++) if (spaced[spacedPos] !== ' ') compactPos++;
      occurrences.push({ term, start: compactPos, end: compactPos + term.text.length });
    });
    return occurrences;
  }

  return {
    route(text: string): RoutingDecision {
      if (typeof text !== 'string' || rules.length === 0) return fallback();
      const spaced = normalizeText(text.slice(0, MAX_INPUT_CHARS));
      const compact = compactText(spaced);
      if (compact === '') return fallback();

      // Per term: earliest position and number of occurrences that count.
      const found = new Map<Term, { position: number; count: number }>();
      for (const o of undominated(findOccurrences(spaced, compact))) {
        const prev = found.get(o.term);
        if (prev) prev.count++;
        else found.set(o.term, { position: o.start, count: 1 });
      }
      if (found.size === 0) return fallback();

      const scores = new Array<number>(rules.length).fill(0);
      const hits: Hit[][] = rules.map(() => []);
      for (const [term, { position, count }] of found) {
        // Residents repeat the thing they complain about; repeats add a little, capped.
        const repeat = 1 + REPEAT_BONUS * Math.min(count - 1, MAX_REPEATS);
        for (const p of term.postings) {
          const score = p.weight * term.lengthFactor * repeat;
          scores[p.dept] = (scores[p.dept] ?? 0) + score;
          hits[p.dept]?.push({ display: p.display, score, position });
        }
      }

      // Best department; ties go to the one with more matched terms, then to rule order.
      let best = 0;
      for (let d = 1; d < rules.length; d++) {
        const diff = (scores[d] ?? 0) - (scores[best] ?? 0);
        const moreHits = (hits[d]?.length ?? 0) > (hits[best]?.length ?? 0);
        if (diff > 1e-9 || (Math.abs(diff) <= 1e-9 && moreHits)) best = d;
      }
      const rule = rules[best];
      const bestScore = scores[best] ?? 0;
      if (!rule || bestScore <= 0) return fallback();
      const second = Math.max(0, ...scores.filter((_, d) => d !== best));

      // Strong evidence and a clear lead both raise confidence; a tie keeps 40% of it.
      const strength = 1 - Math.exp(-bestScore / CONFIDENCE_SCALE);
      const margin = (bestScore - second) / bestScore;
      const confidence = Math.round(strength * (0.4 + 0.6 * margin) * 1000) / 1000;

      const reasons = (hits[best] ?? [])
        .sort((a, b) => b.score - a.score || a.position - b.position)
        .slice(0, MAX_REASONS)
        .map((h) => h.display);

      // Best departments by their share of the keyword evidence.
      const total = scores.reduce((sum, x) => sum + x, 0);
      const candidates = scores
        .map((score, d) => ({ d, score }))
        .filter(({ score }) => score > 0)
        .sort((a, b) => (a.d === best ? -1 : b.d === best ? 1 : b.score - a.score || a.d - b.d))
        .slice(0, 3)
        .map(({ d, score }) => ({
          department: rules[d]!.code,
          category: rules[d]!.category,
          score: Math.round((score / total) * 1000) / 1000,
        }));

      return {
        category: rule.category,
        department: rule.code,
        confidence,
        reasons,
        kind: 'complaint',
        kindConfidence: 0,
        pureThanks: false,
        candidates,
      };
    },
  };
}
