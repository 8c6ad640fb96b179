/**
 * 5-fold cross-validation, against the product thresholds (category ≥ 0.92, department ≥ 0.88,
 * thanks recall ≥ 0.85, no complaint closed automatically), and no complaint closed when a
 * courtesy phrase is wrapped around it. Always on the project's own examples
 * (src/routing/examples/default-examples.jsonl); on the district's shared labeled messages
 * (../shared/data/messages-labeled.jsonl) as well where that file is present, and where it is
 * not, the test output says so rather than passing quietly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crossValidate, stratifiedFolds, type LabeledMessage } from './evaluate.js';
import { trainRouter } from './index.js';
import { builtInDepartments } from './built-in.js';

const departments = builtInDepartments();

const SETS = [
  { name: 'the built-in examples', path: fileURLToPath(new URL('../examples/default-examples.jsonl', import.meta.url)), required: true },
  { name: 'the shared labeled messages', path: fileURLToPath(new URL('../../../../shared/data/messages-labeled.jsonl', import.meta.url)), required: false },
];

const load = (path: string): LabeledMessage[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabeledMessage);

const WRAPS = [
  (t: string) => `정말 감사합니다. ${t}`,
  (t: string) => `${t} 고생 많으십니다 감사해요`,
  (t: string) => `${t} 항상 고맙습니다~`,
  (t: string) => `덕분에 살기 좋은 동네에요^^ ${t}`,
  (t: string) => `구청장님 응원합니다 ${t} 감사합니다`,
  (t: string) => `${t}. 늘 감사드려요 🙏`,
];

for (const set of SETS) {
  const present = existsSync(set.path);
  if (!present && set.required) throw new Error(`${set.path} is missing: the classifier cannot be evaluated`);

  describe(`cross-validation on ${set.name}`, () => {
    if (!present) {
      it(`is skipped: ${set.path} is absent`, (context) => {
        // Said where people read (the run's output), not only in the count of skipped tests.
        console.warn(`cv.test.ts: ${set.name} not evaluated: ${set.path} is absent (the built-in examples were).`);
        context.skip(`${set.path} is absent`);
      });
      return;
    }

    it('has enough examples to mean something', () => {
      const messages = load(set.path);
      expect(messages.length).toBeGreaterThanOrEqual(100);
      for (const kind of ['complaint', 'thanks'] as const) expect(messages.some((m) => m.kind === kind), kind).toBe(true);
    });

    it('reaches the product thresholds', { timeout: 60_000 }, () => {
      const { evaluation: e } = crossValidate(load(set.path), departments, 5);
      console.log(
        `${set.name}, 5-fold CV: category ${e.categoryAccuracy.toFixed(3)}, department ${e.departmentAccuracy.toFixed(3)}, ` +
          `macro-F1 department ${e.departmentMacroF1.toFixed(3)} / category ${e.categoryMacroF1.toFixed(3)}, ` +
          `thanks P/R ${e.thanks.precision.toFixed(3)}/${e.thanks.recall.toFixed(3)}, ` +
          `spam P/R ${e.spam.precision.toFixed(3)}/${e.spam.recall.toFixed(3)}, ` +
          `complaints auto-closed ${e.complaintsAutoClosed}, thanks auto-closed ${e.thanksAutoClosed}/${e.thanks.actual}`,
      );
      expect(e.categoryAccuracy).toBeGreaterThanOrEqual(0.92);
      expect(e.departmentAccuracy).toBeGreaterThanOrEqual(0.88);
      expect(e.thanks.recall).toBeGreaterThanOrEqual(0.85);
      expect(e.complaintsAutoClosed).toBe(0);
    });

    it('never closes a held-out complaint wrapped in thanks or greetings', { timeout: 60_000 }, () => {
      const messages = load(set.path);
      const folds = stratifiedFolds(messages, 5);
      let wrapped = 0;
      let asThanks = 0;
      const closed: string[] = [];
      for (let f = 0; f < 5; f++) {
        const router = trainRouter({ departments, examples: messages.filter((_, i) => folds[i] !== f) });
        messages.forEach((m, i) => {
          if (folds[i] !== f || m.kind === 'thanks' || m.kind === 'spam') return;
          for (const wrap of WRAPS) {
            const decision = router.route(wrap(m.text));
            wrapped++;
            if (decision.kind === 'thanks') asThanks++;
            if (decision.pureThanks) closed.push(wrap(m.text));
          }
        });
      }
      console.log(`${set.name}: ${wrapped} wrapped complaints: ${asThanks} taken for thanks, ${closed.length} closed`);
      expect(closed).toEqual([]);
      // Most stay complaints (and keep their department).
      expect(asThanks / wrapped).toBeLessThan(0.05);
    });
  });
}
