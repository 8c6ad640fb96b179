// Predict: trained models + a message's text → its kind, department and ranked candidates.
// The kind model's verdict is corrected by the labeling rules (decideKind); `pureThanks` (safe to
// close automatically) is granted only to confident thanks in which every sentence thanks,
// praises or greets. No randomness: the same text always gets the same prediction.
import type { DepartmentRule } from '../router.js';
import { COMPLAINT, KINDS, SPAM, THANKS, handFeatures, isDepartmentKind, type Analyse, type Analysed } from './analyse.js';
import { logits, softmax } from './linear.js';
import { THANKS_CUES, jamoShare } from './markers.js';
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

/** The likeliest of the kinds that go to a department (complaint, proposal, question). */
function bestDepartmentKind(pk: Float64Array): number {
  let best = COMPLAINT;
  for (let k = 0; k < KINDS.length; k++) if (isDepartmentKind(k) && pk[k]! > pk[best]!) best = k;
  return best;
}

/** Share of the department kinds' probability that `k` holds. */
function withinDepartmentKinds(pk: Float64Array, k: number): number {
  let sum = 0;
  for (let j = 0; j < KINDS.length; j++) if (isDepartmentKind(j)) sum += pk[j]!;
  return pk[k]! / (sum || 1);
}

/** No cue that the message wants, reports, suggests or asks anything: thanks may be closed. */
export function noRequestOrProblem(a: Analysed): boolean {
  const { cues } = a;
  return (
    cues.request === 0 &&
    cues.contrast === 0 &&
    cues.openProblem === 0 &&
    !cues.question &&
    !cues.negation &&
    cues.problemSentences === 0 &&
    cues.spam === 0 &&
    cues.abuse === 0 &&
    cues.sarcasm === 0 &&
    cues.proposal === 0 &&
    cues.inquiry === 0
  );
}

/** Evidence of its own that a message is spam: an advert without a complaint word, abuse, chatter, bare jamo. */
function hasSpamEvidence(a: Analysed): boolean {
  const { cues } = a;
  return (cues.spam > 0 && cues.problem === 0) || cues.abuse > 0 || cues.chatter > 0 || jamoShare(a.p) >= 0.5;
}

/** Short enough that the models have little to read: the cues get a second look. */
const SHORT_CHARS = 20;

/**
 * The kind from the kind model's probabilities, corrected by the cues the
 * labeling rules rest on:
 *  - spam needs evidence of its own (an advert without any complaint word,
 *    abuse, chatter, bare jamo): a resident's message is never dropped
 *    because it merely looks unusual;
 *  - abuse with no problem and no topic is spam (short hostile messages:
 *    '구청장 사퇴해라' is abuse even though it is phrased as a demand);
 *  - thanks that also asks, suggests or reports something, turns ('그런데 …')
 *    or is sarcastic, goes to a department (complaint, proposal or question);
 *    so does "thanks" without a word of thanks, praise or greeting;
 *  - thanks cues with nothing else, which the model doubts on a short or
 *    unusual message (dialect, emoji), are thanks after all.
 */
export function decideKind(pk: Float64Array, a: Analysed): { kind: number; kindConfidence: number } {
  const { cues } = a;
  let kind = COMPLAINT;
  for (let k = 1; k < KINDS.length; k++) if (pk[k]! > pk[kind]!) kind = k;
  let kindConfidence = pk[kind]!;
  const spamEvidence = hasSpamEvidence(a);
  if (kind === SPAM && !spamEvidence) {
    kind = pk[THANKS]! > pk[bestDepartmentKind(pk)]! ? THANKS : bestDepartmentKind(pk);
    kindConfidence = pk[kind]! / (1 - pk[SPAM]! || 1);
  }
  const short = a.p.compact.length <= SHORT_CHARS;
  if (
    kind !== SPAM &&
    cues.abuse > 0 &&
    cues.problem === 0 &&
    a.topicScore === 0 &&
    (short || (cues.request === 0 && cues.proposal === 0 && cues.inquiry === 0))
  ) {
    kind = SPAM;
    kindConfidence = Math.max(pk[SPAM]!, 0.6);
  }
  if (kind === THANKS && (cues.request > 0 || cues.contrast > 0 || cues.sarcasm > 0 || cues.proposal > 0 || cues.still)) {
    kind = bestDepartmentKind(pk);
    kindConfidence = Math.max(withinDepartmentKinds(pk, kind), cues.request > 0 ? 0.8 : 0.6);
  }
  // Thanks without a single word of thanks, praise or greeting, with a sentence reporting a
  // problem apart from the thanks, or naming a problem that is not over, goes to a department.
  if (kind === THANKS && (cues.thanks === 0 || cues.problemSentences > 0 || cues.openProblem > 0)) {
    kind = bestDepartmentKind(pk);
    kindConfidence = Math.max(withinDepartmentKinds(pk, kind), 0.6);
  }
  const noSpamEvidence = cues.spam === 0 && cues.abuse === 0 && cues.chatter === 0 && jamoShare(a.p) < 0.5;
  if (
    kind !== THANKS &&
    (kind !== SPAM || noSpamEvidence) &&
    cues.thanks > 0 &&
    noRequestOrProblem(a) &&
    (a.topicScore === 0 || pk[THANKS]! >= 0.2)
  ) {
    kind = THANKS;
    kindConfidence = Math.max(pk[THANKS]!, 0.6);
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
    const department = bestDepartmentKind(pr);
    if (1 - pr[THANKS]! - pr[SPAM]! >= model.options.remainderComplaintMin) {
      kind = department;
      kindConfidence = 1 - pr[THANKS]! - pr[SPAM]!;
    }
  }
  return { kind, kindConfidence };
}

