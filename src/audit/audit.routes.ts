import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listAudit, recordAudit } from './audit-repository.js';
import { seoulDayStart } from '../domain/seoul-time.js';
import { badRequest } from '../http/errors.js';
import { DateTime, Nullable, staffErrors } from '../http/api-schemas.js';

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const DAY_MS = 24 * 3600 * 1000;

const AuditQuery = Type.Object(
  {
    caseId: Type.Optional(Id),
    staffId: Type.Optional(Id),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    cursor: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

const AuditPage = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.Integer(),
          staffId: Type.Integer(),
          action: Type.String({
            description:
              'cases.listed, case.read, case.replied, case.assigned, case.closed, case.note_added, case.resident_phone_read, case.attachment_read, resident.blocked, resident.unblocked, correction.withdrawn, dead_letter.retried, audit.read',
          }),
          caseIds: Type.Array(Type.Integer()),
          detail: Type.Record(Type.String(), Type.Unknown(), { description: 'what the action needs to be understood (a search kind, a reason); never message text or phone numbers' }),
          ip: Nullable(Type.String()),
          createdAt: DateTime,
        },
        { additionalProperties: false },
      ),
      { description: 'newest first' },
    ),
    nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page; null on the last page' })),
  },
  { additionalProperties: false },
);

const auditSchema = {
  tags: ['audit'],
  summary: 'The audit log: who read or changed which case (reading it is audited too)',
  querystring: AuditQuery,
  response: { 200: AuditPage, ...staffErrors },
};

function decodeCursor(cursor: string): number {
  const id = /^[1-9]\d{0,15}$/.test(cursor) ? Number(cursor) : NaN;
  if (!Number.isSafeInteger(id)) throw badRequest('invalid_cursor', 'the cursor is not one this API returned');
  return id;
}

/** The audit log of who read or changed which case, for admins. Reading it is itself audited. */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/audit', { schema: auditSchema, onRequest: app.requirePermission('audit:read') }, async (request) => {
    const q = request.query;
    const page = await listAudit(app.db, {
      caseId: q.caseId,
      staffId: q.staffId,
      from: q.from ? seoulDayStart(q.from) : undefined,
      to: q.to ? new Date(seoulDayStart(q.to).getTime() + DAY_MS) : undefined,
      beforeId: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit ?? 100,
    });
    await recordAudit(app.db, { staffId: request.staff!.id, ip: request.ip }, 'audit.read', q.caseId ? [q.caseId] : [], { query: q });
    return {
      items: page.items.map((e) => ({
        id: e.id,
        staffId: e.staff_id,
        action: e.action,
        caseIds: e.case_ids.map(Number),
        detail: e.detail,
        ip: e.ip,
        createdAt: e.created_at.toISOString(),
      })),
      nextCursor: page.nextBeforeId === null ? null : String(page.nextBeforeId),
    };
  });
};

export default auditRoutes;
