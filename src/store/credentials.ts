import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  /** Public identifier sent with every report. */
  key: string;
  /** Shown once when created; only its hash is stored. */
  secret: string;
}

export function newCredentials(): Credentials {
  return { key: `hk_${randomBytes(12).toString('base64url')}`, secret: randomBytes(32).toString('base64url') };
}

/** Secrets are 256 random bits, so a fast hash is enough: there is nothing to brute-force. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