/** Words that only greet or address, which a short thanks may hold besides its thanks. */
const COURTESY_WORD = /^(?:구청장님?|구청|직원분들?|공무원분들?|선생님|주무관님|여러분|님|늘|항상|정말|진짜|참|너무|넘|많이|모두|다들|오늘도|앞으로도|계속|쭉|와|우와|아따|ㅎㅎ|ㅋㅋ|ㅠㅠ|요|용|당|네|넵|예)$/u;

/**
 * Thanks and nothing else: safe to close automatically. Every veto must be clear (no request,
 * turn, problem, question, negation, proposal, sarcasm, advert or abuse anywhere, and every
 * sentence thanks, praises or greets); then either the kind model is confident, or, for a
 * short message, every word is itself thanks or courtesy (the second look).
 */
function isPureThanks(model: RouterModel, a: Analysed, kind: number, pk: Float64Array): boolean {
  if (kind !== THANKS || a.cues.thanks === 0 || !noRequestOrProblem(a)) return false;
  if (a.cues.plainSentences > 0) {
    // A sentence without thanks ('요즘 산책할 맛 납니다') must name no department's topic and
    // read as no request on its own.
    const rest = model.analyse(a.cues.plainText);
    if (rest.topicScore > 0) return false;
    const pr = kindProbabilities(model, sparse(rest, model.dictionary, true, model.options.kindTextScale));
    if (1 - pr[THANKS]! - pr[SPAM]! >= model.options.plainRequestMax) return false;
  }
  if (pk[THANKS]! >= model.options.pureThanksMin) return true;
  if (a.p.compact.length > SHORT_CHARS) return false;
  return a.p.words.every((w) => COURTESY_WORD.test(w) || isThanksWord(w));
}

function isThanksWord(word: string): boolean {
  return THANKS_CUES.some((c) => c.pattern.test(word));
}

/** The prediction for a message, or null when it has nothing to read (only spaces or punctuation). */
export function predict(model: RouterModel, text: string): Prediction | null {
  const a = model.analyse(text);
  if (a.p.compact === '' && a.cues.positiveEmoji === 0) return null;
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
  const chosen = isDepartmentKind(kind) ? best : triage;
  // Probability that each department is the right one, given the kind uncertainty.
  // For a department, every kind that goes to one counts (complaint, proposal, question).
  let pDepartmentKinds = 0;
  for (let k = 0; k < KINDS.length; k++) if (isDepartmentKind(k)) pDepartmentKinds += pk[k]!;
  // Kinds the labeling rules exclude (decideKind) take no share: a message that asks for
  // something is never thanks, one without evidence of spam never spam.
  let excluded = 0;
  if (a.cues.request > 0) excluded += pk[THANKS]!;
  if (!hasSpamEvidence(a)) excluded += pk[SPAM]!;
  pDepartmentKinds /= Math.max(1 - excluded, 1e-9);
  const pComplaint = isDepartmentKind(kind) ? Math.max(kindConfidence, Math.min(pDepartmentKinds, 1)) : 1 - kindConfidence;
  const combined = Array.from(pd, (p, d) => pComplaint * p + (d === triage ? 1 - pComplaint : 0));
  const candidates = combined
    .map((score, d) => ({ d, score }))
    .sort((x, y) => (x.d === chosen ? -1 : y.d === chosen ? 1 : y.score - x.score || x.d - y.d))
    .slice(0, MAX_CANDIDATES);

  return { analysed: a, kind, kindConfidence, pureThanks, chosen, combined, candidates, kindVector, deptVector };
}
