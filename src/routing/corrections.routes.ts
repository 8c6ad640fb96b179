import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listCorrections, withdrawCorrection } from './routing-examples.js';
import { notFound } from '../http/errors.js';
import { recordAudit } from '../audit/audit-repository.js';

/**
 * Staff corrections the router learns from, for managers and admins to audit and,
 * where a correction was a mistake, withdraw (the router then unlearns it).
 */
const correctionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auditors = app.requirePermission('corrections:manage');

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
    { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }) }, onRequest: auditors },
    async (request) => {
      const { id } = request.params;
      const withdrawn = await app.db.transaction().execute(async (trx) => {
        if (!(await withdrawCorrection(trx, id, request.staff!.id))) return false;
        const row = await trx.selectFrom('routing_examples').select('case_id').where('id', '=', id).executeTakeFirst();
        const caseIds = row?.case_id ? [row.case_id] : [];
        await recordAudit(trx, { staffId: request.staff!.id, ip: request.ip }, 'correction.withdrawn', caseIds, { correctionId: id });
        return true;
      });
      if (!withdrawn) throw notFound(`no active correction ${id}`);
      return { id: request.params.id, withdrawn: true };
    },
  );
};

export default correctionsRoutes;
