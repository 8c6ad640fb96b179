/**
 * Learned router: trained in memory from labeled examples and the
 * departments' keyword rules (no I/O here; the caller passes both).
 *
 * Two linear models share one feature space:
 *  - the kind model (complaint / thanks / spam) reads character n-grams,
 *    words, keywords and hand-written cues (markers.ts);
 *  - the department model, trained on complaints only, reads the same text
 *    features plus every department's keyword score as a prior.
 * Thanks and spam go to the triage department (AUDIT). The kind model's
 * verdict is corrected by the labeling rules (decideKind): a message that
 * thanks and also asks for something, or reports a problem besides the thanks,
 * is a complaint; spam needs evidence of its own. `pureThanks` (safe to close
 * automatically) is granted only to confident thanks in which every sentence
 * thanks, praises or greets, with no request, question, turn ('그런데 …'),
 * problem word or negation anywhere: a complaint closed as thanks is the
 * worst error, a thanks left for a person to close costs little.
 *
 * Deterministic: seeded training order, no randomness at routing time.
 */
import type { DepartmentRule, MessageKind, Router, RoutingDecision, TrainingExample } from '../router.js';
import { extractFeatures, type FeatureOptions, type FeatureVector } from './features.js';
import { compileKeywords, type KeywordHit, type KeywordMatcher } from './keywords.js';
import { logits, softmax, trainLinear, type LinearModel, type Sample } from './linear.js';
import { CONTRAST_CUES, REQUEST_CUES, THANKS_CUES, findCues, jamoShare, type CueCounts } from './markers.js';
import { prepare, stripParticle, type PreparedText } from './text.js';

export type { TrainingExample } from '../router.js';

export interface ClassifierOptions extends FeatureOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  /** Starting weight of the keyword prior in the department model. */
  priorWeight: number;
  /** Class weights ∝ (largest class / class size)^balance. */
  balance: number;
  kindEpochs: number;
  kindBalance: number;
  /** Scale of the text features in the kind model (the hand cues have scale 1). */
  kindTextScale: number;
  /** Minimum thanks probability for pureThanks. */
  pureThanksMin: number;
  /**
   * Thanks whose other sentences, read alone, are a complaint with at least
   * this probability is a complaint ('정말 감사합니다. 고지서가 옛 주소로 와요').
   */
  remainderComplaintMin: number;
  /**
   * Every how many complaints one is copied with a courtesy phrase added
   * ('… 해 주세요. 감사합니다'), to teach the kind model that thanks around a
   * request is still a complaint (the examples hold none). 0 = off.
   */
  courtesyEvery: number;
  /** Only complaints with an explicit request get the courtesy copy. */
  courtesyRequestOnly: boolean;
}

export const DEFAULT_OPTIONS: ClassifierOptions = {
  ngramMin: 2,
  ngramMax: 3,
  requestSentenceBoost: 0.5,
  ngramScale: 1,
  wordScale: 0.5,
  keywordScale: 0.7,
  epochs: 8,
  learningRate: 0.3,
  l2: 1e-4,
  seed: 20240601,
  priorWeight: 1,
  balance: 0.5,
  kindEpochs: 8,
  kindBalance: 0.5,
  kindTextScale: 1,
  pureThanksMin: 0.8,
  remainderComplaintMin: 0.7,
  courtesyEvery: 2,
  courtesyRequestOnly: true,
};

/** Greetings and thanks residents wrap requests in. */
const COURTESY_BEFORE = ['구청장님 늘 수고 많으십니다.', '항상 감사드립니다.', '안녕하세요 늘 고생 많으세요~', '구청장님 응원합니다!'];
const COURTESY_AFTER = ['감사합니다', '수고하세요^^', '고맙습니다!', '미리 감사드려요', '늘 감사합니다 🙏'];

