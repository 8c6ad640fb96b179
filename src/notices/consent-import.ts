import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { normalizePhone } from '../residents/phone.js';

/**
 * The district's existing list of subscribers, as CSV (UTF-8, a header row, quotes as in RFC
 * 4180). A column mapping names which header holds what: the phone number and the date of
 * consent are required; the 동, the segments (separated by `|` or `;`) and the consent wording
 * (else the one wording given for the whole file) are optional. Every row is checked; rejected
 * rows are reported by line with the reason, never imported. Importing the same file again
 * changes nothing (idempotent): rows are matched by the normalised phone number. A number that
 * withdrew after the date of its consent in the file stays withdrawn.
 */
export interface ConsentImportMapping {
  phone: string;
  consentedAt: string;
  dong?: string;
  segments?: string;
  consentText?: string;
}

export interface ConsentImportOptions {
  mapping: ConsentImportMapping;
  /** The wording residents agreed to, when the file has no column for it. */
  consentText?: string;
  /** Recorded as the consent's source (the file's name). */
  source: string;
}

/** The mapping names a column the file lacks, or no consent wording is given: nothing is imported. */
export class ImportMappingError extends Error {}

export interface ConsentImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; reason: string }[];
}

/** RFC 4180 records: commas, quoted fields with "" for a quote, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

/** 2024-03-05, 2024.03.05, 2024/3/5 or an ISO date-time; a date alone is midnight Seoul time. */
function readDate(value: string): Date | null {
  const v = value.trim();
  const day = /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$/.exec(v);
  if (day) {
    const [, y, m, d] = day;
    const date = new Date(`${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}T00:00:00+09:00`);
    return Number.isNaN(date.getTime()) || date.getUTCDate() === 0 ? null : date;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const date = new Date(v);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

interface ValidRow {
  line: number;
  phone: string;
  consentedAt: Date;
  dong: string | null;
  segments: string[];
  consentText: string;
}

export async function importConsents(db: Db, csv: string, options: ConsentImportOptions, now = new Date()): Promise<ConsentImportReport> {
  const records = parseCsv(csv);
  const report: ConsentImportReport = { rows: Math.max(0, records.length - 1), inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  const header = (records[0] ?? []).map((h) => h.trim());
  const index = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const { mapping } = options;
  for (const [key, name] of Object.entries(mapping)) {
    if (name !== undefined && index(name) < 0) throw new ImportMappingError(`the file has no column "${name}" (for ${key}); its columns: ${header.join(', ')}`);
  }
  if (mapping.consentText === undefined && !options.consentText) throw new ImportMappingError('name the consent wording: a column (consentText) or one wording for the file');

  const valid = new Map<string, ValidRow>();
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    const cell = (name: string | undefined) => (name === undefined ? '' : (record[index(name)] ?? '').trim());
    const rawPhone = cell(mapping.phone);
    const phone = rawPhone === '' ? null : normalizePhone(rawPhone.replace(/[\s.-]/g, ''));
    if (phone === null || !/^\+8210\d{8}$/.test(phone)) return void report.rejected.push({ line, reason: rawPhone === '' ? 'no phone number' : 'not a Korean mobile number' });
    const consentedAt = readDate(cell(mapping.consentedAt));
    if (consentedAt === null) return void report.rejected.push({ line, reason: 'no valid date of consent' });
    if (consentedAt > now) return void report.rejected.push({ line, reason: 'date of consent in the future' });
    const consentText = mapping.consentText ? cell(mapping.consentText) : options.consentText!;
    if (consentText === '') return void report.rejected.push({ line, reason: 'no consent wording' });
    if (valid.has(phone)) return void report.rejected.push({ line, reason: `same number as line ${valid.get(phone)!.line}` });
    const segments = mapping.segments ? cell(mapping.segments).split(/[|;]/).map((s) => s.trim()).filter((s) => s !== '') : [];
    valid.set(phone, { line, phone, consentedAt, dong: cell(mapping.dong) || null, segments, consentText });
  });

  const rows = [...valid.values()];
  for (let i = 0; i < rows.length; i += 1000) {
    const page = rows.slice(i, i + 1000);
    await db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('notice_consents')
        .selectAll()
        .where('phone', 'in', page.map((r) => r.phone))
        .forUpdate()
        .execute();
      const byPhone = new Map(existing.map((e) => [e.phone, e]));
      const inserts = [];
      for (const row of page) {
        const known = byPhone.get(row.phone);
        if (!known) {
          inserts.push(row);
          continue;
        }
        if (known.status === 'withdrawn' && known.withdrawn_at! >= row.consentedAt) {
          report.rejected.push({ line: row.line, reason: 'withdrew after this consent: stays withdrawn' });
          continue;
        }
        const same =
          known.status === 'active' &&
          known.consented_at?.getTime() === row.consentedAt.getTime() &&
          known.consent_text === row.consentText &&
          known.dong === row.dong &&
          known.segments.join('|') === row.segments.join('|');
        if (same) {
          report.unchanged += 1;
          continue;
        }
        // The ledger knows a later consent (given on the line, say): it stays.
        if (known.status === 'active' && known.consented_at && known.consented_at > row.consentedAt) {
          report.unchanged += 1;
          continue;
        }
        await trx
          .updateTable('notice_consents')
          .set({
            status: 'active',
            consented_at: row.consentedAt,
            consent_channel: 'import',
            consent_text: row.consentText,
            source: options.source,
            dong: row.dong,
            segments: row.segments,
            withdrawn_at: null,
            withdrawal_channel: null,
            withdrawal_text: null,
            purge_after: null,
            updated_at: new Date(),
          })
          .where('id', '=', known.id)
          .execute();
        report.updated += 1;
      }
      if (inserts.length > 0) {
        await trx
          .insertInto('notice_consents')
          .values(
            inserts.map((r) => ({
              phone: r.phone,
              dong: r.dong,
              segments: sql<string[]>`${r.segments}::text[]`,
              status: 'active' as const,
              consented_at: r.consentedAt,
              consent_channel: 'import' as const,
              consent_text: r.consentText,
              source: options.source,
            })),
          )
          .execute();
        report.inserted += inserts.length;
      }
    });
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
