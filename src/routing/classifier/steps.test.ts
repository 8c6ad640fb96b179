// The learned router's four steps one at a time (analyse, train, predict, explain); the
// router as a whole is tested in classifier.test.ts and pinned in test/routing-decisions-pinned.test.ts.
import { describe, expect, it } from 'vitest';
import { COMPLAINT, SPAM, THANKS, createAnalyser, triageIndex } from './analyse.js';
import { builtInDepartments, builtInExamples } from './built-in.js';
import { explain } from './explain.js';
import { DEFAULT_OPTIONS } from './options.js';
import { decideKind, predict, type RouterModel } from './predict.js';
import { trainModels } from './train.js';

const departments = builtInDepartments();
const triage = triageIndex(departments);
const analyse = createAnalyser(departments, triage, DEFAULT_OPTIONS);
const model: RouterModel = {
  departments,
  triage,
  options: DEFAULT_OPTIONS,
  analyse,
  ...trainModels(builtInExamples(), departments, analyse, DEFAULT_OPTIONS),
};
const indexOf = (code: string) => departments.findIndex((d) => d.code === code);

describe('analyse', () => {
  it('takes AUDIT as triage, else the first department of category other, else the first', () => {
    expect(departments[triage]!.code).toBe('AUDIT');
    expect(triageIndex([{ code: 'A', category: 'x', keywords: [] }, { code: 'B', category: 'other', keywords: [] }])).toBe(1);
    expect(triageIndex([{ code: 'A', category: 'x', keywords: [] }])).toBe(0);
  });

  it('scores the departments by their keywords, leaving triage out of the topic score', () => {
    const a = analyse('불법주차 신고합니다');
    expect(a.prior[indexOf('PARKING')]).toBeGreaterThan(0);
    expect(a.keywordTotal).toBeGreaterThanOrEqual(a.topicScore);
    expect(a.topicScore).toBeGreaterThan(0);
    expect(a.vector.keys.length).toBeGreaterThan(0);
    expect(analyse('감사합니다').topicScore).toBe(0);
  });
});

describe('cues: a problem that is over, and praise without a thanks word', () => {
  const cuesOf = (text: string) => analyse(text).cues;

  it('reads a past hardship, a nuisance gone or an explained refusal as no open problem', () => {
    for (const text of [
      '서류 작성하는 거 도와주셔서 고마웠어요 눈이 어두워서 힘들었는데',
      '배차 늘려주셔서 이제 아침에 지각 안해요 고맙습니다',
      '안 되는 이유까지 꼼꼼하게 설명해 주셔서 이해가 잘 됐어요',
    ]) {
      const c = cuesOf(text);
      expect([c.openProblem, c.problemSentences, c.negation], text).toEqual([0, 0, false]);
    }
    // The same words with the problem still there keep their veto.
    for (const text of ['예전엔 모기 때문에 힘들었는데 올해는 더 심해졌어요', '이제 냄새는 안 나는데 아직도 벌레가 나와요']) {
      expect(cuesOf(text).openProblem, text).toBeGreaterThan(0);
    }
  });

  it('takes effort seen, a quick fix and well-being as thanks, but not when the sentence turns', () => {
    for (const text of ['제설 작업 새벽부터 하시는 거 봤어요', '신고한 지 하루 만에 메워져서 놀랐어요', '아이들과 따뜻하게 지내고 있어요']) {
      const c = cuesOf(text);
      expect(c.thanks, text).toBeGreaterThan(0);
      expect(c.plainSentences, text).toBe(0);
    }
    for (const text of ['신고한 지 사흘 만에 켜졌는데 오늘 다시 꺼졌어요', '제설 작업 하시는 거 봤는데 우리 골목은 빼먹으셨더라고요']) {
      expect(cuesOf(text).plainSentences, text).toBe(1);
    }
  });

  it('does not read a suggestion into something already made, nor a question into an exclamation', () => {
    expect(cuesOf('예쁜 골목 만들어 주셔서 감사합니다').proposal).toBe(0);
    expect(cuesOf('골목에 벽화를 만들어 주세요').proposal).toBeGreaterThan(0);
    const visit = cuesOf('어르신들이 얼마나 좋아하셨는지 몰라요. 다음에 또 오세요!');
    expect([visit.inquiry, visit.still]).toEqual([0, false]);
    expect(cuesOf('얼마나 걸리는지 알려주세요').inquiry).toBeGreaterThan(0);
  });
});

describe('train', () => {
  it('builds one dictionary for both models, hand cues included', () => {
    expect(model.dictionary.has('h:bias')).toBe(true);
    expect(model.deptModel.features).toBe(model.dictionary.size);
    expect(model.kindModel.features).toBe(model.dictionary.size);
    expect(model.deptModel.classes).toBe(departments.length);
    expect(model.kindModel.classes).toBe(5);
  });

  it('learns nothing from no examples: the keyword prior alone routes', () => {
    const empty = trainModels([], departments, analyse, DEFAULT_OPTIONS);
    expect(empty.dictionary.size).toBe(0);
    expect(empty.deptModel.priorWeight).toBe(DEFAULT_OPTIONS.priorWeight);
  });
});

describe('predict', () => {
  it('has nothing to predict from punctuation alone', () => {
    expect(predict(model, '?!…')).toBeNull();
  });

  it('sends a complaint to its department, the chosen one first among the candidates', () => {
    const p = predict(model, '우리 골목에 매일 불법주차하는 차가 있어요 단속해 주세요')!;
    expect(p.kind).toBe(COMPLAINT);
    expect(departments[p.chosen]!.code).toBe('PARKING');
    expect(p.candidates[0]!.d).toBe(p.chosen);
    expect(p.combined.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
  });

  it('reads thanks that also asks for something as a complaint, and never as pure thanks', () => {
    const p = predict(model, '감사합니다. 근데 음식물쓰레기 수거 좀 제때 해 주세요')!;
    expect(p.kind).toBe(COMPLAINT);
    expect(p.pureThanks).toBe(false);
    expect(predict(model, '정말 감사합니다')).toMatchObject({ kind: THANKS, pureThanks: true, chosen: triage });
  });

  it('corrects the kind model by the labelling rules: no spam without evidence, no thanks without thanks', () => {
    const plain = analyse('가로등이 꺼졌어요');
    expect(decideKind(Float64Array.from([0.2, 0.1, 0.7]), plain).kind).toBe(COMPLAINT);
    expect(decideKind(Float64Array.from([0.1, 0.2, 0.7]), plain)).toEqual({ kind: COMPLAINT, kindConfidence: 0.6 });
    expect(decideKind(Float64Array.from([0.1, 0.1, 0.8]), analyse('(광고) 무담보 대출 당일승인')).kind).toBe(SPAM);
  });
});

describe('explain', () => {
  it('gives a complaint the words that point to its department, a keyword in its own spelling', () => {
    const p = predict(model, '불법주차 차량 단속해 주세요')!;
    expect(explain(model, p)).toContain('불법주차');
  });

  it('gives thanks and spam the words of the message that marked them first', () => {
    expect(explain(model, predict(model, '정말 감사합니다')!)[0]).toBe('감사합니다');
    expect(explain(model, predict(model, '👍👍')!)).toEqual(['👍']);
    const spam = predict(model, '(광고) 무담보 대출 당일승인 010-1234-5678')!;
    expect(spam.kind).toBe(SPAM);
    expect(explain(model, spam)).toEqual(expect.arrayContaining(['광고', '무담보']));
  });
});
