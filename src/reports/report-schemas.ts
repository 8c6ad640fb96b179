import { Type } from 'typebox';
import { OneOf } from '../http/api-schemas.js';

// The response schemas of the report API: what reportSummary, reportTrend and listDigests
// (report-queries.ts, deadlines/digest.ts) return, field for field.

const Date_ = Type.String({ format: 'date', description: 'a Seoul calendar date, YYYY-MM-DD' });
const Count = Type.Integer({ minimum: 0 });
const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const Counts = (description: string) => Type.Record(Type.String(), Count, { description });
const Scope = Type.String({ description: '"all" (the district) or the one department reported on' });

const SatisfactionFiguresProps = {
  asked: Type.Integer({ minimum: 0, description: 'satisfaction questions asked in the period' }),
  responded: Type.Integer({ minimum: 0, description: 'of those, answered by the resident' }),
  responseRate: Type.Number({ minimum: 0, maximum: 1, description: 'responded / asked' }),
  distribution: Type.Object(
    { '1': Count, '2': Count, '3': Count, '4': Count, '5': Count },
    { additionalProperties: false, description: 'responses by score: 5 매우 만족 … 1 매우 불만' },
  ),
  positiveShare: Type.Number({ minimum: 0, maximum: 1, description: 'scores 4 and 5, of all responses' }),
  averageScore: Type.Union([Type.Number({ minimum: 1, maximum: 5 }), Type.Null()], { description: 'mean score; null without responses' }),
};
const SatisfactionFigures = Type.Object(SatisfactionFiguresProps, { additionalProperties: false });

const SatisfactionReportSchema = Type.Object(
  {
    ...SatisfactionFiguresProps,
    byDepartment: Type.Record(Type.String(), SatisfactionFigures, { description: "by the case's department code ('none': no department)" }),
    byCategory: Type.Record(Type.String(), SatisfactionFigures, { description: "by the case's category code ('none': no category)" }),
  },
  { additionalProperties: false, description: 'the satisfaction question (docs/satisfaction.md), for the questions asked in the period' },
);

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
    committee: Type.Object(
      {
        referred: Type.Integer({ minimum: 0, description: 'cases referred to the grievance committee (구민고충처리위원회) in the period, withdrawn referrals left out' }),
        reviewed: Type.Integer({ minimum: 0, description: 'findings the committee recorded in the period' }),
      },
      { additionalProperties: false },
    ),
    satisfaction: SatisfactionReportSchema,
    mayorSessions: Type.Object(
      {
        ondate: Type.Object(
          { volunteers: Count, chosen: Count },
          { additionalProperties: false, description: '온데이트: residents who volunteered in the period, and those of them chosen' },
        ),
        visits: Type.Object(
          { applied: Count, met: Count },
          { additionalProperties: false, description: '찾아가는 구청장실: applications received, and meetings held (recorded) in the period' },
        ),
      },
      { additionalProperties: false, description: "the mayor's sessions (for a department: those whose case is the department's)" },
    ),
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
