import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Staff } from '../staff/staff.table.js';
import { caseScope } from '../staff/policy.js';
import { reportCaseRows, reportSummary, reportTrend, type ReportScope } from './report-queries.js';
import { sendCasesCsv } from './csv.js';
import { listDigests } from '../deadlines/digest.js';
import { seoulDate } from '../domain/seoul-time.js';
import { badRequest } from '../http/errors.js';
import { staffErrors } from '../http/api-schemas.js';
import { DigestListSchema, ReportSummarySchema, ReportTrendSchema } from './report-schemas.js';

export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** Managers report on the whole district; staff on their own department only. */
export function reportScope(staff: Staff): ReportScope {
  const scope = caseScope(staff, 'reports:read');
  return scope.kind === 'department' ? scope.department : 'all';
}

/** The first day of the month `months` months before the one `date` is in. */
export function monthsBack(date: string, months: number): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7)) - 1 - months;
  const first = new Date(Date.UTC(year, month, 1));
  return first.toISOString().slice(0, 10);
}

/**
 * The period a report covers when the caller leaves dates out, the same for the API and the
 * /reports page: the month so far in Seoul. Only `to`: from the first of its month (that month
 * up to that day). Only `from`: up to today (Seoul), so a `from` in the future is an empty,
 * refused period.
 */
export function reportPeriod(query: { from?: string | undefined; to?: string | undefined }, now = new Date()): { from: string; to: string } {
  const to = query.to ?? seoulDate(now);
  return { from: query.from ?? `${to.slice(0, 7)}-01`, to };
}

const tags = ['reports'];

/** The report API: the district's published tables, one row per case as CSV, and the trend. */
const reportsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const reporters = app.requirePermission('reports:read');

  app.get(
    '/reports/summary',
    {
      schema: {
        tags,
        summary: 'The report tables for a period (default: the month so far), or one row per case as CSV',
        querystring: Type.Object(
          {
            from: Type.Optional(Day),
            to: Type.Optional(Day),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The summary as JSON; with `format=csv` the cases received in the period (UTF-8 with a byte order mark, times in Seoul)',
            content: {
              'application/json': { schema: ReportSummarySchema },
              'text/csv': { schema: Type.String() },
            },
          },
          ...staffErrors,
        },
      },
      onRequest: reporters,
    },
    async (request, reply) => {
      const { format } = request.query;
      const { from, to } = reportPeriod(request.query);
      const scope = reportScope(request.staff!);
      if (format === 'csv') {
        return sendCasesCsv(reply, await reportCaseRows(app.db, { from, to }, scope), { from, to }, scope);
      }
      return reportSummary(app.db, { from, to }, scope);
    },
  );

  app.get(
    '/reports/trend',
    {
      schema: {
        tags,
        summary: 'One summary per month or quarter (default: the last 12 months or 4 quarters)',
        querystring: Type.Object(
          { by: Type.Union([Type.Literal('month'), Type.Literal('quarter')]), from: Type.Optional(Day), to: Type.Optional(Day) },
          { additionalProperties: false },
        ),
        response: { 200: ReportTrendSchema, ...staffErrors },
      },
      onRequest: reporters,
    },
    async (request) => {
      const { by } = request.query;
      const to = request.query.to ?? seoulDate(new Date());
      // By default the last 12 months, or the last 4 quarters, to date.
      const from = request.query.from ?? monthsBack(to, by === 'month' ? 11 : 9 + ((Number(to.slice(5, 7)) - 1) % 3));
      if (from > to) throw badRequest('invalid_period', '"from" must not be after "to"');
      return reportTrend(app.db, { from, to }, by, reportScope(request.staff!));
    },
  );

  app.get(
    '/reports/digests',
    {
      schema: {
        tags,
        summary: "A day's digests: open, overdue and due cases per department (default: today in Seoul)",
        querystring: Type.Object({ day: Type.Optional(Day) }, { additionalProperties: false }),
        response: { 200: DigestListSchema, ...staffErrors },
      },
      onRequest: reporters,
    },
    async (request) => {
      const day = request.query.day ?? seoulDate(new Date());
      return { day, items: await listDigests(app.db, day, reportScope(request.staff!)) };
    },
  );
};

export default reportsRoutes;
