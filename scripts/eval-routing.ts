// `npm run eval:routing -- FILE.jsonl [--folds N] [--errors]`: how well the learned router
// (src/routing/classifier) routes the labeled messages in FILE (one JSON object a line:
// {text, department, kind?, category?}; kind defaults to complaint, category to the
// department's). Modes:
//  - held-out (default): train on the built-in examples (src/routing/examples/default-examples.jsonl)
//    minus any whose normalised text is also in FILE, evaluate on FILE;
//  - cross-validation: when more than half of FILE's texts are built-in examples, or with
//    --folds N, stratified N-fold (default 5) cross-validation on FILE itself.
// Deterministic (seeded). --errors lists every wrong decision.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDepartmentsFile } from '../src/departments/departments-file.js';
import { DEFAULT_DEPARTMENTS_PATH, DEFAULT_EXAMPLES_PATH } from '../src/paths.js';
import { trainRouter } from '../src/routing/classifier/index.js';
import {
  ALL_KINDS,
  crossValidate,
  score,
  textKey,
  type Evaluation,
  type LabeledMessage,
} from '../src/routing/classifier/evaluate.js';
import type { DepartmentRule, MessageKind, Router, RoutingDecision } from '../src/routing/router.js';

const BUILT_IN_EXAMPLES = DEFAULT_EXAMPLES_PATH;
const KINDS: MessageKind[] = ALL_KINDS;
/** The held-out robustness sets (written for the tests, never trained on). */
const ROBUSTNESS_DIR = 'test/fixtures/routing-robustness';
const TARGETS = { category: 0.92, department: 0.88, thanksRecall: 0.85 };

function fail(message: string): never {
  console.error(`eval:routing: ${message}`);
  process.exit(2);
}

function readJsonl(file: string, departments: DepartmentRule[]): LabeledMessage[] {
  const categoryOf = new Map(departments.map((d) => [d.code, d.category]));
  const out: LabeledMessage[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, n) => {
      if (line.trim() === '') return;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        fail(`${file}:${n + 1}: not JSON (${(error as Error).message})`);
      }
      const { text, department } = row;
      const kind = (row.kind ?? 'complaint') as MessageKind;
      if (typeof text !== 'string') fail(`${file}:${n + 1}: "text" must be a string`);
      if (typeof department !== 'string' || !categoryOf.has(department)) {
        fail(`${file}:${n + 1}: unknown department ${JSON.stringify(department)}`);
      }
      if (!KINDS.includes(kind)) fail(`${file}:${n + 1}: unknown kind ${JSON.stringify(kind)}`);
      const category = typeof row.category === 'string' ? row.category : categoryOf.get(department)!;
      out.push({ id: typeof row.id === 'string' ? row.id : `line ${n + 1}`, text, department, category, kind });
    });
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function table(rows: [string, string, string][]): string {
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  return rows
    .map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('   ').trimEnd())
    .join('\n');
}

