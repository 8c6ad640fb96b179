/**
 * Routing contract: classify a resident message into a category and the
 * department that owns it. The first implementation is rules-based
 * (see keyword-router.ts); a learned model will later implement the same
 * interface, so callers must depend only on these types.
 */

export interface RoutingDecision {
  /** Category code from the departments data, e.g. 'roads'. */
  category: string;
  /** Department code, e.g. 'ROAD'; 'AUDIT' (triage) when nothing matches. */
  department: string;
  /** 0..1; 0 means the router had no evidence at all. */
  confidence: number;
  /** The matched terms that weighed most, e.g. ['보도블록', '파손'] (at most ~5). */
  reasons: string[];
}

export interface Router {
  route(text: string): RoutingDecision;
}

/**
 * One department as the keyword router sees it. A keyword may end with
 * `^N` (e.g. '불법주차^3') to give it weight N instead of the default 1.
 */
export interface DepartmentRule {
  code: string;
  category: string;
  keywords: string[];
}
