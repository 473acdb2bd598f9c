/**
 * `POST /api/v1/enroll` (issue 14): an agent trades an enrolment token (`hostwatch enroll create`) for a host of its
 * own. Body `{"token": "et_...", "hostname": "web-1"}`; answers
 * - 201 `{name, key, secret}`: the host, registered under the lower-cased hostname with the token's tags;
 * - 400 for a body that is not that (the field is named), 409 when a host of that name exists (the use is kept);
 * - 401 `{error: "unauthorized", reason}` with reason `unknown` (no such token, or a wrong one), `expired`, `spent`
 *   or `revoked`; unknown tokens count as failed authentications (auth-limiter.ts), so guessing ends in 429.
 * Nothing is created on a refusal. The token and the secret are never logged.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EnrollStore, RefusalReason } from '../store/enroll-store.js';
import { DuplicateHostError, type HostStore } from '../store/hosts-store.js';
import type { AuthAttempt, AuthFailureLimiter } from './auth-limiter.js';

export interface EnrollRouteDeps {
  enroll: EnrollStore;
  hosts: HostStore;
  limiter: AuthFailureLimiter;
  now: () => Date;
  tooManyAttempts: (reply: FastifyReply, seconds: number) => FastifyReply;
}

/** Enrolment attempts are limited under this name (like the viewer token). */
const ENROLL_KEY = '(enroll token)';
/** Host names as `hosts add` takes them (cli/hosts.ts), stored lower-cased. */
const HOST_NAME = /^[A-Za-z0-9._-]{1,100}$/;

const REFUSALS: Record<RefusalReason, string> = {
  unknown: 'enrolment token not recognised: check it was copied whole (hostwatch enroll list shows the live ones)',
  expired: 'enrolment token expired: create a new one with "hostwatch enroll create"',
  spent: 'enrolment token has no use left: create a new one with "hostwatch enroll create"',
  revoked: 'enrolment token was revoked',
};

class EnrollBodyError extends Error {}

function parseBody(raw: unknown): { token: string; hostname: string } {
  let body: unknown;
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : '');
  } catch {
    throw new EnrollBodyError('body must be a JSON object {"token": "...", "hostname": "..."}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EnrollBodyError('body must be a JSON object {"token": "...", "hostname": "..."}');
  const { token, hostname } = body as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0 || token.length > 256) throw new EnrollBodyError('token must be a string of 1 to 256 characters');
  if (typeof hostname !== 'string' || !HOST_NAME.test(hostname)) {
    throw new EnrollBodyError('hostname must be 1 to 100 characters of letters, digits, ".", "_" and "-"');
  }
  return { token, hostname: hostname.toLowerCase() };
}

export function registerEnrollRoute(app: FastifyInstance, deps: EnrollRouteDeps): void {
  app.post('/api/v1/enroll', async (req, reply) => {
    const at = deps.now();
    const attempt: AuthAttempt = { source: req.ip, key: ENROLL_KEY };
    const wait = await deps.limiter.retryAfter(attempt, at.getTime());
    if (wait > 0) return deps.tooManyAttempts(reply, wait);
    let body: { token: string; hostname: string };
    try {
      body = parseBody(req.body);
    } catch (err) {
      if (err instanceof EnrollBodyError) return reply.code(400).send({ error: 'bad_request', message: err.message });
      throw err;
    }
    try {
      const result = await deps.enroll.enroll(body.token, body.hostname, deps.hosts, at);
      if (!result.ok) {
        if (result.reason === 'unknown') await deps.limiter.failed(attempt, at.getTime());
        return reply.code(401).send({ error: 'unauthorized', reason: result.reason, message: REFUSALS[result.reason] });
      }
      deps.limiter.succeeded(attempt, at.getTime());
      return reply.code(201).header('cache-control', 'no-store').send({ name: result.name, key: result.key, secret: result.secret });
    } catch (err) {
      if (err instanceof DuplicateHostError) return reply.code(409).send({ error: 'conflict', message: `a host named "${body.hostname}" already exists; enrol with another name (--name)` });
      throw err;
    }
  });
}