function report(e: Evaluation): void {
  const mark = (ok: boolean) => (ok ? 'ok' : 'BELOW TARGET');
  const rows: [string, string, string][] = [
    ['metric', 'value', 'target'],
    ['category accuracy', pct(e.categoryAccuracy), `≥ ${pct(TARGETS.category)} ${mark(e.categoryAccuracy >= TARGETS.category)}`],
    ['department accuracy', pct(e.departmentAccuracy), `≥ ${pct(TARGETS.department)} ${mark(e.departmentAccuracy >= TARGETS.department)}`],
    ['department macro-F1', e.departmentMacroF1.toFixed(3), ''],
    ['category macro-F1', e.categoryMacroF1.toFixed(3), ''],
    ['department accuracy on complaints', pct(e.complaintDepartmentAccuracy), ''],
    ['thanks precision', `${pct(e.thanks.precision)} (${e.thanks.correct}/${e.thanks.predicted})`, ''],
    ['thanks recall', `${pct(e.thanks.recall)} (${e.thanks.correct}/${e.thanks.actual})`, `≥ ${pct(TARGETS.thanksRecall)} ${mark(e.thanks.recall >= TARGETS.thanksRecall)}`],
    ['spam precision', `${pct(e.spam.precision)} (${e.spam.correct}/${e.spam.predicted})`, ''],
    ['spam recall', `${pct(e.spam.recall)} (${e.spam.correct}/${e.spam.actual})`, ''],
    ['complaints/proposals/questions auto-closed', String(e.requestsAutoClosed), `= 0 ${mark(e.requestsAutoClosed === 0)}`],
    ['thanks auto-closed (pureThanks)', `${pct(e.thanksAutoClosed / Math.max(e.thanks.actual, 1))} (${e.thanksAutoClosed}/${e.thanks.actual})`, `≥ ${pct(TARGETS.thanksRecall)} ${mark(e.thanksAutoClosed >= TARGETS.thanksRecall * e.thanks.actual)}`],
  ];
  console.log(table(rows));
  console.log('\nPer kind (a proposal has 14 working days, the rest 7):');
  console.log(kindTable(e));
  const kinds = new Map<string, number>();
  for (const { message: m, decision: d } of e.errors) {
    if (m.kind !== d.kind) kinds.set(`${m.kind} → ${d.kind}`, (kinds.get(`${m.kind} → ${d.kind}`) ?? 0) + 1);
  }
  console.log(
    `\nKind errors (true → predicted): ${
      kinds.size === 0 ? 'none' : [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')
    }`,
  );
  console.log('\nMost frequent confusions (true → predicted department):');
  if (e.confusions.length === 0) console.log('  none');
  for (const c of e.confusions.slice(0, 12)) console.log(`  ${String(c.count).padStart(3)}  ${c.actual} → ${c.predicted}`);
}

function kindTable(e: Evaluation): string {
  const rows: [string, string, string][] = [['kind', 'precision', 'recall']];
  for (const k of ALL_KINDS) {
    const pr = e.perKind[k];
    if (pr.actual === 0 && pr.predicted === 0) continue;
    rows.push([`  ${k}`, `${pct(pr.precision)} (${pr.correct}/${pr.predicted})`, `${pct(pr.recall)} (${pr.correct}/${pr.actual})`]);
  }
  return table(rows);
}

/** Every robustness set, routed by a router trained on the built-in examples. */
function robustness(router: Router, departments: DepartmentRule[]): void {
  if (!existsSync(ROBUSTNESS_DIR)) return;
  const files = readdirSync(ROBUSTNESS_DIR).filter((f) => f.endsWith('.jsonl')).sort();
  const all: LabeledMessage[] = [];
  console.log(`\nRobustness sets (${ROBUSTNESS_DIR}, held out from training), router trained on the built-in examples:`);
  const rows: [string, string, string][] = [['set', 'kind right', 'closed by itself']];
  for (const f of files) {
    const messages = readJsonl(`${ROBUSTNESS_DIR}/${f}`, departments);
    all.push(...messages);
    const decisions = messages.map((m) => router.route(m.text));
    const right = decisions.filter((d, i) => d.kind === messages[i]!.kind).length;
    const closed = decisions.filter((d) => d.pureThanks).length;
    rows.push([`  ${f}`, `${pct(right / messages.length)} (${right}/${messages.length})`, `${closed}/${messages.length}`]);
  }
  console.log(table(rows));
  const e = score(all, all.map((m) => router.route(m.text)));
  console.log(`\nAll robustness sets together (${all.length} messages):`);
  console.log(kindTable(e));
  console.log(
    `  thanks closed by themselves: ${pct(e.thanksAutoClosed / Math.max(e.thanks.actual, 1))} (${e.thanksAutoClosed}/${e.thanks.actual}), ` +
      `target ≥ ${pct(TARGETS.thanksRecall)}; complaints/proposals/questions closed: ${e.requestsAutoClosed} (must be 0)`,
  );
  if (process.argv.includes('--errors')) {
    for (const { message: m, decision: d } of e.errors.filter((x) => x.message.kind !== x.decision.kind || (x.message.kind === 'thanks' && !x.decision.pureThanks))) {
      console.log(`  ${m.kind} → ${d.kind}${d.pureThanks ? ' (closed)' : ''}  ${m.text}  [${d.reasons.join(', ')}]`);
    }
  }
}

