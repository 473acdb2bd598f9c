/**
 * The admin token check of `/api/v1` (the management routes and `GET /api/v1/hosts`): `Authorization: Bearer
 * <ADMIN_TOKEN>`, compared in constant time; failures count in the failed-authentication limiter (auth-limiter.ts)
 * under one name, so guessing ends in 429. No token configured: every request is refused, after the same comparison,
 * so the answer looks the same.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuthAttempt, AuthFailureLimiter } from '../auth-limiter.js';

export interface AdminAuth {
  /** Unset: every request is refused. */
  adminToken?: string;
  limiter: AuthFailureLimiter;
  now: () => Date;
}

/** The admin token is limited like a host key, under this name. */
const ADMIN_KEY = '(admin token)';
/** Compared with when no token is configured. */
const NO_TOKEN = randomBytes(32).toString('base64url');

/** Constant-time string comparison (hashing first so the lengths are equal). */
function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** `ok`; `unauthorized` (counted as a failed attempt); or the seconds to wait before trying again (429). */
export async function checkAdmin(req: FastifyRequest, auth: AdminAuth): Promise<'ok' | 'unauthorized' | number> {
  const at = auth.now().getTime();
  const attempt: AuthAttempt = { source: req.ip, key: ADMIN_KEY };
  const wait = await auth.limiter.retryAfter(attempt, at);
  if (wait > 0) return wait;
  const header = req.headers.authorization;
  const value = typeof header === 'string' && header.length <= 4096 ? header : undefined;
  const token = value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
  const ok = tokenMatches(token ?? '', auth.adminToken ?? NO_TOKEN) && auth.adminToken !== undefined && token !== undefined;
  if (!ok) {
    await auth.limiter.failed(attempt, at);
    return 'unauthorized';
  }
  auth.limiter.succeeded(attempt, at);
  return 'ok';
}
