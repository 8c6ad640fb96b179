import { Type } from 'typebox';
import { OneOf } from '../http/api-schemas.js';

// The response schemas of the report API: what reportSummary, reportTrend and listDigests
// (report-queries.ts, deadlines/digest.ts) return, field for field.

const Date_ = Type.String({ format: 'date', description: 'a Seoul calendar date, YYYY-MM-DD' });
const Count = Type.Integer({ minimum: 0 });
const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const Counts = (description: string) => Type.Record(Type.String(), Count, { description });
const Scope = Type.String({ description: '"all" (the district) or the one department reported on' });

export const ReportSummarySchema = Type.Object(
  {
    period: Type.Object({ from: Date_, to: Date_, days: Count }, { additionalProperties: false }),
    scope: Scope,
    received: Count,
    byCategory: Counts('received cases by category code (every category, 0 included)'),
    unclassified: Type.Integer({ minimum: 0, description: 'received cases the router has not classified yet' }),
    byChannel: Counts('received cases by channel (sms, kakao, visit, web)'),
    byDisposition: Counts('closed cases by disposition code (every disposition, 0 included)'),
    closed: Count,
    completionRate: Type.Number({ minimum: 0, maximum: 1, description: 'closed as resolved or scheduled, of all closed' }),
    answerRate: Type.Number({ minimum: 0, maximum: 1, description: 'received cases answered, of all received' }),
    dailyAverageReceived: Type.Number(),
    dailyAverageClosed: Type.Number(),
    averageProcessingDays: Type.Number(),
    open: Type.Integer({ minimum: 0, description: "open at the period's end (or now)" }),
    overdue: Type.Integer({ minimum: 0, description: "open and past due at the period's end (or now)" }),
    closedLate: Type.Integer({ minimum: 0, description: 'closed in the period after their due time' }),
    withPhotos: Type.Integer({ minimum: 0, description: 'received cases with at least one photo the resident sent (kept or refused)' }),
  },
  { additionalProperties: false },
);

export const ReportTrendSchema = Type.Object(
  {
    by: OneOf(['month', 'quarter']),
    from: Date_,
    to: Date_,
    scope: Scope,
    periods: Type.Array(
      Type.Object(
        {
          period: Type.String({ description: '2026-11 or 2026-Q4' }),
          from: Date_,
          to: Date_,
          received: Count,
          closed: Count,
          completionRate: Ratio,
          answerRate: Ratio,
          averageProcessingDays: Type.Number(),
          open: Count,
          overdue: Count,
          byCategory: Counts('received cases by category code'),
          byDisposition: Counts('closed cases by disposition code'),
        },
        { additionalProperties: false },
      ),
      { description: 'each month or quarter, clipped to the period' },
    ),
  },
  { additionalProperties: false },
);

export const DigestListSchema = Type.Object(
  {
    day: Date_,
    items: Type.Array(
      Type.Object(
        {
          day: Date_,
          department: Type.String(),
          open: Count,
          overdue: Count,
          dueToday: Count,
          receivedYesterday: Count,
          closedYesterday: Count,
        },
        { additionalProperties: false },
      ),
      { description: "the day's stored digest, one per department in your scope" },
    ),
  },
  { additionalProperties: false },
);
