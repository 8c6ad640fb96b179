import { describe, expect, it } from 'vitest';
import type { RoutingDecision } from '../router.js';
import { score, stratifiedFolds, textKey, type LabeledMessage } from './evaluate.js';
import { trainRouter } from './index.js';
import { builtInDepartments, builtInExamples } from './built-in.js';
import { findCues, requestText } from './markers.js';
import { matchForm, nfkc, prepare, stripParticle } from './text.js';

const departments = builtInDepartments();
const examples = builtInExamples();
const categoryOf = new Map(departments.map((d) => [d.code, d.category]));
const router = trainRouter({ departments, examples });

const SAMPLES = [
  '집 앞 도로에 포트홀이 생겨서 차가 덜컹거려요',
  '우리 골목에 매일 불법주차하는 차가 있어요 단속해 주세요',
  '어제 신고한 가로등 바로 고쳐주셔서 정말 감사합니다. 밤길이 환해졌어요^^',
  '(광고) 무담보 대출 당일승인 010-1234-5678',
  '재산세 고지서가 작년보다 많이 나왔어요',
  '',
];

function expectWellFormed(d: RoutingDecision): void {
  expect(categoryOf.get(d.department)).toBe(d.category);
  expect(d.confidence).toBeGreaterThanOrEqual(0);
  expect(d.confidence).toBeLessThanOrEqual(1);
  expect(d.kindConfidence).toBeGreaterThanOrEqual(0);
  expect(d.kindConfidence).toBeLessThanOrEqual(1);
  expect(d.reasons.length).toBeLessThanOrEqual(5);
  expect(d.candidates.length).toBeGreaterThanOrEqual(1);
  expect(d.candidates.length).toBeLessThanOrEqual(3);
  expect(d.candidates[0]!.department).toBe(d.department);
  for (const c of d.candidates) expect(categoryOf.get(c.department)).toBe(c.category);
  if (d.kind === 'thanks' || d.kind === 'spam') expect(d.department).toBe('AUDIT');
  if (d.pureThanks) expect(d.kind).toBe('thanks');
}

describe('text preparation', () => {
  it('keeps the jamo residents type, which NFKC would turn into conjoining jamo', () => {
    expect(nfkc('ㅋㅋ ㅅㅂ ㅠㅠ')).toBe('ㅋㅋ ㅅㅂ ㅠㅠ');
    expect(nfkc('ＣＣＴＶ')).toBe('CCTV');
  });

  it('merges the vowels residents confuse, for matching only', () => {
    expect(matchForm('쓰래기')).toBe(matchForm('쓰레기'));
    expect(matchForm('안되요')).toBe(matchForm('안돼요'));
    expect(prepare('쓰래기 버려요').words[0]).toBe('쓰래기');
  });

  it('strips particles glued to nouns, keeping two characters at least', () => {
    expect(stripParticle('가로등이')).toBe('가로등');
    expect(stripParticle('공사장에서')).toBe('공사장');
    expect(stripParticle('인도')).toBe('인도');
  });

  it('fixes common spelling variants and splits sentences without punctuation', () => {
    const p = prepare('보도블럭이 깨졌어요 빨리좀 고쳐주세요');
    expect(p.words[0]).toBe('보도블록이');
    expect(p.sentenceCount).toBe(2);
  });
});

describe('kind cues', () => {
  it('does not take "done for me" words or pleasantries for requests', () => {
    expect(findCues(prepare('가로등 고쳐주셔서 감사합니다')).request).toBe(0);
    expect(findCues(prepare('민원 처리해주셔서 감사합니다')).request).toBe(0);
    expect(findCues(prepare('앞으로도 잘 부탁드립니다')).request).toBe(0);
    expect(findCues(prepare('구청장님 응원합니다 힘드셔도 지치지 마세요')).request).toBe(0);
    expect(requestText('고쳐주셔서 고마워요')).not.toContain('주셔서');
  });

  it('finds requests, questions and turns', () => {
    expect(findCues(prepare('확인 부탁드려요')).request).toBeGreaterThan(0);
    expect(findCues(prepare('언제 고쳐주나요')).request).toBeGreaterThan(0);
    expect(findCues(prepare('청소좀')).request).toBeGreaterThan(0);
    expect(findCues(prepare('감사합니다 그런데 아직 그대로예요')).contrast).toBeGreaterThan(0);
  });

  it('does not take an audit for thanks', () => {
    expect(findCues(prepare('구청에 감사 요청할 수 있나요')).thanks).toBe(0);
    expect(findCues(prepare('정말 감사합니다')).thanks).toBeGreaterThan(0);
  });
});

