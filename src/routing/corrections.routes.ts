import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listCorrections, withdrawCorrection } from './routing-examples.js';
import { notFound } from '../http/errors.js';

/**
 * Staff corrections the router learns from, for managers and admins to audit and,
 * where a correction was a mistake, withdraw (the router then unlearns it).
 */
const correctionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auditors = app.requireRole('manager', 'admin');

  app.get(
    '/routing/corrections',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }) }, onRequest: auditors },
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
          createdAt: r.created_at.toISOString(),
          withdrawnAt: r.withdrawn_at?.toISOString() ?? null,
          withdrawnBy: r.withdrawn_by,
        })),
      };
    },
  );

  app.post(
    '/routing/corrections/:id/withdraw',
    { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }) }, onRequest: auditors },
    async (request) => {
      if (!(await withdrawCorrection(app.db, request.params.id, request.staff!.id))) {
        throw notFound(`no active correction ${request.params.id}`);
      }
      return { id: request.params.id, withdrawn: true };
    },
  );
};

export default correctionsRoutes;
