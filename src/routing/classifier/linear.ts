/**
 * Multinomial logistic regression over sparse features, trained by a few
 * epochs of AdaGrad with L2 regularisation, in a seeded (deterministic)
 * order. An optional per-class "prior" score (the departments' keyword
 * scores) enters every logit through one shared, learned weight, so a
 * department with few examples still profits from its keywords.
 */

export interface Sample {
  /** Feature indices (unique) and their values. */
  idx: Int32Array;
  val: Float64Array;
  /** Per-class prior score, or null. */
  prior: Float64Array | null;
  label: number;
  /** Importance of the sample (e.g. to balance classes). */
  weight: number;
}

export interface LinearModel {
  features: number;
  classes: number;
  /** Row-major: weights[f * classes + c]. */
  weights: Float64Array;
  bias: Float64Array;
  priorWeight: number;
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  /** Starting weight of the prior score. */
  priorWeight: number;
}

/** Gradients below this (per class and sample) are not applied. */
const MIN_GRADIENT = 1e-3;

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

/** Logits of one sample, written into out. */
export function logits(
  model: LinearModel,
  idx: Int32Array,
  val: Float64Array,
  prior: Float64Array | null,
  out: Float64Array,
): Float64Array {
  const C = model.classes;
  const W = model.weights;
  for (let c = 0; c < C; c++) out[c] = model.bias[c]! + (prior ? model.priorWeight * prior[c]! : 0);
  for (let k = 0; k < idx.length; k++) {
    const base = idx[k]! * C;
    const x = val[k]!;
    for (let c = 0; c < C; c++) out[c] = out[c]! + x * W[base + c]!;
  }
  return out;
}

/** In-place softmax; returns the array. */
export function softmax(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) if (z[c]! > max) max = z[c]!;
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    const e = Math.exp(z[c]! - max);
    z[c] = e;
    sum += e;
  }
  for (let c = 0; c < z.length; c++) z[c] = z[c]! / sum;
  return z;
}

export function trainLinear(
  samples: Sample[],
  features: number,
  classes: number,
  options: TrainOptions,
): LinearModel {
  const C = classes;
  const model: LinearModel = {
    features,
    classes,
    weights: new Float64Array(features * C),
    bias: new Float64Array(C),
    priorWeight: options.priorWeight,
  };
  const G = new Float64Array(features * C);
  const Gb = new Float64Array(C);
  let Gp = 0;
  const eps = 1e-8;
  const lr = options.learningRate;
  const l2 = options.l2;
  const random = seededRandom(options.seed);
  const p = new Float64Array(C);
  const W = model.weights;
  const usesPrior = samples.some((s) => s.prior !== null);
  const activeClasses = new Int32Array(C);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const s of shuffle(samples, random)) {
      softmax(logits(model, s.idx, s.val, s.prior, p));
      // p becomes the gradient of the loss with respect to the logits.
      p[s.label] = p[s.label]! - 1;
      // Classes whose gradient is negligible are skipped (most of them, once the
      // model has learned the sample): a large saving, and L2 acts on what is touched.
      let active = 0;
      for (let c = 0; c < C; c++) {
        p[c] = p[c]! * s.weight;
        if (Math.abs(p[c]!) >= MIN_GRADIENT) activeClasses[active++] = c;
      }
      for (let k = 0; k < s.idx.length; k++) {
        const base = s.idx[k]! * C;
        const x = s.val[k]!;
        for (let j = 0; j < active; j++) {
          const c = activeClasses[j]!;
          const i = base + c;
          const g = p[c]! * x + l2 * W[i]!;
          G[i] = G[i]! + g * g;
          W[i] = W[i]! - (lr * g) / Math.sqrt(G[i]! + eps);
        }
      }
      for (let c = 0; c < C; c++) {
        const g = p[c]!;
        Gb[c] = Gb[c]! + g * g;
        model.bias[c] = model.bias[c]! - (lr * g) / Math.sqrt(Gb[c]! + eps);
      }
      if (usesPrior && s.prior) {
        let g = 0;
        for (let c = 0; c < C; c++) g += p[c]! * s.prior[c]!;
        Gp += g * g;
        model.priorWeight -= (lr * g) / Math.sqrt(Gp + eps);
        if (model.priorWeight < 0) model.priorWeight = 0;
      }
    }
  }
  return model;
}
