import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bodyErrors, conflictError, DateTime, Id, notFoundError, Nullable, OneOf, staffErrors } from '../http/api-schemas.js';
import { approveNotice, cancelNotice, draftNotice, findNotice, listNotices, noticeProgress, previewNotice } from './notices.js';
import { consentCounts, listConsents } from './consent-repository.js';
import type { Notice, NoticeAudience } from './notice.table.js';
import { InvalidInput } from '../domain/errors.js';
import { registerNoticeMetrics } from './notice-metrics.js';
import { ImportMappingError, importConsents } from './consent-import.js';
import { recordAudit } from '../audit/audit-repository.js';
import { MAX_BODY_CHARS, MAX_TITLE_CHARS } from './notice-text.js';

const tags = ['notices'];

// One object rather than a union: the app's validator drops unknown properties, which in a union
// would strip `dongs` while trying the first branch. The domain checks the combination.
const Audience = Type.Object(
  {
    kind: OneOf(['all', 'dong', 'segment']),
    dongs: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1, maxItems: 50 })),
    segment: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);

function audienceOf(input: { kind: 'all' | 'dong' | 'segment'; dongs?: string[]; segment?: string } | undefined): NoticeAudience {
  if (!input || input.kind === 'all') return { kind: 'all' };
  if (input.kind === 'dong') {
    if (!input.dongs) throw new InvalidInput('invalid_audience', 'name at least one 동 in `dongs`');
    return { kind: 'dong', dongs: input.dongs };
  }
  if (!input.segment) throw new InvalidInput('invalid_audience', 'name the `segment`');
  return { kind: 'segment', segment: input.segment };
}

const Progress = Type.Object(
  {
    total: Type.Integer(),
    queued: Type.Integer(),
    sending: Type.Integer(),
    sent: Type.Integer({ description: 'accepted by the gateway, no report yet' }),
    delivered: Type.Integer({ description: 'delivered as 알림톡' }),
    fallback: Type.Integer({ description: 'delivered as SMS/LMS instead' }),
    failed: Type.Integer(),
    skipped: Type.Integer({ description: 'withdrawn before the send, or the notice was cancelled' }),
    unknown: Type.Integer({ description: 'a worker died during the request: never sent again' }),
  },
  { additionalProperties: false },
);