describe('trainRouter', () => {
  it('is deterministic: two trainings decide alike', () => {
    const again = trainRouter({ departments, examples });
    for (const text of SAMPLES) expect(again.route(text)).toEqual(router.route(text));
  });

  it('gives every message a kind, a department of the right category and candidates', () => {
    for (const text of [...SAMPLES, ...examples.slice(0, 50).map((e) => e.text)]) expectWellFormed(router.route(text));
  });

  it('routes complaints to their department, with readable reasons', () => {
    const d = router.route('보도블록이 깨져서 할머니가 넘어지실 뻔했어요');
    expect(d).toMatchObject({ kind: 'complaint', department: 'ROAD', category: 'roads', pureThanks: false });
    expect(d.reasons).toContain('보도블록');
    expect(d.confidence).toBeGreaterThan(0.5);
    for (const r of d.reasons) {
      expect(r).toMatch(/^[\p{Script=Hangul}A-Za-z0-9 ]+$/u);
      expect(r).not.toMatch(/^[gwkh]:/);
    }
    expect(router.route('우리 골목 불법주차 단속 좀 해주세요').department).toBe('PARKING');
    expect(router.route('주민센터 직원이 너무 불친절해요').department).toBe('AUDIT');
  });

  it('closes pure thanks, and only pure thanks', () => {
    const pure = router.route('어제 신고한 가로등 바로 고쳐주셔서 정말 감사합니다. 밤길이 환해졌어요^^');
    expect(pure).toMatchObject({ kind: 'thanks', department: 'AUDIT', category: 'other', pureThanks: true });
    expect(pure.kindConfidence).toBeGreaterThan(0.8);
    expect(pure.reasons.length).toBeGreaterThan(0);
    expect(router.route('구청장님 늘 응원합니다 건강 챙기세요').pureThanks).toBe(true);
  });

  it('treats thanks that also asks or reports as a complaint for the department', () => {
    const mixed = router.route('지난번 가로등 고쳐주셔서 감사합니다. 그런데 그 옆 보도블록도 깨져 있어서 위험하니 고쳐주세요.');
    expect(mixed).toMatchObject({ kind: 'complaint', department: 'ROAD', pureThanks: false });
    expect(router.route('불법주차 단속 좀 해주세요 감사합니다')).toMatchObject({ kind: 'complaint', department: 'PARKING' });
    for (const text of [
      '감사합니다 근데 아직 안 고쳐졌어요',
      '정말 감사합니다. 재산세 고지서가 옛날 주소로 와요',
      '위생 너무 안좋아요 감사합니다',
      '늘 수고 많으십니다. 가로등이 또 꺼져 있어요',
    ]) {
      expect(router.route(text).pureThanks, text).toBe(false);
    }
  });

  it('recognises spam, abuse and chatter, and sends them to triage', () => {
    for (const text of [
      '[광고] 무담보 신용대출 최저금리 당일승인 상담문의 010-0000-1234',
      '해외주식 리딩방 무료입장 수익률 300% 보장 지금 바로 참여하세요',
      '구청장 무능하다 당장 그만둬라 세금도둑놈들',
      'ㅋㅋㅋㅋ 아 잘못 보냈다 ㅋㅋ',
    ]) {
      expect(router.route(text), text).toMatchObject({ kind: 'spam', department: 'AUDIT', pureThanks: false });
    }
  });

  it('does not drop a complaint as spam for its angry words or a link', () => {
    expect(router.route('아니 쓰레기 수거 일주일째 안하는게 말이되냐 일좀 해라 진짜')).toMatchObject({
      kind: 'complaint',
      department: 'CLEAN',
    });
    expect(router.route('구청 주민 설문조사 링크가 안열려요').kind).toBe('complaint');
  });

  it('falls back to triage with no evidence for empty input', () => {
    for (const text of ['', '   ', '?!…']) {
      expect(router.route(text)).toMatchObject({ department: 'AUDIT', category: 'other', confidence: 0, reasons: [] });
    }
    expect(router.route(undefined as unknown as string).department).toBe('AUDIT');
  });

  it('routes by the keyword rules alone when there are no examples', () => {
    const rulesOnly = trainRouter({ departments, examples: [] });
    expect(rulesOnly.route('불법주차 신고합니다').department).toBe('PARKING');
    expect(rulesOnly.route('음식물쓰레기 수거가 안 돼요').department).toBe('CLEAN');
  });

  it('learns a new wording from a few examples (a staff correction)', () => {
    const first = '뽀롱뽀롱 쿠루쿠루 장치가 또 말썽이에요';
    const similar = '쿠루쿠루 뽀롱뽀롱 장치 다시 봐주세요';
    expect(router.route(similar).department).not.toBe('CULTURE');
    const corrected = trainRouter({
      departments,
      examples: [...examples, ...Array.from({ length: 3 }, () => ({ text: first, department: 'CULTURE', kind: 'complaint' as const }))],
    });
    const d = corrected.route(similar);
    expect(d.department).toBe('CULTURE');
    expect(d.confidence).toBeGreaterThan(0.45);
    expect(d.reasons).toEqual(expect.arrayContaining(['뽀롱뽀롱', '쿠루쿠루']));
  });

  it('works with other departments and no AUDIT, ignoring examples of unknown departments', () => {
    const custom = trainRouter({
      departments: [
        { code: 'FRUIT', category: 'food', keywords: ['사과^2', '배'] },
        { code: 'DESK', category: 'other', keywords: ['문의'] },
      ],
      examples: [
        { text: '사과가 썩었어요', department: 'FRUIT', kind: 'complaint' },
        { text: '바나나가 없어요', department: 'NOPE', kind: 'complaint' },
        { text: '감사합니다', department: 'DESK', kind: 'thanks' },
      ],
    });
    expect(custom.route('사과 상태가 이상해요')).toMatchObject({ department: 'FRUIT', category: 'food' });
    expect(custom.route('정말 감사합니다')).toMatchObject({ kind: 'thanks', department: 'DESK', category: 'other' });
    expect(() => trainRouter({ departments: [], examples })).toThrow(/no departments/);
  });
});

