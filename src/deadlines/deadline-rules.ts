// How many working days a case has, by its category and kind. Set with DEADLINE_RULES.

export const CASE_KINDS = ['complaint', 'proposal', 'question', 'thanks', 'spam'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

/** `*`, a kind, a category code, or `category/kind`, each with its working days. */
export type DeadlineRules = ReadonlyMap<string, number>;

/** The Act's defaults: 7 working days; proposals (제안·건의) 14. */
export const DEFAULT_DEADLINE_RULES = '*=7,proposal=14';

/**
 * Parses `*=7,proposal=14,roads=5,traffic/proposal=10`. Returns the rules or the problems,
 * each naming the bad entry. Category codes are checked against the database later, when
 * used: an unknown one simply never matches.
 */
export function parseDeadlineRules(text: string): { rules: DeadlineRules; problems: string[] } {
  const rules = new Map<string, number>();
  const problems: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^(\*|[a-z0-9_]+(?:\/[a-z_]+)?)=(\d{1,3})$/.exec(entry);
    const days = match ? Number(match[2]) : NaN;
    if (!match || days < 1 || days > 90) {
      problems.push(`"${entry}" is not KEY=DAYS (KEY: *, a kind, a category or category/kind; DAYS 1 to 90)`);
      continue;
    }
    const key = match[1]!;
    const kind = key.includes('/') ? key.split('/')[1]! : key;
    if (key.includes('/') && !(CASE_KINDS as readonly string[]).includes(kind)) {
      problems.push(`"${entry}": the kind after / must be one of ${CASE_KINDS.join(', ')}`);
      continue;
    }
    rules.set(key, days);
  }
  if (!rules.has('*')) problems.push('a default "*=DAYS" is required');
  return { rules, problems };
}

/** The most specific rule wins: category/kind, then kind, then category, then `*`. */
export function workingDaysFor(rules: DeadlineRules, category: string | null, kind: string | null): number {
  const k = kind ?? 'complaint';
  return (
    (category ? rules.get(`${category}/${k}`) : undefined) ??
    rules.get(k) ??
    (category ? rules.get(category) : undefined) ??
    rules.get('*')!
  );
}
