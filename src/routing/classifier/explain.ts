// Explain: a prediction → the reasons shown to staff. For a complaint, the words (a keyword in
// its canonical spelling where one matched) that pushed the department model most towards the
// chosen department; for thanks and spam, the hand cues found and the words that pushed the kind
// model towards that kind. Strongest first, at most MAX_REASONS.
import { THANKS, isDepartmentKind, type Analysed } from './analyse.js';
import type { LinearModel } from './linear.js';
import { CONTRAST_CUES, REQUEST_CUES, SPAM_CUES, THANKS_CUES } from './markers.js';
import type { Prediction, RouterModel, SparseVector } from './predict.js';
import { stripParticle } from './text.js';

const MAX_REASONS = 5;
/** A reason shown as a whole word only up to this length; longer runs show their best n-gram. */
const MAX_WORD_DISPLAY = 8;

/**
 * Words no person would call a reason: pronouns, demonstratives, places relative to something
 * ('앞', '옆'), time words, intensifiers, connectives and forms of 있다/하다/되다.
 */
const STOP_WORDS = new Set(
  (
    '그 이 저 것 거 게 걸 건 수 등 때 데 분 번 명 개 중 쪽 곳 뭐 왜 좀 또 더 안 못 잘 다 앞 뒤 옆 위 밑 아래 안쪽 근처 ' +
    '저희 우리 제가 저는 저도 제 나 내 너 그거 이거 저거 그것 이것 여기 거기 저기 이곳 그곳 이번 저번 지난번 ' +
    '오늘 어제 내일 지금 요즘 아까 방금 매일 맨날 항상 계속 자꾸 아직 이미 벌써 다시 또한 그냥 정말 진짜 너무 매우 아주 많이 ' +
    '조금 제발 빨리 얼른 혹시 그리고 그런데 근데 그래서 하지만 그러나 또는 그럼 ' +
    '있어요 있습니다 있는데 있고 있어서 있는 없어요 없습니다 없고 없는 해요 합니다 하고 하는 하는데 해서 했어요 했는데 됐어요 돼요 되요 됩니다 ' +
    '같아요 같은데 같습니다 같은 이런 저런 그런 어떤 무슨 ' +
    '구청장님 구청장 구청 님 씨 안녕하세요 안녕하십니까 여러분'
  ).split(' '),
);

/** One-character words that do carry meaning ('차가' → '차'): kept as reasons. */
const MEANINGFUL_SINGLE = new Set('차 물 불 길 집 개 쥐 눈 비 똥 벽 문 턱 땅 산 약 빛 벌 뱀 쌀 돈 빚 병 담'.split(' '));

/** A content word worth showing: no stop word, number, bare jamo or one-character fragment. */
export function isContentWord(word: string): boolean {
  if (word === '' || STOP_WORDS.has(word)) return false;
  if (/\p{N}/u.test(word)) return false;
  if (/^[\u3131-\u318e]+$/u.test(word)) return false;
  if ([...word].length < 2) return MEANINGFUL_SINGLE.has(word);
  // Two characters that are a particle on a fragment ('만에', '앞에') or a form of 있다, 하다,
  // 되다, 같다 ('있다', '했고') carry nothing.
  if (word.length === 2 && !MEANINGFUL_SINGLE.has(word[0]!) && /[을를은는에]$/u.test(word)) return false;
  if (/^(?:있|없|하|해|했|되|돼|됐|같|만|나|났|가|갔|사|싶)[다고는은서요게지면네데던]$/u.test(word) && !/^(?:사고|가게|나는)$/u.test(word)) return false;
  return true;
}

/** A word shown without its particle; a one-character noun keeps its meaning ('차가' → '차'). */
function displayStem(word: string): string {
  const stem = stripParticle(word);
  if (stem !== word) return stem;
  const first = word.slice(0, 1);
  if (word.length === 2 && MEANINGFUL_SINGLE.has(first) && /[이가을를은는에도]$/u.test(word)) return first;
  return word;
}

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
    const stem = displayStem(w);
    if (!isContentWord(stem)) return;
    if (skipFunctionWords && isFunctionWord(w)) {
      fallbackTerms.set(stem, (fallbackTerms.get(stem) ?? 0) + score);
      return;
    }
    // A longer run of glued words is shown by its strongest n-gram only when that is a word of
    // its own (a keyword would have been shown above): no fragments.
    if (stem.length <= MAX_WORD_DISPLAY) return add(stem, score);
    const gram = bestGram.get(i);
    if (gram && a.p.words.includes(gram.text)) add(gram.text, score);
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

const EMOJI = /\p{Extended_Pictographic}/gu;

/**
 * The words of the message that carry its thanks (or its advert, abuse or chatter): the words
 * a cue matched, as written, and for a message of emoji only, its emoji.
 */
export function cueWords(a: Analysed, kind: number): string[] {
  const cues = kind === THANKS ? THANKS_CUES : SPAM_CUES;
  // Whole words as written: a cue word without its ending would be a fragment ('고맙데이' → '고맙데').
  const words = a.p.words.filter((w) => cues.some((c) => c.pattern.test(w)) && isContentWord(w));
  if (kind === THANKS && words.length === 0) words.push(...new Set(a.p.raw.match(EMOJI) ?? []));
  return [...new Set(words)];
}

/** The reasons of a prediction, as shown to staff. */
export function explain(model: RouterModel, prediction: Prediction): string[] {
  const { analysed: a, kind, chosen } = prediction;
  if (isDepartmentKind(kind)) return explainClass(a, model.deptModel, chosen, prediction.deptVector, true, true);
  const found = cueWords(a, kind);
  const learned = explainClass(a, model.kindModel, kind, prediction.kindVector, false, false).filter((t) => !found.some((f) => f.startsWith(t)));
  return [...found, ...learned].slice(0, MAX_REASONS);
}
