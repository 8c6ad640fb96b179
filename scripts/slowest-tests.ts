// `npm run test:slowest`: the ten test files that took longest in the last
// `vitest run --reporter=json --outputFile=var/test-results.json`, for the README's test section.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2] ?? 'var/test-results.json';
interface FileResult {
  name: string;
  startTime: number;
  endTime: number;
  assertionResults: unknown[];
}
const results = JSON.parse(readFileSync(file, 'utf8')) as {
  startTime: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: FileResult[];
};
const files = results.testResults
  .map((r) => ({ name: path.relative(process.cwd(), r.name), seconds: (r.endTime - r.startTime) / 1000, tests: r.assertionResults.length }))
  .sort((a, b) => b.seconds - a.seconds);
const wall = (Math.max(...results.testResults.map((r) => r.endTime)) - results.startTime) / 1000;
console.log(`${results.numPassedTests} passed, ${results.numFailedTests} failed in ${files.length} files; ${wall.toFixed(0)} s from start to the last file's end`);
console.log('| file | tests | seconds |\n|---|---|---|');
for (const f of files.slice(0, 10)) console.log(`| \`${f.name}\` | ${f.tests} | ${f.seconds.toFixed(1)} |`);
