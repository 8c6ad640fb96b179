/**
 * Learned router: trained in memory from labeled examples and the
 * departments' keyword rules (no I/O here; the caller passes both).
 *
 * Four steps, one module each:
 *  - analyse.ts: text → features (prepared text, keyword hits and priors,
 *    hand-written cues from markers.ts, the sparse feature vector);
 *  - train.ts: examples → two linear models sharing one feature space: the
 *    kind model (complaint / thanks / spam / proposal / question) and the
 *    department model, trained on the kinds that go to a department, with
 *    every department's keyword score as a prior;
 *  - predict.ts: models + text → kind, department and candidates. Thanks and
 *    spam go to the triage department (AUDIT). The kind model's verdict is
 *    corrected by the labeling rules (decideKind): a message that thanks and
 *    also asks for something, or reports a problem besides the thanks, is a
 *    complaint, proposal or question; spam needs evidence of its own.
 *    `pureThanks` (safe to close automatically) is granted only to thanks with
 *    no request, question, proposal, turn ('그런데 …'), sarcasm, open problem
 *    or negation anywhere (vetoes first, by construction), and then either a
 *    confident kind model or, for a short message, nothing but thanks and
 *    courtesy words: a complaint closed as thanks is the worst error, a thanks
 *    left for a person to close costs little;
 *  - explain.ts: prediction → the reasons staff see.
 *
 * Deterministic: seeded training order, no randomness at routing time.
 */
import type { DepartmentRule, Router, RoutingDecision, TrainingExample } from '../router.js';
import { KINDS, createAnalyser, triageIndex } from './analyse.js';
import { explain } from './explain.js';
import { DEFAULT_OPTIONS, type ClassifierOptions } from './options.js';
import { predict, type Prediction, type RouterModel } from './predict.js';
import { trainModels } from './train.js';

export type { TrainingExample } from '../router.js';
export { DEFAULT_OPTIONS, type ClassifierOptions } from './options.js';

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The decision for a message the router has nothing to go on: triage, with no confidence. */
function triageDecision(model: RouterModel): RoutingDecision {
  const d = model.departments[model.triage]!;
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
}

function decisionOf(model: RouterModel, prediction: Prediction, reasons: string[]): RoutingDecision {
  const { departments } = model;
  const dept = departments[prediction.chosen]!;
  return {
    category: dept.category,
    department: dept.code,
    confidence: round(prediction.combined[prediction.chosen]!),
    reasons,
    kind: KINDS[prediction.kind]!,
    kindConfidence: round(prediction.kindConfidence),
    pureThanks: prediction.pureThanks,
    candidates: prediction.candidates.map(({ d, score }) => ({
      department: departments[d]!.code,
      category: departments[d]!.category,
      score: round(score),
    })),
  };
}

export function trainRouter(
  input: { departments: DepartmentRule[]; examples: TrainingExample[] },
  overrides: Partial<ClassifierOptions> = {},
): Router {
  const options: ClassifierOptions = { ...DEFAULT_OPTIONS, ...overrides };
  const { departments } = input;
  if (departments.length === 0) throw new Error('trainRouter: no departments');
  const triage = triageIndex(departments);
  const analyse = createAnalyser(departments, triage, options);
  const model: RouterModel = { departments, triage, options, analyse, ...trainModels(input.examples, departments, analyse, options) };

  return {
    route(text: string): RoutingDecision {
      if (typeof text !== 'string') return triageDecision(model);
      const prediction = predict(model, text);
      if (prediction === null) return triageDecision(model);
      return decisionOf(model, prediction, explain(model, prediction));
    },
  };
}
