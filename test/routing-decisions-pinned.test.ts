// The learned router's decisions on a fixed sample of labelled messages, pinned: every field
// (department, category, kind, confidences, reasons, candidates) must stay exactly as recorded in
// test/fixtures/routing-decisions.json. It guards refactors of src/routing/classifier that must not
// change behaviour. When a change is *meant* to move decisions, regenerate the fixture with
// `PIN_ROUTING_DECISIONS=1 npx vitest run test/routing-decisions-pinned.test.ts`, run
// `npm run eval:routing` before and after, and say why in the commit.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtInDepartments, builtInExamples } from '../src/routing/classifier/built-in.js';
import { trainRouter, type ClassifierOptions } from '../src/routing/classifier/index.js';
import type { DepartmentRule, RoutingDecision, TrainingExample } from '../src/routing/router.js';

const FIXTURE = new URL('./fixtures/routing-decisions.json', import.meta.url);

interface Pinned {
  router: string;
  text: string | null;
  decision: RoutingDecision;
}

const departments = builtInDepartments();
const examples = builtInExamples();
// Every fourth built-in example is held out: the router has not seen it, so the sample has
// wrong and unsure decisions as well as easy ones.
const heldOut = examples.filter((_, i) => i % 4 === 0);
const trainedOn = examples.filter((_, i) => i % 4 !== 0);

/** Messages written for this test: the branches of the kind decision and the odd inputs. */
const EDGE_CASES: (string | null)[] = [
  '',
  '   ',
  '?!…',
  null,
  '정말 감사합니다',
  '어제 신고한 가로등 바로 고쳐주셔서 정말 감사합니다. 밤길이 환해졌어요^^',
  '구청장님 늘 수고 많으십니다. 그런데 집 앞 보도블록이 깨졌어요',
  '감사합니다. 근데 음식물쓰레기 수거 좀 제때 해 주세요',
  '정말 감사합니다. 고지서가 옛 주소로 와요',
  '친절하게 안내해 주신 주민센터 직원분 칭찬합니다',
  '(광고) 무담보 대출 당일승인 010-1234-5678',
  'ㅋㅋㅋㅋㅋㅋㅋ',
  'ㅁㄴㅇㄹ',
  '야 이 세금 도둑놈들아',
  '심심해서 보내봄 뭐함?',
  '우리 골목에 매일 불법주차하는 차가 있어요 단속해 주세요',
  '재산세 고지서가 작년보다 많이 나왔어요',
  '집앞 도로에 구멍이 뻥 뚫렸어요ㅠㅠ 차 지나갈때마다 덜컹덜컹 빨리좀 메꿔주세요',
  'LH 임대 신청했는데 결과 언제나와요?? 한달째 연락없음',
  '뽀롱뽀롱 쿠루쿠루 장치가 또 말썽이에요',
  `${'아파트 단지 앞 횡단보도 신호가 너무 짧아서 어르신들이 다 못 건너세요. '.repeat(6)}신호 시간 좀 늘려 주세요`,
];

const CUSTOM_DEPARTMENTS: DepartmentRule[] = [
  { code: 'FRUIT', category: 'food', keywords: ['사과^2', '배'] },
  { code: 'DESK', category: 'other', keywords: ['문의'] },
];
const CUSTOM_EXAMPLES: TrainingExample[] = [
  { text: '사과가 썩었어요', department: 'FRUIT', kind: 'complaint' },
  { text: '바나나가 없어요', department: 'NOPE', kind: 'complaint' },
  { text: '감사합니다', department: 'DESK', kind: 'thanks' },
];

function decide(): Pinned[] {
  const out: Pinned[] = [];
  const run = (name: string, router: { route(text: string): RoutingDecision }, texts: (string | null)[]) => {
    // null stands for a caller passing something that is not a string.
    for (const text of texts) out.push({ router: name, text, decision: router.route(text as string) });
  };
  const heldOutTexts = heldOut.map((e) => e.text);

  run('three quarters of the built-in examples', trainRouter({ departments, examples: trainedOn }), [...heldOutTexts, ...EDGE_CASES]);
  run('all built-in examples', trainRouter({ departments, examples }), EDGE_CASES);
  run('keyword rules only', trainRouter({ departments, examples: [] }), [...heldOutTexts.slice(0, 40), ...EDGE_CASES]);
  const options: Partial<ClassifierOptions> = { courtesyEvery: 3, courtesyRequestOnly: false, ngramMax: 4, kindTextScale: 0.5 };
  run('other options', trainRouter({ departments, examples: trainedOn }, options), [...heldOutTexts.slice(0, 40), ...EDGE_CASES]);
  run('other departments, no AUDIT', trainRouter({ departments: CUSTOM_DEPARTMENTS, examples: CUSTOM_EXAMPLES }), [
    '사과 상태가 이상해요',
    '정말 감사합니다',
    '배가 아파요 문의드립니다',
    '',
  ]);
  return out;
}

describe('learned router: pinned decisions', () => {
  it('decides every message of the sample exactly as recorded', () => {
    const actual = decide();
    if (process.env.PIN_ROUTING_DECISIONS === '1') {
      writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 1)}\n`);
    }
    const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Pinned[];
    expect(pinned.length).toBeGreaterThan(300);
    expect(actual).toHaveLength(pinned.length);
    // One message at a time, so a difference names its message.
    actual.forEach((a, i) => expect({ router: a.router, text: a.text, decision: a.decision }, `#${i}`).toStrictEqual(pinned[i]));
    // Byte for byte, key order included.
    expect(`${JSON.stringify(actual, null, 1)}\n`).toBe(readFileSync(FIXTURE, 'utf8'));
  });

  it('pins a sample that covers every kind, triage and unsure decisions', () => {
    const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Pinned[];
    const kinds = new Set(pinned.map((p) => p.decision.kind));
    expect([...kinds].sort()).toEqual(['complaint', 'proposal', 'question', 'spam', 'thanks']);
    expect(pinned.some((p) => p.decision.pureThanks)).toBe(true);
    expect(pinned.some((p) => p.decision.confidence === 0)).toBe(true);
    expect(pinned.some((p) => p.decision.confidence > 0 && p.decision.confidence < 0.45)).toBe(true);
    expect(pinned.some((p) => p.decision.reasons.length >= 3)).toBe(true);
    // Held-out messages the router gets wrong are part of the sample too.
    const byText = new Map(heldOut.map((e) => [e.text, e.department]));
    const first = pinned.filter((p) => p.router === 'three quarters of the built-in examples' && p.text !== null && byText.has(p.text));
    expect(first.some((p) => p.decision.department !== byText.get(p.text!))).toBe(true);
  });
});
