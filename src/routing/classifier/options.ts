// The learned router's tuning: feature extraction, the two linear models, and the kind rules.
import type { FeatureOptions } from './features.js';

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
   * Pure thanks may hold sentences without a thanks word only when, read alone, they are a
   * complaint, proposal or question with less than this probability.
   */
  plainRequestMax: number;
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
  plainRequestMax: 0.5,
  remainderComplaintMin: 0.7,
  courtesyEvery: 2,
  courtesyRequestOnly: true,
};
