// Train: labelled examples → the two linear models over one shared feature dictionary.
//  - the kind model (complaint / thanks / spam) reads the text features, scaled, and the
//    hand-written cues; requests are also seen wrapped in courtesy phrases;
//  - the department model, trained on complaints, proposals and questions, reads the text features and every
//    department's keyword score as a prior.
// Deterministic: the dictionary follows the examples' order, and training is seeded.
import type { DepartmentRule, TrainingExample } from '../router.js';
import { KINDS, handFeatures, isDepartmentKind, type Analyse, type Analysed } from './analyse.js';
import { trainLinear, type LinearModel, type Sample } from './linear.js';
import type { ClassifierOptions } from './options.js';

export interface TrainedModels {
  /** Feature key → column of both models' weights. */
  dictionary: ReadonlyMap<string, number>;
  deptModel: LinearModel;
  kindModel: LinearModel;
}

/** Greetings and thanks residents wrap requests in. */
const COURTESY_BEFORE = ['구청장님 늘 수고 많으십니다.', '항상 감사드립니다.', '안녕하세요 늘 고생 많으세요~', '구청장님 응원합니다!'];
const COURTESY_AFTER = ['감사합니다', '수고하세요^^', '고맙습니다!', '미리 감사드려요', '늘 감사합니다 🙏'];

interface RawSample {
  keys: number[];
  vals: number[];
  label: number;
}

/** The n-th courtesy copy of a complaint: a greeting before it or thanks after it, in turn. */
function withCourtesy(text: string, n: number): string {
  return n % 2 === 0
    ? `${COURTESY_BEFORE[n % COURTESY_BEFORE.length]} ${text}`
    : `${text} ${COURTESY_AFTER[n % COURTESY_AFTER.length]}`;
}

/** Class weights ∝ (largest class / class size)^balance; 0 for a class without samples. */
function classWeights(labels: number[], classes: number, balance: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l]!++;
  const max = Math.max(...counts);
  return counts.map((n) => (n > 0 ? Math.pow(max / n, balance) : 0));
}

function meanWeight(samples: { label: number }[], w: number[]): number {
  return samples.reduce((sum, s) => sum + w[s.label]!, 0) / Math.max(samples.length, 1);
}

/** Typed samples, each weighted by its class weight normalised to a mean of 1. */
function weightedSamples(raw: (RawSample & { prior?: Float64Array })[], weights: number[], norm: number): Sample[] {
  return raw.map((s) => ({
    idx: Int32Array.from(s.keys),
    val: Float64Array.from(s.vals),
    prior: s.prior ?? null,
    label: s.label,
    weight: weights[s.label]! / norm,
  }));
}

export function trainModels(
  examples: TrainingExample[],
  departments: DepartmentRule[],
  analyse: Analyse,
  options: ClassifierOptions,
): TrainedModels {
  const deptIndex = new Map(departments.map((d, i) => [d.code, i]));
  const D = departments.length;

  const dictionary = new Map<string, number>();
  const indexOf = (key: string) => {
    let i = dictionary.get(key);
    if (i === undefined) {
      i = dictionary.size;
      dictionary.set(key, i);
    }
    return i;
  };

  const deptRaw: (RawSample & { prior: Float64Array })[] = [];
  const kindRaw: (RawSample & { copy: boolean })[] = [];
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
  for (const ex of examples) {
    const kind = KINDS.indexOf(ex.kind);
    if (kind < 0 || typeof ex.text !== 'string') continue;
    const a = analyse(ex.text);
    const keys: number[] = [];
    const vals: number[] = [];
    a.vector.keys.forEach((key, i) => {
      keys.push(indexOf(key));
      vals.push(a.vector.values[i]!);
    });
    if (isDepartmentKind(kind)) {
      const dept = deptIndex.get(ex.department);
      if (dept !== undefined) deptRaw.push({ keys, vals, prior: a.prior, label: dept });
    }
    addKind(a, kind, false);
    if (
      isDepartmentKind(kind) &&
      options.courtesyEvery > 0 &&
      (!options.courtesyRequestOnly || a.cues.request > 0) &&
      complaintsSeen++ % options.courtesyEvery === 0
    ) {
      addKind(analyse(withCourtesy(ex.text, complaintsSeen)), kind, true);
    }
  }
  const F = dictionary.size;

  const dw = classWeights(deptRaw.map((s) => s.label), D, options.balance);
  // Class weights from the examples as given (courtesy copies would inflate the complaints).
  const kw = classWeights(
    kindRaw.filter((s) => !s.copy).map((s) => s.label),
    KINDS.length,
    options.kindBalance,
  );
  const dNorm = meanWeight(deptRaw, dw) || 1;
  const kNorm = meanWeight(kindRaw, kw) || 1;

  const deptModel = trainLinear(weightedSamples(deptRaw, dw, dNorm), F, D, {
    epochs: options.epochs,
    learningRate: options.learningRate,
    l2: options.l2,
    seed: options.seed,
    priorWeight: options.priorWeight,
  });
  const kindModel = trainLinear(weightedSamples(kindRaw, kw, kNorm), F, KINDS.length, {
    epochs: options.kindEpochs,
    learningRate: options.learningRate,
    l2: options.l2,
    seed: options.seed + 1,
    priorWeight: 0,
  });
  return { dictionary, deptModel, kindModel };
}