const NoticeView = Type.Object(
  {
    id: Id,
    title: Type.String(),
    body: Type.String(),
    buttonLabel: Nullable(Type.String()),
    buttonUrl: Nullable(Type.String()),
    audience: Audience,
    urgent: Type.Boolean(),
    status: OneOf(['draft', 'approved', 'sending', 'sent', 'cancelled']),
    draftedBy: Type.Integer(),
    approvedBy: Nullable(Type.Integer()),
    createdAt: DateTime,
    approvedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
    recipientCount: Nullable(Type.Integer()),
    preview: Type.Object(
      {
        text: Type.String({ description: 'the notice as residents read it (알림톡 and its SMS/LMS fallback)' }),
        recipients: Type.Integer(),
        cost: Type.Object(
          {
            recipients: Type.Integer(),
            ata: Type.Number({ description: 'won, every recipient reached by 알림톡' }),
            fallback: Type.Number({ description: 'won, every recipient reached by the fallback instead (the most it can cost)' }),
            fallbackType: OneOf(['SMS', 'LMS']),
            prices: Type.Object({ ata: Type.Number(), sms: Type.Number(), lms: Type.Number() }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    progress: Progress,
  },
  { additionalProperties: false },
);

const Params = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** Notices to subscribed residents (docs/notices.md): managers draft, an admin approves, both follow and may cancel. */
const noticesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const config = app.config.notices;
  registerNoticeMetrics(app.metrics, app.db);
  const view = async (notice: Notice) => ({
    id: notice.id,
    title: notice.title,
    body: notice.body,
    buttonLabel: notice.button_label,
    buttonUrl: notice.button_url,
    audience: notice.audience,
    urgent: notice.urgent,
    status: notice.status,
    draftedBy: notice.drafted_by,
    approvedBy: notice.approved_by,
    createdAt: notice.created_at.toISOString(),
    approvedAt: notice.approved_at?.toISOString() ?? null,
    finishedAt: notice.finished_at?.toISOString() ?? null,
    recipientCount: notice.recipient_count,
    preview: await previewNotice(app.db, config, notice),
    progress: await noticeProgress(app.db, notice.id),
  });

  app.get(
    '/notices',
    {
      schema: { tags, summary: 'Notices, newest first', response: { 200: Type.Object({ items: Type.Array(NoticeView) }), ...staffErrors } },
      onRequest: app.requirePermission('notices:read'),
    },
    async () => ({ items: await Promise.all((await listNotices(app.db)).map(view)) }),
  );

  app.post(
    '/notices',
    {
      schema: {
        tags,
        summary: 'Draft a notice (a manager); nothing is sent before an admin approves it',
        body: Type.Object(
          {
            title: Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS }),
            body: Type.String({ minLength: 1, maxLength: MAX_BODY_CHARS }),
            buttonLabel: Type.Optional(Type.String({ minLength: 1, maxLength: 14 })),
            buttonUrl: Type.Optional(Type.String({ maxLength: 500, pattern: '^https://' })),
            audience: Type.Optional(Audience),
          },
          { additionalProperties: false },
        ),
        response: { 201: NoticeView, ...staffErrors, ...bodyErrors },
      },
      onRequest: app.requirePermission('notices:draft'),
    },
    async (request, reply) => {
      const b = request.body;
      const notice = await draftNotice(
        app.db,
        request.staff!.id,
        { title: b.title, body: b.body, buttonLabel: b.buttonLabel ?? null, buttonUrl: b.buttonUrl ?? null, audience: audienceOf(b.audience) },
        { staffId: request.staff!.id, ip: request.ip },
      );
      reply.code(201);
      return view(notice);
    },
  );

  app.get(
    '/notices/:id',
    {
      schema: {
        tags,
        summary: 'A notice with its preview (text, recipients, cost) and progress',
        params: Params,
        response: { 200: NoticeView, ...staffErrors, ...notFoundError('`not_found`: no such notice') },
      },
      onRequest: app.requirePermission('notices:read'),
    },
    async (request) => view(await findNotice(app.db, request.params.id)),
  );

  app.post(
    '/notices/:id/approve',
    {
      schema: {
        tags,
        summary: 'Approve a notice another person drafted (an admin): it is sent at the configured rate',
        description: 'Between 21:00 and 08:00 Seoul time the send waits for 08:00 unless `urgent` is true.',
        params: Params,
        body: Type.Optional(Type.Object({ urgent: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
        response: {
          200: NoticeView,
          ...staffErrors,
          ...notFoundError('`not_found`: no such notice'),
          ...bodyErrors,
          ...conflictError('`notice_not_draft`: already approved or cancelled; `notices_not_configured`: no gateway to send it'),
        },
      },
      onRequest: app.requirePermission('notices:approve'),
    },
    async (request) => {
      const notice = await approveNotice(app.db, app.queues, config, request.staff!.id, request.params.id, { urgent: request.body?.urgent ?? false }, {
        staffId: request.staff!.id,
        ip: request.ip,
      });
      return view(notice);
    },
  );

  app.post(
    '/notices/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a notice, also midway: no recipient still queued gets it',
        params: Params,
        response: {
          200: NoticeView,
          ...staffErrors,
          ...notFoundError('`not_found`: no such notice'),
          ...conflictError('`notice_finished`: already sent or cancelled'),
        },
      },
      onRequest: app.requirePermission('notices:cancel'),
    },
    async (request) => view(await cancelNotice(app.db, request.staff!.id, request.params.id, { staffId: request.staff!.id, ip: request.ip })),
  );

  app.get(
    '/notice-consents',
    {
      schema: {
        tags,
        summary: 'The consent ledger, numbers masked (010-****-1234)',
        querystring: Type.Object({
          status: Type.Optional(OneOf(['active', 'withdrawn'])),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          after: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
        response: {
          200: Type.Object(
            {
              counts: Type.Object({ active: Type.Integer(), withdrawn: Type.Integer() }),
              items: Type.Array(
                Type.Object(
                  {
                    id: Id,
                    phone: Nullable(Type.String({ description: 'masked' })),
                    dong: Nullable(Type.String()),
                    status: OneOf(['active', 'withdrawn']),
                    consentedAt: Nullable(DateTime),
                    consentChannel: Nullable(Type.String()),
                    withdrawnAt: Nullable(DateTime),
                  },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          ...staffErrors,
        },
      },
      onRequest: app.requirePermission('notices:consents'),
    },
    async (request) => {
      const items = await listConsents(app.db, { status: request.query.status, limit: request.query.limit ?? 100, afterId: request.query.after });
      return {
        counts: await consentCounts(app.db),
        items: items.map((i) => ({ ...i, consentedAt: i.consentedAt?.toISOString() ?? null, withdrawnAt: i.withdrawnAt?.toISOString() ?? null })),
      };
    },
  );

  app.post(
    '/notice-consents/import',
    {
      // The district's list: 37,500 rows are about 2 MB of CSV.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags,
        summary: "Import the district's list of subscribers (CSV in a JSON string, with a column mapping)",
        description:
          'Rows are checked one by one; rejected rows are reported by line with the reason, never imported. Importing the same file again changes nothing; a number that withdrew after the date in the file stays withdrawn. Also: `npm run cli -- notices import`.',
        body: Type.Object(
          {
            csv: Type.String({ minLength: 1, description: 'UTF-8 CSV with a header row' }),
            mapping: Type.Object(
              {
                phone: Type.String({ minLength: 1 }),
                consentedAt: Type.String({ minLength: 1 }),
                dong: Type.Optional(Type.String({ minLength: 1 })),
                segments: Type.Optional(Type.String({ minLength: 1 })),
                consentText: Type.Optional(Type.String({ minLength: 1 })),
              },
              { additionalProperties: false, description: 'which header holds what' },
            ),
            consentText: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'the wording residents agreed to, when no column holds it' })),
            source: Type.String({ minLength: 1, maxLength: 200, description: "the file's name, recorded with each consent" }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              rows: Type.Integer(),
              inserted: Type.Integer(),
              updated: Type.Integer(),
              unchanged: Type.Integer(),
              rejected: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }, { additionalProperties: false })),
            },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...bodyErrors,
        },
      },
      onRequest: app.requirePermission('notices:consents'),
    },
    async (request) => {
      const b = request.body;
      let report;
      try {
        report = await importConsents(app.db, b.csv, { mapping: b.mapping, consentText: b.consentText, source: b.source });
      } catch (error) {
        if (error instanceof ImportMappingError) throw new InvalidInput('invalid_mapping', error.message);
        throw error;
      }
      await recordAudit(app.db, { staffId: request.staff!.id, ip: request.ip }, 'notice_consents.imported', [], {
        source: b.source,
        inserted: report.inserted,
        updated: report.updated,
        rejected: report.rejected.length,
      });
      return report;
    },
  );
};

export default noticesRoutes;
