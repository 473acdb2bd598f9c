/**
 * The API's request log (pino, built into fastify), in the same JSON line shape as the worker's: `time` (ISO 8601),
 * `level` (a name), `message`, then fields. Credentials are never written: the request serializer names a few
 * headers and shows only whether the secret, the Authorization header and a cookie were sent, and pino's redaction covers
 * both paths in case a handler logs the headers itself.
 */
import type { FastifyRequest } from 'fastify';
import type { LogLevelName } from '../config.js';

export const REDACTED = '[redacted]';

/** Headers copied into a request's log line; the rest are left out. */
const LOGGED_HEADERS = ['user-agent', 'content-type', 'content-length', 'x-host-key'] as const;
/** A host key as hostwatch issues them; anything else in `X-Host-Key` (a secret pasted there by mistake) is not logged. */
const KEY_SHAPE = /^hk_[A-Za-z0-9_-]{1,64}$/;
/** Headers whose value is a credential (the cookie holds the viewer token): logged as `[redacted]` when present. */
const SECRET_HEADERS = ['authorization', 'x-host-secret', 'cookie'] as const;

function requestFields(req: FastifyRequest): Record<string, unknown> {
  const headers: Record<string, string | string[]> = {};
  for (const name of LOGGED_HEADERS) {
    const v = req.headers[name];
    if (v === undefined) continue;
    if (name === 'x-host-key') headers[name] = typeof v === 'string' && KEY_SHAPE.test(v) ? v : '[not a key]';
    else headers[name] = typeof v === 'string' && v.length > 256 ? `${v.slice(0, 256)}...` : v;
  }
  for (const name of SECRET_HEADERS) if (req.headers[name] !== undefined) headers[name] = REDACTED;
  // An acknowledge link's token acknowledges an alert (ack-routes.ts): not written either.
  const url = req.url.startsWith('/ack/') ? `/ack/${REDACTED}` : req.url;
  return { method: req.method, url, remoteAddress: req.ip, headers };
}

/** fastify `logger` options for JSON request logs at `level`. */
export function requestLogOptions(level: LogLevelName = 'info') {
  return {
    level,
    messageKey: 'message',
    base: null,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { req: requestFields },
    redact: { paths: SECRET_HEADERS.map((h) => `req.headers["${h}"]`), censor: REDACTED },
  };
}
