/**
 * 5-fold cross-validation on the district's labeled messages: the product
 * thresholds (category ≥ 0.92, department ≥ 0.88, thanks recall ≥ 0.85, no
 * complaint closed automatically), and no complaint closed when a courtesy
 * phrase is wrapped around it. Skipped where the shared data is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DepartmentRule } from '../router.js';
import { crossValidate, stratifiedFolds, type LabeledMessage } from './evaluate.js';
import { trainRouter } from './index.js';

const labeledPath = fileURLToPath(new URL('../../../../shared/data/messages-labeled.jsonl', import.meta.url));
const departments: DepartmentRule[] = (
  JSON.parse(readFileSync(new URL('../../departments/default-departments.json', import.meta.url), 'utf8')) as {
    departments: DepartmentRule[];
  }
).departments.map(({ code, category, keywords }) => ({ code, category, keywords }));

const load = (): LabeledMessage[] =>
  readFileSync(labeledPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabeledMessage);

describe.skipIf(!existsSync(labeledPath))('cross-validation on messages-labeled.jsonl', () => {
  it('reaches the product thresholds', () => {
    const { evaluation: e } = crossValidate(load(), departments, 5);
    console.log(
      `5-fold CV: category ${e.categoryAccuracy.toFixed(3)}, department ${e.departmentAccuracy.toFixed(3)}, ` +
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

  it('never closes a held-out complaint wrapped in thanks or greetings', () => {
    const messages = load();
    const folds = stratifiedFolds(messages, 5);
    const wraps = [
      (t: string) => `정말 감사합니다. ${t}`,
      (t: string) => `${t} 고생 많으십니다 감사해요`,
      (t: string) => `${t} 항상 고맙습니다~`,
      (t: string) => `덕분에 살기 좋은 동네에요^^ ${t}`,
      (t: string) => `구청장님 응원합니다 ${t} 감사합니다`,
      (t: string) => `${t}. 늘 감사드려요 🙏`,
    ];
    let wrapped = 0;
    let asThanks = 0;
    const closed: string[] = [];
    for (let f = 0; f < 5; f++) {
      const router = trainRouter({ departments, examples: messages.filter((_, i) => folds[i] !== f) });
      messages.forEach((m, i) => {
        if (folds[i] !== f || m.kind !== 'complaint') return;
        for (const wrap of wraps) {
          const decision = router.route(wrap(m.text));
          wrapped++;
          if (decision.kind === 'thanks') asThanks++;
          if (decision.pureThanks) closed.push(wrap(m.text));
        }
      });
    }
    console.log(`${wrapped} wrapped complaints: ${asThanks} taken for thanks, ${closed.length} closed`);
    expect(closed).toEqual([]);
    // Most stay complaints (and keep their department).
    expect(asThanks / wrapped).toBeLessThan(0.05);
  });
});
