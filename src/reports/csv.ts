import type { FastifyReply } from 'fastify';
import type { reportCaseRows, ReportPeriod, ReportScope } from './report-queries.js';
import { seoulDateTime } from '../domain/seoul-time.js';

type CaseRow = Awaited<ReturnType<typeof reportCaseRows>>[number];

/** Excel opens UTF-8 CSV as Korean only when the file starts with a byte order mark. */
const BOM = '\uFEFF';

/** Seoul local time as Excel reads it: 2026-11-26 09:30. */
const seoulTime = (at: Date | null) => (at ? seoulDateTime(at) : '');

/** Quotes a field when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
function field(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'caseNumber',
  'receivedAt',
  'channel',
  'category',
  'categoryLabel',
  'department',
  'departmentName',
  'kind',
  'status',
  'disposition',
  'dispositionLabel',
  'deadlineDays',
  'dueAt',
  'extended',
  'answeredAt',
  'closedAt',
  'processingDays',
  'overdue',
  'satisfactionAsked',
  'satisfactionScore',
  'photos',
] as const;

/** One row per case (no resident's phone, no message text), times in Seoul. */
export function casesCsv(rows: CaseRow[], now = new Date()): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const processingDays = r.closed_at ? ((r.closed_at.getTime() - r.received_at.getTime()) / 86_400_000).toFixed(2) : '';
    const overdue = r.due_at !== null && (r.closed_at ? r.closed_at > r.due_at : r.due_at < now);
    lines.push(
      [
        r.case_number,
        seoulTime(r.received_at),
        r.channel,
        r.category_code,
        r.category_label,
        r.department_code,
        r.department_name,
        r.kind,
        r.status,
        r.disposition_code,
        r.disposition_label,
        r.deadline_days,
        seoulTime(r.due_at),
        r.extended_at ? 'Y' : 'N',
        seoulTime(r.answered_at),
        seoulTime(r.closed_at),
        processingDays,
        overdue ? 'Y' : 'N',
        r.satisfaction_asked ? 'Y' : 'N',
        r.satisfaction_score,
        r.photos ?? 0,
      ]
        .map(field)
        .join(','),
    );
  }
  return BOM + lines.join('\r\n') + '\r\n';
}

/** Sends the cases of a period as a CSV download. */
export function sendCasesCsv(reply: FastifyReply, rows: CaseRow[], period: ReportPeriod, scope: ReportScope) {
  const name = `sotong-cases-${scope === 'all' ? 'all' : scope}-${period.from}-${period.to}.csv`;
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(casesCsv(rows));
}
