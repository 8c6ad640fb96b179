import { sql, type Expression, type SqlBool } from 'kysely';
import { InvalidInput } from '../domain/errors.js';
import { seoulDaysBefore } from '../domain/seoul-time.js';

/**
 * What `GET /api/cases?q=` looks for. A case matches when any of these does:
 * - its number: `2026-000123` (or `2026-123`), or only the serial of any year: `123`, `000123`;
 * - the last four digits of its resident's phone, for a four-digit query;
 * - its messages (the resident's and the office's answers; not the acknowledgement, the same
 *   for every case): every word of the query (two characters or more; shorter ones are
 *   ignored) found somewhere in them, case-insensitively.
 */
export interface CaseSearch {
  caseNumber: string | null;
  /** The serial part of a case number, six digits. */
  serial: string | null;
  phoneLast4: string | null;
  /** Three characters or more: found through the trigram index. */
  longWords: string[];
  /** Exactly two characters: no trigram exists for them, so they are looked for by reading (below). */
  shortWords: string[];
}

export const SEARCH_MAX_WORDS = 5;

/**
 * Two-character words (도로, 주차, 소음 — common in Korean) have no trigram, so no index can find
 * them. Alone, they are looked for only among cases received in the last SHORT_WORD_WINDOW_DAYS
 * days before `to` (or now): a read of a bounded number of messages. With a longer word beside
 * them they only narrow what the index found, and search every date.
 */
export const SHORT_WORD_WINDOW_DAYS = 92;

export function parseCaseSearch(q: string): CaseSearch {
  // NFC: a query typed on some systems arrives with Hangul decomposed into jamo.
  const text = q.normalize('NFC').trim();
  const terms = text.split(/\s+/u).filter((t) => t !== '');
  if (terms.length > SEARCH_MAX_WORDS) throw new InvalidInput('search_too_long', `a search holds at most ${SEARCH_MAX_WORDS} words`);
  const single = terms.length === 1 ? terms[0]! : null;
  const numbered = single ? /^(\d{4})-(\d{1,6})$/.exec(single) : null;
  const serial = single && /^\d{1,6}$/.test(single) ? single.padStart(6, '0') : null;
  const words = [...new Set(terms.map((t) => t.toLowerCase()))].filter((t) => [...t].length >= 2);
  const search: CaseSearch = {
    caseNumber: numbered ? `${numbered[1]}-${numbered[2]!.padStart(6, '0')}` : null,
    serial,
    phoneLast4: single && /^\d{4}$/.test(single) ? single : null,
    longWords: words.filter((w) => [...w].length >= 3),
    shortWords: words.filter((w) => [...w].length === 2),
  };
  if (!search.caseNumber && !search.serial && words.length === 0) {
    throw new InvalidInput('search_too_short', 'search for a case number, four digits of a phone number, or words of two characters or more');
  }
  return search;
}

/** What the search read, for the response and the audit log (never the words themselves). */
export function searchKinds(search: CaseSearch): string[] {
  return [
    ...(search.caseNumber || search.serial ? ['case_number'] : []),
    ...(search.phoneLast4 ? ['phone_last4'] : []),
    ...(search.longWords.length + search.shortWords.length > 0 ? ['words'] : []),
  ];
}

function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `and` the case has the word in some message (acknowledgements are the same for every case: left out). */
function wordIn(caseRef: ReturnType<typeof sql.ref>, word: string) {
  return sql`and exists (select 1 from messages w where w.case_id = ${caseRef} and w.kind <> 'acknowledgement' and w.text ilike ${likePattern(word)})`;
}

export interface SearchWindow {
  /** The list's own date filter, if any. */
  from?: Date | undefined;
  to?: Date | undefined;
  now?: Date;
}

/**
 * The condition on `cases.id` for a search, and from when two-character words alone were read
 * (null when they were not, or the list's own `from` was later anyway).
 */
export function searchCondition(search: CaseSearch, window: SearchWindow): { condition: Expression<SqlBool>; wordsSince: Date | null } {
  const candidates: Expression<unknown>[] = [];
  if (search.caseNumber) {
    candidates.push(sql`select id from cases where case_number = ${search.caseNumber}`);
  }
  if (search.serial) {
    // Served by cases_number_serial_idx.
    candidates.push(sql`select id from cases where split_part(case_number, '-', 2) = ${search.serial}`);
  }
  if (search.phoneLast4) {
    // Served by residents_phone_last4_idx (an index over the stored number; no copy of it is kept).
    candidates.push(sql`
      select cases.id from residents join cases on cases.resident_id = residents.id
      where right(residents.phone, 4) = ${search.phoneLast4}`);
  }

  let wordsSince: Date | null = null;
  const words = [...search.longWords].sort((a, b) => [...b].length - [...a].length);
  if (words.length > 0) {
    // The longest word through messages_text_trgm_idx; every other word (in some message of
    // the same case, not necessarily the same one) narrows what it found.
    const others = [...words.slice(1), ...search.shortWords];
    candidates.push(sql`
      select m.case_id from messages m
      where m.text ilike ${likePattern(words[0]!)} and m.kind <> 'acknowledgement'
      ${sql.join(others.map((w) => wordIn(sql.ref('m.case_id'), w)), sql` `)}`);
  } else if (search.shortWords.length > 0) {
    const end = window.to ?? window.now ?? new Date();
    const windowStart = seoulDaysBefore(end, SHORT_WORD_WINDOW_DAYS);
    const start = window.from && window.from > windowStart ? window.from : windowStart;
    if (start === windowStart) wordsSince = windowStart;
    const [first, ...rest] = search.shortWords;
    candidates.push(sql`
      select m.case_id from cases c join messages m on m.case_id = c.id
      where c.received_at >= ${start} and c.received_at < ${end} and m.text ilike ${likePattern(first!)}
      and m.kind <> 'acknowledgement' ${sql.join(rest.map((w) => wordIn(sql.ref('c.id'), w)), sql` `)}`);
  }
  return { condition: sql<SqlBool>`cases.id in (${sql.join(candidates, sql` union all `)})`, wordsSince };
}
