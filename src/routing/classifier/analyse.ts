// Analyse: a message's text → everything the models and the explanations read (prepared text,
// keyword hits and priors, hand-written cues, the sparse feature vector). No learning here.
import type { DepartmentRule, MessageKind } from '../router.js';
import { extractFeatures, type FeatureOptions, type FeatureVector } from './features.js';
import { compileKeywords, type KeywordHit } from './keywords.js';
import { findCues, jamoShare, type CueCounts } from './markers.js';
import { prepare, type PreparedText } from './text.js';

/** The kind model's classes, in the order of its outputs. */
export const KINDS: MessageKind[] = ['complaint', 'thanks', 'spam', 'proposal', 'question'];
export const COMPLAINT = 0;
export const THANKS = 1;
export const SPAM = 2;
export const PROPOSAL = 3;
export const QUESTION = 4;

/** Kinds routed to a department (complaint, proposal, question). */
export const isDepartmentKind = (k: number): boolean => k === COMPLAINT || k === PROPOSAL || k === QUESTION;

export interface Analysed {
  p: PreparedText;
  hits: KeywordHit[];
  /** log(1 + keyword score) per department: the department model's prior. */
  prior: Float64Array;
  keywordTotal: number;
  /** Keyword score of the departments other than triage. */
  topicScore: number;
  cues: CueCounts;
  vector: FeatureVector;
}

export type Analyse = (text: string) => Analysed;

/** The triage department: AUDIT, else the first of category 'other', else the first. */
export function triageIndex(departments: DepartmentRule[]): number {
  const audit = departments.findIndex((d) => d.code === 'AUDIT');
  if (audit >= 0) return audit;
  const other = departments.findIndex((d) => d.category === 'other');
  return other >= 0 ? other : 0;
}

/** An analyser for these departments' keywords; `triage` is left out of the topic score. */
export function createAnalyser(departments: DepartmentRule[], triage: number, options: FeatureOptions): Analyse {
  const matcher = compileKeywords(departments);
  const D = departments.length;
  return (text) => {
    const p = prepare(text);
    const hits = matcher.match(p);
    const scores = matcher.scores(hits);
    let keywordTotal = 0;
    let topicScore = 0;
    const prior = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      keywordTotal += scores[d]!;
      if (d !== triage) topicScore += scores[d]!;
      prior[d] = Math.log1p(scores[d]!);
    }
    const cues = findCues(p);
    const vector = extractFeatures(p, hits, cues.asking, options);
    return { p, hits, prior, keywordTotal, topicScore, cues, vector };
  };
}

/** The hand-written cues the kind model reads besides the text features (zeros left out). */
export function handFeatures(a: Analysed): [string, number][] {
  const { cues, p } = a;
  const out: [string, number][] = [
    ['h:bias', 1],
    ['h:request', Math.log1p(cues.request)],
    ['h:problem', Math.log1p(cues.problem)],
    ['h:contrast', cues.contrast > 0 ? 1 : 0],
    ['h:thanks', Math.log1p(cues.thanks)],
    ['h:spam', Math.log1p(cues.spam)],
    ['h:abuse', Math.log1p(cues.abuse)],
    ['h:chatter', Math.log1p(cues.chatter)],
    ['h:question', cues.question ? 1 : 0],
    ['h:proposal', Math.log1p(cues.proposal)],
    ['h:inquiry', Math.log1p(cues.inquiry)],
    ['h:inquiryOnly', cues.inquiry > 0 && cues.problem === 0 && cues.proposal === 0 ? 1 : 0],
    ['h:sarcasm', cues.sarcasm > 0 ? 1 : 0],
    ['h:requestAtEnd', cues.requestAtEnd ? 1 : 0],
    ['h:thanksOnly', cues.thanks > 0 && cues.request === 0 && cues.problem === 0 ? 1 : 0],
    ['h:plain', Math.log1p(cues.plainSentences)],
    ['h:plainShare', cues.plainSentences / Math.max(p.sentenceCount, 1)],
    ['h:problemSentences', Math.log1p(cues.problemSentences)],
    ['h:keywords', Math.log1p(a.keywordTotal) / 2],
    ['h:noKeywords', a.keywordTotal === 0 ? 1 : 0],
    ['h:jamo', jamoShare(p)],
    ['h:short', p.compact.length <= 15 ? 1 : 0],
    ['h:long', p.compact.length >= 80 ? 1 : 0],
  ];
  return out.filter(([, v]) => v !== 0);
}
