/**
 * Routing contract: classify a resident message into a category and the
 * department that owns it. The implementation is the learned router
 * (classifier/index.ts, trainRouter); callers depend only on these types.
 */

/**
 * What a message is: a complaint or request, a proposal (제안·건의) or a question (질의), each
 * routed to a department; thanks, or spam and abuse (both AUDIT/'other').
 */
export type MessageKind = 'complaint' | 'proposal' | 'question' | 'thanks' | 'spam';

/** Kinds that go to a department (and set the legal deadline: a proposal has 14 working days). */
export const DEPARTMENT_KINDS: readonly MessageKind[] = ['complaint', 'proposal', 'question'];

export interface RoutingDecision {
  /** Category code from the departments data, e.g. 'roads'. */
  category: string;
  /** Department code, e.g. 'ROAD'; 'AUDIT' (triage) when nothing matches, and for thanks and spam. */
  department: string;
  /** 0..1; 0 means the router had no evidence at all. */
  confidence: number;
  /** The matched terms that weighed most, e.g. ['보도블록', '파손'] (at most ~5). */
  reasons: string[];
  kind: MessageKind;
  /** Probability-like 0..1 that the kind is right. */
  kindConfidence: number;
  /** True only when the message is thanks and nothing else (no request/question/complaint): safe to close automatically. */
  pureThanks: boolean;
  /** Best departments first (at most 3), for the triage officer. */
  candidates: { department: string; category: string; score: number }[];
}

export interface Router {
  route(text: string): RoutingDecision;
}

/** One labeled message the learned router is trained on. */
export interface TrainingExample {
  text: string;
  /** Department code; thanks and spam are labeled with the triage department (AUDIT). */
  department: string;
  kind: MessageKind;
}

/**
 * One department as the router sees it. A keyword may end with
 * `^N` (e.g. '불법주차^3') to give it weight N instead of the default 1.
 */
export interface DepartmentRule {
  code: string;
  category: string;
  keywords: string[];
}
