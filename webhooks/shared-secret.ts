import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * For providers that send a shared secret back in a header (Kakao's skill, Solapi's
 * reports): compares against the secret's hash, made once. Hashing first makes the
 * comparison take the same time whatever the lengths, so not even the length leaks.
 */
export function secretMatcher(expected: string): (given: string) => boolean {
  const expectedHash = sha256(expected);
  return (given) => timingSafeEqual(sha256(given), expectedHash);
}