describe('evaluation helpers', () => {
  const m = (department: string, kind: LabeledMessage['kind'] = 'complaint'): LabeledMessage => ({
    text: department,
    department,
    kind,
    category: categoryOf.get(department)!,
  });
  const d = (department: string, kind: RoutingDecision['kind'] = 'complaint', pureThanks = false): RoutingDecision => ({
    department,
    category: categoryOf.get(department)!,
    kind,
    pureThanks,
    confidence: 1,
    kindConfidence: 1,
    reasons: [],
    candidates: [],
  });

  it('scores accuracy, macro-F1, kinds, auto-closed complaints and confusions', () => {
    const e = score(
      [m('ROAD'), m('ROAD'), m('TRAFFIC'), m('AUDIT', 'thanks'), m('PARKING')],
      [d('ROAD'), d('TRAFFIC'), d('TRAFFIC'), d('AUDIT', 'thanks', true), d('AUDIT', 'thanks', true)],
    );
    expect(e.departmentAccuracy).toBeCloseTo(3 / 5);
    expect(e.categoryAccuracy).toBeCloseTo(3 / 5);
    expect(e.thanks).toMatchObject({ precision: 0.5, recall: 1, actual: 1, predicted: 2, correct: 1 });
    expect(e.complaintsAutoClosed).toBe(1);
    expect(e.confusions).toEqual([
      { actual: 'PARKING', predicted: 'AUDIT', count: 1 },
      { actual: 'ROAD', predicted: 'TRAFFIC', count: 1 },
    ]);
    // Departments: ROAD F1 2/3, TRAFFIC 2/3, AUDIT 2/3, PARKING 0.
    expect(e.departmentMacroF1).toBeCloseTo((2 / 3) * (3 / 4));
  });

  it('makes stratified folds deterministically', () => {
    const messages = examples.map((x) => ({ ...x, category: categoryOf.get(x.department)! }));
    const folds = stratifiedFolds(messages, 5);
    expect(stratifiedFolds(messages, 5)).toEqual(folds);
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    const thanksFolds = new Set(messages.map((x, i) => (x.kind === 'thanks' ? folds[i] : -1)).filter((f) => f !== undefined && f >= 0));
    expect(thanksFolds.size).toBe(5);
  });

  it('compares texts in normalised form', () => {
    expect(textKey('불법 주차 신고!')).toBe(textKey('불법주차 신고'));
  });
});
