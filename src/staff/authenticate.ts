import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Staff } from './staff.table.js';
import { findStaffByToken } from './staff-repository.js';
import { can, type Permission } from './policy.js';
import { forbidden, unauthorized } from '../http/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    staff: Staff | null;
  }
  interface FastifyInstance {
    /** onRequest/preHandler: a valid staff token whose role has this permission (src/staff/policy.ts). */
    requirePermission(permission: Permission): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Reads `Authorization: Bearer TOKEN` and admits the staff member it belongs to, if the policy lets their role in. */
export default fp(
  async (app) => {
    app.decorateRequest('staff', null);
    app.decorate('requirePermission', (permission: Permission) => {
      return async (request: FastifyRequest) => {
        const header = request.headers.authorization ?? '';
        const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
        if (!match?.[1]) throw unauthorized();
        const staff = await findStaffByToken(app.db, match[1]);
        if (!staff) throw unauthorized('the staff token is unknown, revoked or expired');
        if (!can(staff.role, permission)) throw forbidden();
        request.staff = staff;
      };
    });
  },
  { name: 'authenticate', dependencies: ['db'] },
);
