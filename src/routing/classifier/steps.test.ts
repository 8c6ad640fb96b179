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
