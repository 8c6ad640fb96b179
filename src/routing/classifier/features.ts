/**
 * Feature extraction. A message becomes occurrences of named features, each
 * tied to the word it came from (so decisions can be explained with words):
 *
 *  - g:…  character n-grams of the whitespace-free text (robust to spacing
 *         errors, particles glued to nouns and small typos),
 *  - w:…  words with a trailing particle stripped,
 *  - k:…  the departments' keywords found in the message.
 *
 * Words of the last sentence, and of sentences that ask for something, weigh
 * more: long venting often states the actual request at the end.
 */
import type { KeywordHit } from './keywords.js';
import { stripParticle, type PreparedText } from './text.js';

export interface FeatureOptions {
  ngramMin: number;
  ngramMax: number;
  /** Extra weight (added to 1) of words in the last sentence or in a sentence with a request. */
  requestSentenceBoost: number;
  /** Relative scale of the blocks after each is L2-normalised. */
  ngramScale: number;
  wordScale: number;
  keywordScale: number;
}

/**
 * The features of one message: aggregated values, plus every occurrence (its
 * feature, word and weight) for explanations.
 */
export interface FeatureVector {
  keys: string[];
  values: Float64Array;
  /** Per key, the value one unit of occurrence weight stands for. */
  factors: Float64Array;
  /** Occurrences: index into keys, word index in the prepared text, weight. */
  occKey: Int32Array;
  occWord: Int32Array;
  occWeight: Float64Array;
}

/**
 * Extracts the features of a prepared text. `asking` tells, per sentence,
 * whether it asks for something; those sentences and the last one weigh
 * 1 + requestSentenceBoost. Values are square roots of the weighted counts,
 * each block (g, w, k) L2-normalised and scaled.
 */
export function extractFeatures(
  p: PreparedText,
  hits: KeywordHit[],
  asking: boolean[],
  options: FeatureOptions,
): FeatureVector {
  const sentenceWeight = new Float64Array(Math.max(p.sentenceCount, 1)).fill(1);
  for (let s = 0; s < p.sentenceCount; s++) {
    if (p.sentenceCount > 1 && (s === p.sentenceCount - 1 || asking[s])) sentenceWeight[s] = 1 + options.requestSentenceBoost;
  }
  const position = new Map<string, number>();
  const keys: string[] = [];
  const raw: number[] = [];
  const occKey: number[] = [];
  const occWord: number[] = [];
  const occWeight: number[] = [];
  const add = (key: string, word: number) => {
    const weight = sentenceWeight[p.sentenceOfWord[word] ?? 0] ?? 1;
    let i = position.get(key);
    if (i === undefined) {
      i = keys.length;
      position.set(key, i);
      keys.push(key);
      raw.push(weight);
    } else raw[i] = raw[i]! + weight;
    occKey.push(i);
    occWord.push(word);
    occWeight.push(weight);
  };
  const { wordOf } = p;
  for (let n = options.ngramMin; n <= options.ngramMax; n++) {
    // Bigrams exactly as written ('장애' ≠ '공장에'), longer n-grams in the match form.
    const compact = n <= 2 ? p.plainCompact : p.compact;
    for (let i = 0; i + n <= compact.length; i++) add('g:' + compact.slice(i, i + n), wordOf[i]!);
  }
  p.matchWords.forEach((w, i) => {
    const stem = stripParticle(w);
    if (stem.length >= 2) add('w:' + stem, i);
  });
  for (const h of hits) add('k:' + h.term.text, h.word);

  let g = 0;
  let w = 0;
  let k = 0;
  for (let i = 0; i < keys.length; i++) {
    const block = keys[i]!.charCodeAt(0);
    if (block === 103 /* g */) g += raw[i]!;
    else if (block === 119 /* w */) w += raw[i]!;
    else k += raw[i]!;
  }
  // The square roots of the counts have, squared and summed, the block's total count.
  const gScale = g > 0 ? options.ngramScale / Math.sqrt(g) : 0;
  const wScale = w > 0 ? options.wordScale / Math.sqrt(w) : 0;
  const kScale = k > 0 ? options.keywordScale / Math.sqrt(k) : 0;
  const values = new Float64Array(keys.length);
  const factors = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const block = keys[i]!.charCodeAt(0);
    const scale = block === 103 ? gScale : block === 119 ? wScale : kScale;
    const r = raw[i]!;
    values[i] = Math.sqrt(r) * scale;
    factors[i] = values[i]! / r;
  }
  return {
    keys,
    values,
    factors,
    occKey: Int32Array.from(occKey),
    occWord: Int32Array.from(occWord),
    occWeight: Float64Array.from(occWeight),
  };
}
