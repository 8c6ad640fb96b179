import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listCorrections } from './routing-examples.js';
import { withdrawStaffCorrection } from './corrections.js';
import { DateTime, Id, notFoundError, Nullable, staffErrors } from '../http/api-schemas.js';

const tags = ['routing'];

const CorrectionList = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Id,
          caseId: Nullable(Id),
          caseNumber: Type.String(),
          routedDepartment: Nullable(Type.String({ description: 'where the router had sent the case' })),
          department: Type.String({ description: 'where staff moved it' }),
          staffId: Nullable(Type.Integer()),
          staffName: Nullable(Type.String()),
          reason: Nullable(Type.String()),
          createdAt: DateTime,
          withdrawnAt: Nullable(DateTime),
          withdrawnBy: Nullable(Type.Integer()),
        },
        { additionalProperties: false },
      ),
      { description: 'newest first' },
    ),
  },
  { additionalProperties: false },
);

/**
 * Staff corrections the router learns from, for managers and admins to audit and,
 * where a correction was a mistake, withdraw (the router then unlearns it).
 */
const correctionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auditors = app.requirePermission('corrections:manage');

  app.get(
    '/routing/corrections',
    {
      schema: {
        tags,
        summary: 'The routing corrections staff made (reassignments the router learns from)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: CorrectionList, ...staffErrors },
      },
      onRequest: auditors,
    },
    async (request) => {
      const rows = await listCorrections(app.db, request.query.limit ?? 100);
      return {
        items: rows.map((r) => ({
          id: r.id,
          caseId: r.case_id,
          caseNumber: r.case_number,
          routedDepartment: r.routed_department,
          department: r.department_code,
          staffId: r.staff_id,
          staffName: r.staff_name,
          reason: r.reason,
          createdAt: r.created_at.toISOString(),
          withdrawnAt: r.withdrawn_at?.toISOString() ?? null,
          withdrawnBy: r.withdrawn_by,
        })),
      };
    },
  );

  app.post(
    '/routing/corrections/:id/withdraw',
    {
      schema: {
        tags,
        summary: 'Withdraw a mistaken correction (the router unlearns it)',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: {
          200: Type.Object({ id: Id, withdrawn: Type.Boolean() }, { additionalProperties: false }),
          ...staffErrors,
          ...notFoundError('`not_found`: no active correction with this id'),
        },
      },
      onRequest: auditors,
    },
    async (request) => {
      await withdrawStaffCorrection(app.db, { staffId: request.staff!.id, ip: request.ip }, request.params.id);
      return { id: request.params.id, withdrawn: true };
    },
  );
};

export default correctionsRoutes;
