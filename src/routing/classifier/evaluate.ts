/**
 * Evaluation of a router on labeled messages: accuracy, macro-F1, kind
 * precision/recall, complaints that would be closed automatically, and the
 * most frequent confusions; plus deterministic stratified k-fold
 * cross-validation. Pure (the eval script does the file reading).
 */
import type { DepartmentRule, MessageKind, Router, RoutingDecision, TrainingExample } from '../router.js';
import { trainRouter, type ClassifierOptions } from './index.js';
import { seededRandom, shuffle } from './linear.js';
import { normalizeMessage } from './text.js';

export interface LabeledMessage extends TrainingExample {
  id?: string;
  category: string;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  /** Labeled with this kind / predicted as this kind / both. */
  actual: number;
  predicted: number;
  correct: number;
}

export interface Evaluation {
  total: number;
  categoryAccuracy: number;
  departmentAccuracy: number;
  departmentMacroF1: number;
  categoryMacroF1: number;
  /** Accuracy on the messages labeled complaint only. */
  complaintDepartmentAccuracy: number;
  thanks: PrecisionRecall;
  spam: PrecisionRecall;
  /** Precision and recall of every kind (the kind sets the legal deadline). */
  perKind: Record<MessageKind, PrecisionRecall>;
  /** Messages of a department kind (complaint, proposal, question) marked pureThanks: must be 0. */
  requestsAutoClosed: number;
  /** Complaints the router marked pureThanks (would be closed without an answer): must be 0. */
  complaintsAutoClosed: number;
  /** Thanks the router marked pureThanks. */
  thanksAutoClosed: number;
  /** true → predicted department, most frequent first. */
  confusions: { actual: string; predicted: string; count: number }[];
  /** Every wrong decision, for inspection. */
  errors: { message: LabeledMessage; decision: RoutingDecision }[];
}

export const SEED = 7;

export const ALL_KINDS: MessageKind[] = ['complaint', 'proposal', 'question', 'thanks', 'spam'];

/** The form in which texts are compared to find overlaps between files. */
export function textKey(text: string): string {
  return normalizeMessage(text).replace(/ /g, '');
}

function macroF1(pairs: [string, string][], labels: Iterable<string>): number {
  const all = new Set(labels);
  let sum = 0;
  let n = 0;
  for (const label of all) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [actual, predicted] of pairs) {
      if (actual === label && predicted === label) tp++;
      else if (predicted === label) fp++;
      else if (actual === label) fn++;
    }
    if (tp + fp + fn === 0) continue;
    sum += (2 * tp) / (2 * tp + fp + fn);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

function precisionRecall(pairs: [MessageKind, MessageKind][], kind: MessageKind): PrecisionRecall {
  const actual = pairs.filter(([a]) => a === kind).length;
  const predicted = pairs.filter(([, p]) => p === kind).length;
  const correct = pairs.filter(([a, p]) => a === kind && p === kind).length;
  return {
    precision: predicted === 0 ? 1 : correct / predicted,
    recall: actual === 0 ? 1 : correct / actual,
    actual,
    predicted,
    correct,
  };
}

/** Scores decisions already made for the messages (same order). */
export function score(messages: LabeledMessage[], decisions: RoutingDecision[]): Evaluation {
  const dept: [string, string][] = [];
  const cat: [string, string][] = [];
  const kinds: [MessageKind, MessageKind][] = [];
  const confusion = new Map<string, number>();
  const errors: Evaluation['errors'] = [];
  let complaintsAutoClosed = 0;
  let requestsAutoClosed = 0;
  let thanksAutoClosed = 0;
  let complaints = 0;
  let complaintsRight = 0;
  messages.forEach((m, i) => {
    const d = decisions[i]!;
    dept.push([m.department, d.department]);
    cat.push([m.category, d.category]);
    kinds.push([m.kind, d.kind]);
    if (d.pureThanks && m.kind === 'complaint') complaintsAutoClosed++;
    if (d.pureThanks && m.kind !== 'thanks' && m.kind !== 'spam') requestsAutoClosed++;
    if (d.pureThanks && m.kind === 'thanks') thanksAutoClosed++;
    if (m.kind === 'complaint') {
      complaints++;
      if (d.department === m.department) complaintsRight++;
    }
    if (d.department !== m.department || d.kind !== m.kind) errors.push({ message: m, decision: d });
    if (d.department !== m.department) {
      const key = `${m.department}\u0000${d.department}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
    }
  });
  const total = messages.length;
  const confusions = [...confusion]
    .map(([key, count]) => {
      const [actual, predicted] = key.split('\u0000') as [string, string];
      return { actual, predicted, count };
    })
    .sort((a, b) => b.count - a.count || (a.actual + a.predicted < b.actual + b.predicted ? -1 : 1));
  return {
    total,
    categoryAccuracy: cat.filter(([a, p]) => a === p).length / Math.max(total, 1),
    departmentAccuracy: dept.filter(([a, p]) => a === p).length / Math.max(total, 1),
    departmentMacroF1: macroF1(dept, dept.map(([a]) => a)),
    categoryMacroF1: macroF1(cat, cat.map(([a]) => a)),
    complaintDepartmentAccuracy: complaintsRight / Math.max(complaints, 1),
    thanks: precisionRecall(kinds, 'thanks'),
    spam: precisionRecall(kinds, 'spam'),
    perKind: Object.fromEntries(ALL_KINDS.map((k) => [k, precisionRecall(kinds, k)])) as Record<MessageKind, PrecisionRecall>,
    requestsAutoClosed,
    complaintsAutoClosed,
    thanksAutoClosed,
    confusions,
    errors,
  };
}

/** Assigns each message to one of k folds, stratified by label (department, or kind for thanks/spam). */
export function stratifiedFolds(messages: LabeledMessage[], k: number, seed = SEED): number[] {
  const byLabel = new Map<string, number[]>();
  messages.forEach((m, i) => {
    const label = m.kind === 'complaint' ? m.department : m.kind;
    const list = byLabel.get(label);
    if (list) list.push(i);
    else byLabel.set(label, [i]);
  });
  const random = seededRandom(seed);
  const fold = new Array<number>(messages.length).fill(0);
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    for (const i of shuffle(byLabel.get(label)!, random)) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

/** k-fold cross-validation: every message is decided by a router that never saw it. */
export function crossValidate(
  messages: LabeledMessage[],
  departments: DepartmentRule[],
  k: number,
  options: Partial<ClassifierOptions> = {},
): { evaluation: Evaluation; decisions: RoutingDecision[]; trainMs: number[] } {
  const folds = stratifiedFolds(messages, k);
  const decisions = new Array<RoutingDecision>(messages.length);
  const trainMs: number[] = [];
  for (let f = 0; f < k; f++) {
    const train = messages.filter((_, i) => folds[i] !== f);
    const start = performance.now();
    const router: Router = trainRouter({ departments, examples: train }, options);
    trainMs.push(performance.now() - start);
    messages.forEach((m, i) => {
      if (folds[i] === f) decisions[i] = router.route(m.text);
    });
  }
  return { evaluation: score(messages, decisions), decisions, trainMs };
}
