// Predict: trained models + a message's text → its kind, department and ranked candidates.
// The kind model's verdict is corrected by the labeling rules (decideKind); `pureThanks` (safe to
// close automatically) is granted only to confident thanks in which every sentence thanks,
// praises or greets. No randomness: the same text always gets the same prediction.
import type { DepartmentRule } from '../router.js';
import { COMPLAINT, KINDS, SPAM, THANKS, handFeatures, type Analyse, type Analysed } from './analyse.js';
import { logits, softmax } from './linear.js';
import { jamoShare } from './markers.js';
import type { ClassifierOptions } from './options.js';
import type { TrainedModels } from './train.js';

const MAX_CANDIDATES = 3;

/** Everything a trained router holds. */
export interface RouterModel extends TrainedModels {
  departments: DepartmentRule[];
  /** Index of the triage department (thanks, spam, and messages with nothing to go on). */
  triage: number;
  options: ClassifierOptions;
  analyse: Analyse;
}

/** A message's features in the models' columns (features the training never saw are left out). */
export interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
  keys: string[];
}

export interface Prediction {
  analysed: Analysed;
  /** Index into KINDS. */
  kind: number;
  kindConfidence: number;
  pureThanks: boolean;
  /** Index of the department the message goes to. */
  chosen: number;
  /** Probability, per department, that it is the right one given the kind's uncertainty. */
  combined: number[];
  /** The chosen department first, then the likeliest others; at most MAX_CANDIDATES. */
  candidates: { d: number; score: number }[];
  /** The vectors the kind and department models read, kept for the explanation. */
  kindVector: SparseVector;
  deptVector: SparseVector;
}

/** The kind model's input (text features scaled, plus hand cues) or the department model's. */
export function sparse(
  a: Analysed,
  dictionary: ReadonlyMap<string, number>,
  withHand: boolean,
  kindTextScale: number,
): SparseVector {
  const keys: string[] = [];
  const idx: number[] = [];
  const val: number[] = [];
  const scale = withHand ? kindTextScale : 1;
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
export function decideKind(pk: Float64Array, a: Analysed): { kind: number; kindConfidence: number } {
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

function kindProbabilities(model: RouterModel, v: SparseVector): Float64Array {
  return softmax(logits(model.kindModel, v.idx, v.val, null, new Float64Array(KINDS.length)));
}

/** Kind and confidence; thanks whose other sentences, read alone, are a complaint is a complaint. */
function predictKind(model: RouterModel, a: Analysed, pk: Float64Array): { kind: number; kindConfidence: number } {
  let { kind, kindConfidence } = decideKind(pk, a);
  if (kind === THANKS && a.cues.plainText !== '') {
    const rest = model.analyse(a.cues.plainText);
    const pr = kindProbabilities(model, sparse(rest, model.dictionary, true, model.options.kindTextScale));
    if (pr[COMPLAINT]! >= model.options.remainderComplaintMin) {
      kind = COMPLAINT;
      kindConfidence = pr[COMPLAINT]!;
    }
  }
  return { kind, kindConfidence };
}

/** Thanks and nothing else, confidently: no request, turn, problem, question or negation anywhere. */
function isPureThanks(model: RouterModel, a: Analysed, kind: number, pk: Float64Array): boolean {
  const { cues } = a;
  return (
    kind === THANKS &&
    pk[THANKS]! >= model.options.pureThanksMin &&
    cues.thanks > 0 &&
    cues.request === 0 &&
    cues.contrast === 0 &&
    cues.problem === 0 &&
    !cues.question &&
    !cues.negation &&
    cues.plainSentences === 0 &&
    cues.spam === 0 &&
    cues.abuse === 0
  );
}

/** The prediction for a message, or null when it has nothing to read (only spaces or punctuation). */
export function predict(model: RouterModel, text: string): Prediction | null {
  const a = model.analyse(text);
  if (a.p.compact === '') return null;
  const { departments, triage } = model;
  const D = departments.length;

  // Kind.
  const kindVector = sparse(a, model.dictionary, true, model.options.kindTextScale);
  const pk = kindProbabilities(model, kindVector);
  const { kind, kindConfidence } = predictKind(model, a, pk);
  const pureThanks = isPureThanks(model, a, kind, pk);

  // Department, for complaints; thanks and spam go to triage.
  const deptVector = sparse(a, model.dictionary, false, model.options.kindTextScale);
  const pd = softmax(logits(model.deptModel, deptVector.idx, deptVector.val, a.prior, new Float64Array(D)));
  let best = 0;
  for (let d = 1; d < D; d++) if (pd[d]! > pd[best]!) best = d;
  const chosen = kind === COMPLAINT ? best : triage;
  // Probability that each department is the right one, given the kind uncertainty.
  const pComplaint = kind === COMPLAINT ? kindConfidence : 1 - kindConfidence;
  const combined = Array.from(pd, (p, d) => pComplaint * p + (d === triage ? 1 - pComplaint : 0));
  const candidates = combined
    .map((score, d) => ({ d, score }))
    .sort((x, y) => (x.d === chosen ? -1 : y.d === chosen ? 1 : y.score - x.score || x.d - y.d))
    .slice(0, MAX_CANDIDATES);

  return { analysed: a, kind, kindConfidence, pureThanks, chosen, combined, candidates, kindVector, deptVector };
}