const KINDS: MessageKind[] = ['complaint', 'thanks', 'spam'];
const COMPLAINT = 0;
const THANKS = 1;
const SPAM = 2;
const MAX_REASONS = 5;
const MAX_CANDIDATES = 3;
/** A reason shown as a whole word only up to this length; longer runs show their best n-gram. */
const MAX_WORD_DISPLAY = 8;

interface Analysed {
  p: PreparedText;
  hits: KeywordHit[];
  prior: Float64Array;
  keywordTotal: number;
  /** Keyword score of the departments other than triage. */
  topicScore: number;
  cues: CueCounts;
  vector: FeatureVector;
}

/** Readable labels of the hand-written kind cues, used as reasons for thanks and spam. */
const HAND_LABELS: Record<string, string> = {
  'h:thanks': '감사 표현',
  'h:spam': '광고 표현',
  'h:abuse': '욕설',
  'h:chatter': '잡담',
  'h:jamo': '자모만 입력',
};

function handFeatures(a: Omit<Analysed, 'vector'>): [string, number][] {
  const { cues, p } = a;
  const out: [string, number][] = [
    ['h:bias', 1],
    ['h:request', Math.log1p(cues.request)],
    ['h:problem', Math.log1p(cues.problem)],
    ['h:contrast', cues.contrast > 0 ? 1 : 0],
    ['h:thanks', Math.log1p(cues.thanks)],
    ['h:spam', Math.log1p(cues.spam)],
    ['h:abuse', Math.log1p(cues.abuse)],
    ['h:chatter', Math.log1p(cues.chatter)],
    ['h:question', cues.question ? 1 : 0],
    ['h:requestAtEnd', cues.requestAtEnd ? 1 : 0],
    ['h:thanksOnly', cues.thanks > 0 && cues.request === 0 && cues.problem === 0 ? 1 : 0],
    ['h:plain', Math.log1p(cues.plainSentences)],
    ['h:plainShare', cues.plainSentences / Math.max(p.sentenceCount, 1)],
    ['h:problemSentences', Math.log1p(cues.problemSentences)],
    ['h:keywords', Math.log1p(a.keywordTotal) / 2],
    ['h:noKeywords', a.keywordTotal === 0 ? 1 : 0],
    ['h:jamo', jamoShare(p)],
    ['h:short', p.compact.length <= 15 ? 1 : 0],
    ['h:long', p.compact.length >= 80 ? 1 : 0],
  ];
  return out.filter(([, v]) => v !== 0);
}

const FUNCTION_WORD_CUES = [...REQUEST_CUES, ...CONTRAST_CUES, ...THANKS_CUES];

function isFunctionWord(word: string): boolean {
  return FUNCTION_WORD_CUES.some((c) => c.pattern.test(word));
}

function fallbackIndex(departments: DepartmentRule[]): number {
  const audit = departments.findIndex((d) => d.code === 'AUDIT');
  if (audit >= 0) return audit;
  const other = departments.findIndex((d) => d.category === 'other');
  return other >= 0 ? other : 0;
}

/**
 * The kind from the kind model's probabilities, corrected by the cues the
 * labeling rules rest on:
 *  - spam needs evidence of its own (an advert without any complaint word,
 *    abuse, chatter, bare jamo): a resident's message is never dropped
 *    because it merely looks unusual;
 *  - abuse with no request, no problem and no topic is spam;
 *  - thanks that also asks for something, or turns ('그런데 …'), is a complaint;
 *    so is "thanks" without a word of thanks, praise or greeting, or with a
 *    sentence that reports a problem.
 */
