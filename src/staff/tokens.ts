import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'sotong_';

/** 256 random bits: a token this strong needs a fast hash, not a password hash. */
export function newStaffToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
