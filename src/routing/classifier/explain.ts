// Explain: a prediction → the reasons shown to staff. For a complaint, the words (a keyword in
// its canonical spelling where one matched) that pushed the department model most towards the
// chosen department; for thanks and spam, the hand cues found and the words that pushed the kind
// model towards that kind. Strongest first, at most MAX_REASONS.
import { COMPLAINT, THANKS, handFeatures, type Analysed } from './analyse.js';
import type { LinearModel } from './linear.js';
import { CONTRAST_CUES, REQUEST_CUES, THANKS_CUES } from './markers.js';
import type { Prediction, RouterModel, SparseVector } from './predict.js';
import { stripParticle } from './text.js';

const MAX_REASONS = 5;
/** A reason shown as a whole word only up to this length; longer runs show their best n-gram. */
const MAX_WORD_DISPLAY = 8;

/** Readable labels of the hand-written kind cues, used as reasons for thanks and spam. */
const HAND_LABELS: Record<string, string> = {
  'h:thanks': '감사 표현',
  'h:spam': '광고 표현',
  'h:abuse': '욕설',
  'h:chatter': '잡담',
  'h:jamo': '자모만 입력',
};

const FUNCTION_WORD_CUES = [...REQUEST_CUES, ...CONTRAST_CUES, ...THANKS_CUES];

function isFunctionWord(word: string): boolean {
  return FUNCTION_WORD_CUES.some((c) => c.pattern.test(word));
}

interface WordScores {
  /** Per word of the prepared text, its contribution to the class. */
  wordScore: Float64Array;
  /** Per word, its strongest character n-gram (shown for words too long to show whole). */
  bestGram: Map<number, { text: string; score: number }>;
}

/**
 * Contribution of every word to class c against the average class: its features' weights,
 * and, with the prior, its share of the keyword prior's gain.
 */
function wordScores(a: Analysed, model: LinearModel, c: number, vector: SparseVector, withPrior: boolean): WordScores {
  const C = model.classes;
  const W = model.weights;
  const relative = new Map<string, number>();
  for (let k = 0; k < vector.idx.length; k++) {
    const base = vector.idx[k]! * C;
    let mean = 0;
    for (let j = 0; j < C; j++) mean += W[base + j]!;
    relative.set(vector.keys[k]!, W[base + c]! - mean / C);
  }
  const wordScore = new Float64Array(a.p.words.length);
  const bestGram = new Map<number, { text: string; score: number }>();
  const v = a.vector;
  for (let o = 0; o < v.occKey.length; o++) {
    const key = v.keys[v.occKey[o]!]!;
    const r = relative.get(key);
    if (r === undefined) continue;
    const word = v.occWord[o]!;
    const contribution = r * v.occWeight[o]! * v.factors[v.occKey[o]!]!;
    wordScore[word] = wordScore[word]! + contribution;
    if (key.startsWith('g:') && key.length >= 5) {
      const prev = bestGram.get(word);
      if (!prev || contribution > prev.score) bestGram.set(word, { text: key.slice(2), score: contribution });
    }
  }
  if (withPrior && model.priorWeight > 0) {
    let mean = 0;
    for (let j = 0; j < C; j++) mean += a.prior[j]!;
    const priorGain = model.priorWeight * (a.prior[c]! - mean / C);
    const mine = a.hits.filter((h) => h.term.postings.some((p) => p.dept === c));
    let total = 0;
    for (const h of mine) total += h.term.postings.find((p) => p.dept === c)!.weight;
    for (const h of mine) {
      const share = h.term.postings.find((p) => p.dept === c)!.weight / (total || 1);
      wordScore[h.word] = wordScore[h.word]! + priorGain * share;
    }
  }
  return { wordScore, bestGram };
}

/** The words that count for the class, as readable terms, strongest first. */
function readableTerms(a: Analysed, { wordScore, bestGram }: WordScores, skipFunctionWords: boolean): string[] {
  const terms = new Map<string, number>();
  const add = (term: string, score: number) => terms.set(term, (terms.get(term) ?? 0) + score);
  const fallbackTerms = new Map<string, number>();
  // A word that contains a keyword is shown as that keyword (its canonical spelling).
  const keywordOfWord = new Map<number, string>();
  for (const h of a.hits) {
    const prev = keywordOfWord.get(h.word);
    if (!prev || h.term.display.length > prev.length) keywordOfWord.set(h.word, h.term.display);
  }
  a.p.words.forEach((w, i) => {
    const score = wordScore[i]!;
    if (!(score > 0)) return;
    const keyword = keywordOfWord.get(i);
    if (keyword) return add(keyword, score);
    // Request, question and courtesy words say what the message is, not where it goes.
    const stem = stripParticle(w);
    if (skipFunctionWords && isFunctionWord(w)) {
      fallbackTerms.set(stem, (fallbackTerms.get(stem) ?? 0) + score);
      return;
    }
    if (stem.length <= MAX_WORD_DISPLAY) return add(stem, score);
    const gram = bestGram.get(i);
    if (gram) add(gram.text, score);
  });
  return [...(terms.size > 0 ? terms : fallbackTerms)]
    .filter(([, s]) => s > 0)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, MAX_REASONS)
    .map(([t]) => t);
}

/** The words of the message that weighed most towards class c of the model, strongest first. */
export function explainClass(
  a: Analysed,
  model: LinearModel,
  c: number,
  vector: SparseVector,
  withPrior: boolean,
  skipFunctionWords: boolean,
): string[] {
  return readableTerms(a, wordScores(a, model, c, vector, withPrior), skipFunctionWords);
}

/** The labels of the hand cues that mark this kind (thanks, or spam's advert, abuse, chatter, jamo). */
export function handReasons(a: Analysed, kind: number): string[] {
  const wanted = kind === THANKS ? ['h:thanks'] : ['h:spam', 'h:abuse', 'h:chatter', 'h:jamo'];
  const present = handFeatures(a).map(([k]) => k);
  return wanted.filter((k) => present.includes(k)).map((k) => HAND_LABELS[k]!);
}

/** The reasons of a prediction, as shown to staff. */
export function explain(model: RouterModel, prediction: Prediction): string[] {
  const { analysed: a, kind, chosen } = prediction;
  return kind === COMPLAINT
    ? explainClass(a, model.deptModel, chosen, prediction.deptVector, true, true)
    : [...handReasons(a, kind), ...explainClass(a, model.kindModel, kind, prediction.kindVector, false, false)].slice(0, MAX_REASONS);
}