function decideKind(pk: Float64Array, a: Analysed): { kind: number; kindConfidence: number } {
  const { cues } = a;
  let kind = COMPLAINT;
  for (let k = 1; k < KINDS.length; k++) if (pk[k]! > pk[kind]!) kind = k;
  let kindConfidence = pk[kind]!;
  const spamEvidence =
    (cues.spam > 0 && cues.problem === 0) || cues.abuse > 0 || cues.chatter > 0 || jamoShare(a.p) >= 0.5;
  if (kind === SPAM && !spamEvidence) {
    kind = pk[THANKS]! > pk[COMPLAINT]! ? THANKS : COMPLAINT;
    kindConfidence = pk[kind]! / (pk[COMPLAINT]! + pk[THANKS]!);
  }
  if (kind === COMPLAINT && cues.abuse > 0 && cues.request === 0 && cues.problem === 0 && a.topicScore === 0) {
    kind = SPAM;
    kindConfidence = Math.max(pk[SPAM]!, 0.6);
  }
  if (kind === THANKS && (cues.request > 0 || cues.contrast > 0)) {
    kind = COMPLAINT;
    kindConfidence = Math.max(pk[COMPLAINT]!, cues.request > 0 ? 0.8 : 0.6);
  }
  // Thanks without a single word of thanks, praise or greeting, or with a sentence
  // reporting a problem apart from the thanks, is a complaint.
  if (kind === THANKS && (cues.thanks === 0 || cues.problemSentences > 0)) {
    kind = COMPLAINT;
    kindConfidence = Math.max(pk[COMPLAINT]!, 0.6);
  }
  return { kind, kindConfidence };
}

