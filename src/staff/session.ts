import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import type { Staff } from './staff.table.js';
import { findStaffByToken } from './staff-repository.js';

/**
 * The browser pages' sign-in (/reports, /console): the staff token is given once, checked, and
 * kept in an HttpOnly, SameSite=Strict cookie scoped to the page's path. The cookie holds the
 * token itself, so every request checks it again: a revoked or expired token ends the session
 * at once, with no session table to keep in step. A proxy sending `Authorization: Bearer` works too.
 */
export interface SessionCookie {
  name: string;
  path: string;
}

/** A browser session lasts a working day at most, and never beyond the token's own expiry. */
export const SESSION_MAX_AGE_SECONDS = 12 * 3600;

export function sessionToken(request: FastifyRequest, cookie: SessionCookie): string | undefined {
  const header = /^Bearer\s+(\S{1,512})$/i.exec(request.headers.authorization ?? '')?.[1];
  return header ?? request.cookies[cookie.name];
}

/** The staff member of the request's session: null without a token, 'ended' when it is unknown, revoked or expired. */
export async function sessionStaff(db: Db, request: FastifyRequest, cookie: SessionCookie): Promise<{ staff: Staff; token: string } | null | 'ended'> {
  const token = sessionToken(request, cookie);
  if (!token) return null;
  const staff = await findStaffByToken(db, token);
  return staff ? { staff, token } : 'ended';
}

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, cookie: SessionCookie, token: string, staff: Staff): FastifyReply {
  const untilExpiry = Math.floor((staff.token_expires_at.getTime() - Date.now()) / 1000);
  return reply.setCookie(cookie.name, token, {
    path: cookie.path,
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: Math.max(1, Math.min(SESSION_MAX_AGE_SECONDS, untilExpiry)),
  });
}

export function clearSessionCookie(reply: FastifyReply, cookie: SessionCookie): FastifyReply {
  return reply.clearCookie(cookie.name, { path: cookie.path });
}

/**
 * The synchronizer token a session's forms carry (a hidden input checked on every POST), on top
 * of SameSite=Strict. Derived from the session's token, so it needs no storage and dies with it;
 * a hash cannot be turned back into the token it came from.
 */
export function csrfToken(sessionTokenValue: string): string {
  return createHash('sha256').update(`sotong-csrf\u0000${sessionTokenValue}`, 'utf8').digest('base64url');
}

export function csrfTokenMatches(sessionTokenValue: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const expected = Buffer.from(csrfToken(sessionTokenValue));
  const given = Buffer.from(submitted);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
