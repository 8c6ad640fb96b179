import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Staff, StaffRole } from './staff.table.js';
import { findStaffByToken } from './staff-repository.js';
import { forbidden, unauthorized } from '../http/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    staff: Staff | null;
  }
  interface FastifyInstance {
    /** preHandler: a valid staff token of one of these roles. */
    requireRole(...roles: StaffRole[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Reads `Authorization: Bearer TOKEN` and admits the staff member it belongs to. */
export default fp(
  async (app) => {
    app.decorateRequest('staff', null);
    app.decorate('requireRole', (...roles: StaffRole[]) => {
      return async (request: FastifyRequest) => {
        const header = request.headers.authorization ?? '';
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        if (!match?.[1]) throw unauthorized();
        const staff = await findStaffByToken(app.db, match[1]);
        if (!staff) throw unauthorized('the staff token is unknown, revoked or expired');
        if (!roles.includes(staff.role)) throw forbidden();
        request.staff = staff;
      };
    });
  },
  { name: 'authenticate', dependencies: ['db'] },
);