export function trainRouter(
  input: { departments: DepartmentRule[]; examples: TrainingExample[] },
  overrides: Partial<ClassifierOptions> = {},
): Router {
  const options: ClassifierOptions = { ...DEFAULT_OPTIONS, ...overrides };
  const departments = input.departments;
  if (departments.length === 0) throw new Error('trainRouter: no departments');
  const matcher: KeywordMatcher = compileKeywords(departments);
  const deptIndex = new Map(departments.map((d, i) => [d.code, i]));
  const triage = fallbackIndex(departments);
  const D = departments.length;

  function analyse(text: string): Analysed {
    const p = prepare(text);
    const hits = matcher.match(p);
    const scores = matcher.scores(hits);
    let keywordTotal = 0;
    let topicScore = 0;
    const prior = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      keywordTotal += scores[d]!;
      if (d !== triage) topicScore += scores[d]!;
      prior[d] = Math.log1p(scores[d]!);
    }
    const cues = findCues(p);
    const vector = extractFeatures(p, hits, cues.asking, options);
    return { p, hits, prior, keywordTotal, topicScore, cues, vector };
  }

  // ---- training ------------------------------------------------------------
  const dictionary = new Map<string, number>();
  const indexOf = (key: string) => {
    let i = dictionary.get(key);
    if (i === undefined) {
      i = dictionary.size;
      dictionary.set(key, i);
    }
    return i;
  };

  const deptRaw: { keys: number[]; vals: number[]; prior: Float64Array; label: number }[] = [];
  const kindRaw: { keys: number[]; vals: number[]; label: number; copy: boolean }[] = [];
  const addKind = (a: Analysed, label: number, copy: boolean) => {
    const keys: number[] = [];
    const vals: number[] = [];
    a.vector.keys.forEach((key, i) => {
      keys.push(indexOf(key));
      vals.push(a.vector.values[i]! * options.kindTextScale);
    });
    for (const [key, v] of handFeatures(a)) {
      keys.push(indexOf(key));
      vals.push(v);
    }
    kindRaw.push({ keys, vals, label, copy });
  };
  let complaintsSeen = 0;
  for (const ex of input.examples) {
    const kind = KINDS.indexOf(ex.kind);
    if (kind < 0 || typeof ex.text !== 'string') continue;
    const a = analyse(ex.text);
    const keys: number[] = [];
    const vals: number[] = [];
    a.vector.keys.forEach((key, i) => {
      keys.push(indexOf(key));
      vals.push(a.vector.values[i]!);
    });
    if (kind === COMPLAINT) {
      const dept = deptIndex.get(ex.department);
      if (dept !== undefined) deptRaw.push({ keys, vals, prior: a.prior, label: dept });
    }
    addKind(a, kind, false);
    if (
      kind === COMPLAINT &&
      options.courtesyEvery > 0 &&
      (!options.courtesyRequestOnly || a.cues.request > 0) &&
      complaintsSeen++ % options.courtesyEvery === 0
    ) {
      const n = complaintsSeen;
      const text =
        n % 2 === 0
          ? `${COURTESY_BEFORE[n % COURTESY_BEFORE.length]} ${ex.text}`
          : `${ex.text} ${COURTESY_AFTER[n % COURTESY_AFTER.length]}`;
      addKind(analyse(text), COMPLAINT, true);
    }
  }
  const F = dictionary.size;

  const classWeights = (labels: number[], classes: number, balance: number) => {
    const counts = new Array<number>(classes).fill(0);
    for (const l of labels) counts[l]!++;
    const max = Math.max(...counts);
    return counts.map((n) => (n > 0 ? Math.pow(max / n, balance) : 0));
  };
  const dw = classWeights(deptRaw.map((s) => s.label), D, options.balance);
  // Class weights from the examples as given (courtesy copies would inflate the complaints).
  const kw = classWeights(
    kindRaw.filter((s) => !s.copy).map((s) => s.label),
    KINDS.length,
    options.kindBalance,
  );
  const meanWeight = (samples: { label: number }[], w: number[]) =>
    samples.reduce((sum, s) => sum + w[s.label]!, 0) / Math.max(samples.length, 1);
  const dNorm = meanWeight(deptRaw, dw) || 1;
  const kNorm = meanWeight(kindRaw, kw) || 1;

  const deptSamples: Sample[] = deptRaw.map((s) => ({
    idx: Int32Array.from(s.keys),
    val: Float64Array.from(s.vals),
    prior: s.prior,
    label: s.label,
    weight: dw[s.label]! / dNorm,
  }));
  const kindSamples: Sample[] = kindRaw.map((s) => ({
    idx: Int32Array.from(s.keys),
    val: Float64Array.from(s.vals),
    prior: null,
    label: s.label,
    weight: kw[s.label]! / kNorm,
  }));

  const deptModel: LinearModel = trainLinear(deptSamples, F, D, {
    epochs: options.epochs,
    learningRate: options.learningRate,
    l2: options.l2,
    seed: options.seed,
    priorWeight: options.priorWeight,
  });
  const kindModel: LinearModel = trainLinear(kindSamples, F, KINDS.length, {
    epochs: options.kindEpochs,
    learningRate: options.learningRate,
    l2: options.l2,
    seed: options.seed + 1,
    priorWeight: 0,
  });

  // ---- prediction ------------------------------------------------------------
  function sparse(a: Analysed, withHand: boolean): { idx: Int32Array; val: Float64Array; keys: string[] } {
    const keys: string[] = [];
    const idx: number[] = [];
    const val: number[] = [];
    const scale = withHand ? options.kindTextScale : 1;
    a.vector.keys.forEach((key, k) => {
      const i = dictionary.get(key);
      if (i === undefined) return;
      keys.push(key);
      idx.push(i);
      val.push(a.vector.values[k]! * scale);
    });
    if (withHand) {
      for (const [key, v] of handFeatures(a)) {
        const i = dictionary.get(key);
        if (i === undefined) continue;
        keys.push(key);
        idx.push(i);
        val.push(v);
      }
    }
    return { idx: Int32Array.from(idx), val: Float64Array.from(val), keys };
  }

  /**
   * Contribution of every word (and keyword) to class c against the average
   * class; returns readable terms, strongest first.
   */
  function explain(
    a: Analysed,
    model: LinearModel,
    c: number,
    vector: { idx: Int32Array; val: Float64Array; keys: string[] },
    withPrior: boolean,
    skipFunctionWords: boolean,
  ): string[] {
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
    const terms = new Map<string, number>();
    const add = (term: string, score: number) => terms.set(term, (terms.get(term) ?? 0) + score);
    const fallbackTerms = new Map<string, number>();
    // A word that contains a keyword is shown as that keyword (its canonical spelling).
    const keywordOfWord = new Map<number, string>();
    for (const h of a.hits) {
      const prev = keywordOfWord.get(h.word);
      if (!prev || h.term.display.length > prev.length) keywordOfWord.set(h.word, h.term.display);
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

  function handReasons(a: Analysed, kind: number): string[] {
    const wanted =
      kind === THANKS ? ['h:thanks'] : ['h:spam', 'h:abuse', 'h:chatter', 'h:jamo'];
    const present = handFeatures(a).map(([k]) => k);
    return wanted.filter((k) => present.includes(k)).map((k) => HAND_LABELS[k]!);
  }

  const fallback = (): RoutingDecision => {
    const d = departments[triage]!;
    return {
      category: d.category,
      department: d.code,
      confidence: 0,
      reasons: [],
      kind: 'complaint',
      kindConfidence: 0,
      pureThanks: false,
      candidates: [{ department: d.code, category: d.category, score: 0 }],
    };
  };

  const round = (x: number) => Math.round(x * 1000) / 1000;

  return {
    route(text: string): RoutingDecision {
      if (typeof text !== 'string') return fallback();
      const a = analyse(text);
      if (a.p.compact === '') return fallback();

      // Kind.
      const kv = sparse(a, true);
      const pk = softmax(logits(kindModel, kv.idx, kv.val, null, new Float64Array(KINDS.length)));
      const { cues } = a;
      let { kind, kindConfidence } = decideKind(pk, a);
      if (kind === THANKS && cues.plainText !== '') {
        const rest = analyse(cues.plainText);
        const rv = sparse(rest, true);
        const pr = softmax(logits(kindModel, rv.idx, rv.val, null, new Float64Array(KINDS.length)));
        if (pr[COMPLAINT]! >= options.remainderComplaintMin) {
          kind = COMPLAINT;
          kindConfidence = pr[COMPLAINT]!;
        }
      }
      const pureThanks =
        kind === THANKS &&
        pk[THANKS]! >= options.pureThanksMin &&
        cues.thanks > 0 &&
        cues.request === 0 &&
        cues.contrast === 0 &&
        cues.problem === 0 &&
        !cues.question &&
        !cues.negation &&
        cues.plainSentences === 0 &&
        cues.spam === 0 &&
        cues.abuse === 0;

      // Department, for complaints; thanks and spam go to triage.
      const dv = sparse(a, false);
      const pd = softmax(logits(deptModel, dv.idx, dv.val, a.prior, new Float64Array(D)));
      let best = 0;
      for (let d = 1; d < D; d++) if (pd[d]! > pd[best]!) best = d;
      const chosen = kind === COMPLAINT ? best : triage;
      // Probability that each department is the right one, given the kind uncertainty.
      const pComplaint = kind === COMPLAINT ? kindConfidence : 1 - kindConfidence;
      const combined = Array.from(pd, (p, d) => pComplaint * p + (d === triage ? 1 - pComplaint : 0));
      const order = combined
        .map((score, d) => ({ d, score }))
        .sort((x, y) => (x.d === chosen ? -1 : y.d === chosen ? 1 : y.score - x.score || x.d - y.d))
        .slice(0, MAX_CANDIDATES);

      const reasons =
        kind === COMPLAINT
          ? explain(a, deptModel, chosen, dv, true, true)
          : [...handReasons(a, kind), ...explain(a, kindModel, kind, kv, false, false)].slice(0, MAX_REASONS);

      const dept = departments[chosen]!;
      return {
        category: dept.category,
        department: dept.code,
        confidence: round(combined[chosen]!),
        reasons,
        kind: KINDS[kind]!,
        kindConfidence: round(kindConfidence),
        pureThanks,
        candidates: order.map(({ d, score }) => ({
          department: departments[d]!.code,
          category: departments[d]!.category,
          score: round(score),
        })),
      };
    },
  };
}
