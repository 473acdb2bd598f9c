import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  /** Public identifier sent with every report. */
  key: string;
  /** Shown once when created; only its hash is stored. */
  secret: string;
}

/**
 * Host keys are `hk_<host _id as 24 hex digits>_<16 base64url characters (96 random bits)>`. The id part lets the
 * API find the host with a lookup by `_id` alone, which MongoDB answers from its primary key and FerretDB hands to
 * its storage instead of decoding every document. The key is an identifier, not a credential: the secret
 * authenticates.
 */
const KEY_WITH_ID = /^hk_([0-9a-f]{24})_[A-Za-z0-9_-]{16}$/;

/** Keys issued before the id was part of them: `hk_` and 16 base64url characters. */
const LEGACY_KEY = /^hk_[A-Za-z0-9_-]{16}$/;

/** What a presented key says about where its host is. */
export type KeyShape = { kind: 'id'; hostId: string } | { kind: 'legacy' } | { kind: 'malformed' };

export function keyShape(key: string): KeyShape {
  const m = KEY_WITH_ID.exec(key);
  if (m) return { kind: 'id', hostId: m[1]! };
  return LEGACY_KEY.test(key) ? { kind: 'legacy' } : { kind: 'malformed' };
}

/** A new key and secret for the host with id `hostId` (24 hex digits). */
export function newCredentials(hostId: string): Credentials {
  if (!/^[0-9a-f]{24}$/.test(hostId)) throw new TypeError('hostId must be 24 lower-case hex digits');
  return { key: `hk_${hostId}_${randomBytes(12).toString('base64url')}`, secret: randomBytes(32).toString('base64url') };
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