function printErrors(e: Evaluation): void {
  console.log(`\nWrong decisions (${e.errors.length}):`);
  for (const { message: m, decision: d } of e.errors) {
    console.log(
      `  [${m.id}] ${m.kind}/${m.department} → ${d.kind}/${d.department} ` +
        `(${d.confidence}; ${d.reasons.join(', ')})\n      ${m.text}`,
    );
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { folds: { type: 'string' }, errors: { type: 'boolean', default: false } },
  });
  const file = positionals[0];
  if (!file) fail('usage: npm run eval:routing -- FILE.jsonl [--folds N] [--errors]');
  const folds = values.folds === undefined ? undefined : Number(values.folds);
  if (folds !== undefined && !(Number.isInteger(folds) && folds >= 2)) fail('--folds must be an integer ≥ 2');

  const departmentsFile = parseDepartmentsFile(JSON.parse(readFileSync(DEFAULT_DEPARTMENTS_PATH, 'utf8')));
  const departments: DepartmentRule[] = departmentsFile.departments.map((d) => ({
    code: d.code,
    category: d.category,
    keywords: d.keywords ?? [],
  }));
  const messages = readJsonl(file, departments);
  if (messages.length === 0) fail(`${file} holds no messages`);
  const builtIn = readJsonl(BUILT_IN_EXAMPLES, departments);
  const fileKeys = new Set(messages.map((m) => textKey(m.text)));
  const builtInKeys = new Set(builtIn.map((m) => textKey(m.text)));
  const overlap = messages.filter((m) => builtInKeys.has(textKey(m.text))).length;

  let evaluation: Evaluation;
  let trainMs: number[];
  let router: Router;
  if (folds !== undefined || overlap * 2 > messages.length) {
    const k = folds ?? 5;
    const why =
      folds !== undefined ? '--folds' : `${overlap} of ${messages.length} messages are built-in examples`;
    console.log(`Mode: ${k}-fold stratified cross-validation on ${file} (${why}).\n`);
    const cv = crossValidate(messages, departments, k);
    evaluation = cv.evaluation;
    trainMs = cv.trainMs;
    router = trainRouter({ departments, examples: messages });
  } else {
    const examples = builtIn.filter((m) => !fileKeys.has(textKey(m.text)));
    console.log(
      `Mode: held-out. Trained on ${examples.length} built-in examples ` +
        `(${builtIn.length - examples.length} left out: also in the file), evaluated on ${messages.length} messages of ${file}.\n`,
    );
    const start = performance.now();
    router = trainRouter({ departments, examples });
    trainMs = [performance.now() - start];
    const decisions: RoutingDecision[] = messages.map((m) => router.route(m.text));
    evaluation = score(messages, decisions);
  }
  report(evaluation);

  // Speed: median time to route one message (over all messages, a few rounds).
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const m of messages) {
      const start = performance.now();
      router.route(m.text);
      times.push(performance.now() - start);
    }
  }
  console.log(
    `\nSpeed: training ${trainMs.map((t) => t.toFixed(0)).join(' / ')} ms; ` +
      `routing median ${(median(times) * 1000).toFixed(0)} µs, ` +
      `p99 ${(times.sort((a, b) => a - b)[Math.floor(times.length * 0.99)]! * 1000).toFixed(0)} µs per message.`,
  );
  robustness(trainRouter({ departments, examples: builtIn }), departments);
  if (values.errors) printErrors(evaluation);
}

main();
