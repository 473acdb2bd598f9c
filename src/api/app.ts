import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ObjectId, type Db } from 'mongodb';
import { ruleBook } from '../alerting/conditions.js';
import type { KnownRules } from '../store/host-status.js';
import { summarize, type HostSummary } from './host-summary.js';
import { hashSecret, secretMatches } from '../store/credentials.js';
import type { HostStore } from '../store/hosts-store.js';
import { AuthFailureLimiter, DEFAULT_AUTH_LIMITS, type AuthAttempt, type AuthLimits } from './auth-limiter.js';
import { BodyError, parseReport, publicMetrics, type PublicMetrics } from './validate.js';
import { STATUS_PAGE_CSP, statusPageHtml } from './status-page.js';
import { requestLogOptions } from './request-log.js';
import { bearerToken, cookieValue, loginCookie, tokenReads, VIEWER_COOKIE, type ReadAccess } from './viewer-auth.js';
import { LOGIN_PAGE_CSP, loginPageHtml, safeNext } from './login-page.js';
import type { LogLevelName } from '../config.js';
import type { RuleSource } from './rule-cache.js';
import { StatusExtrasCache, type HistorySources, type StatusExtras } from './history-data.js';
import { registerHistoryRoutes } from './history-routes.js';
import { registerEnrollRoute } from './enroll-route.js';
import { CoverageCache, intervalWarning } from './coverage-cache.js';
import { CoverageStore } from '../store/coverage-store.js';
import { reportingInterval } from '../store/host-status.js';
import { registerAckRoutes } from './ack-routes.js';
import type { EnrollStore } from '../store/enroll-store.js';
import { registerManageApi, urlErrors } from './manage/index.js';

/** Largest report body accepted, in bytes. */
export const BODY_LIMIT = 65_536;

export interface ApiOptions {
  hosts: HostStore;
  /** Metric rules reports are evaluated against (a RuleCache); none when absent. */
  rules?: RuleSource;
  /** Failed-authentication limits (429 with Retry-After); defaults in auth-limiter.ts. */
  authLimits?: AuthLimits;
  /** A limiter shared with other API processes (server.ts: one on the database); else one in memory from `authLimits`. */
  authLimiter?: AuthFailureLimiter;
  /**
   * Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR ranges), so limits apply to
   * the real client. Unset: the connection's address is the source.
   */
  trustProxy?: string;
  /** Bearer token for the admin API; unset, the admin API refuses every request. */
  adminToken?: string;
  /** The database, for the management API's stores beyond hosts (maintenance, channels, rules: src/api/manage/). */
  db?: Db;
  /** Who reads `/` and `GET /api/v1/status` (viewer-auth.ts); server.ts always sets it. Absent (tests, embedding), both are open. */
  readAccess?: ReadAccess;
  /**
   * History stores (issue 13) for the host pages, `GET /api/v1/hosts/<name>/history`, `GET /api/v1/notices` and the
   * overview's uptime and sparklines; each absent one shows no history of its kind.
   */
  history?: HistorySources;
  /** The schedules' coverage for the agent interval warning (coverage-cache.ts); default one over the hosts' database. */
  coverage?: CoverageCache;
  /** Enrolment tokens for `POST /api/v1/enroll` (enroll-route.ts); absent, the route is not served (404). */
  enroll?: EnrollStore;
  /** IANA time zone of the host pages' times and of the uptime bar's days (HOSTWATCH_TIMEZONE); default UTC. */
  timezone?: string;
  /** Server clock; reports are timestamped with it, never with anything the host sends. */
  now?: () => Date;
  /** Fastify request logging as JSON lines (off by default). Secrets and the Authorization header are redacted. */
  logger?: boolean;
  /** Level of the request log; `info` logs every request. */
  logLevel?: LogLevelName;
}

/** Compared with a presented secret when the key is unknown, so the answer takes as long as for a known key. */
const DUMMY_HASH = hashSecret(randomBytes(32).toString('base64url'));

/** Header values are strings; a repeated header or an absurd length is treated as missing. */
function headerValue(req: FastifyRequest, name: string, maxLength: number): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 && v.length <= maxLength ? v : undefined;
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

function fail(reply: FastifyReply, status: number, error: string, message?: string): FastifyReply {
  return reply.code(status).send(message === undefined ? { error } : { error, message });
}

function tooManyAttempts(reply: FastifyReply, seconds: number): FastifyReply {
  reply.header('retry-after', String(seconds));
  return fail(reply, 429, 'too_many_attempts', `too many failed authentication attempts; retry after ${seconds} s`);
}

/** Viewer-token attempts are limited under this name. */
const VIEWER_KEY = '(viewer token)';

export function buildApi(options: ApiOptions): FastifyInstance {
  const { hosts, adminToken } = options;
  const coverage = options.coverage ?? new CoverageCache({ coverage: new CoverageStore(hosts.collection.db), tagSettings: hosts.tagSettings });
  const now = options.now ?? (() => new Date());
  const limiter = options.authLimiter ?? new AuthFailureLimiter(options.authLimits ?? DEFAULT_AUTH_LIMITS);
  // The rules as last read, so that instances of a removed rule (dropped by the next check) are not shown as active.
  const knownRules = (): KnownRules | undefined => (options.rules ? ruleBook(options.rules.current()) : undefined);
  const statusExtras = new StatusExtrasCache(options.history ?? {});
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    logger: options.logger ? requestLogOptions(options.logLevel) : false,
    frameworkErrors: urlErrors,
  });

  // Only JSON, parsed in the handler after authentication (so a bad secret gets 401 whatever the body).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return fail(reply, 413, 'payload_too_large', `body must be at most ${BODY_LIMIT} bytes`);
    if (status === 415) return fail(reply, 415, 'unsupported_media_type', 'Content-Type must be application/json');
    if (status >= 400 && status < 500) return fail(reply, status, 'bad_request', err.message);
    reply.log.error(err);
    return fail(reply, 500, 'internal_error');
  });
  app.setNotFoundHandler((_req, reply) => fail(reply, 404, 'not_found'));

  app.post(
    '/api/v1/report',
    {
      // Before the body is read: anything but JSON is refused without looking at it.
      onRequest: async (req, reply) => {
        if (!isJsonContentType(req.headers['content-type'])) return fail(reply, 415, 'unsupported_media_type', 'Content-Type must be application/json');
      },
    },
    async (req, reply) => {
      const key = headerValue(req, 'x-host-key', 256);
      const at = now();
      const attempt: AuthAttempt = { source: req.ip, ...(key !== undefined && { key }) };
      // Refused before the credentials are looked at: a limited client learns nothing about them.
      const wait = await limiter.retryAfter(attempt, at.getTime());
      if (wait > 0) return tooManyAttempts(reply, wait);
      const secret = headerValue(req, 'x-host-secret', 1024);
      const host = key === undefined ? null : await hosts.byKey(key);
      const storedHash = host && typeof host.secretHash === 'string' ? host.secretHash : DUMMY_HASH;
      // Always one comparison, against the dummy hash when the key is unknown: the timing does not tell.
      const matches = secretMatches(secret ?? '', storedHash);
      if (!host || storedHash === DUMMY_HASH || secret === undefined || !matches) {
        await limiter.failed(attempt, at.getTime());
        return fail(reply, 401, 'unauthorized');
      }
      limiter.succeeded(attempt, at.getTime());
      if (!host.active) return fail(reply, 403, 'forbidden', 'host is disabled');

      let data: Record<string, unknown>;
      try {
        data = parseReport(typeof req.body === 'string' ? req.body : '');
      } catch (err) {
        if (err instanceof BodyError) return fail(reply, 400, 'bad_request', err.message);
        throw err;
      }
      // One write by _id: the host just read tells whether this is the first report since an outage, and which of
      // its metric-rule instances the report begins, continues or ends.
      await hosts.recordReport(host, data, now(), options.rules?.current() ?? []);
      // The agent interval warning: a header only, the answer stays 204 (a failed read of the coverage says nothing).
      const warning = intervalWarning(host, reportingInterval({ data, ...(host.interval !== undefined && { interval: host.interval }) }), await coverage.view());
      if (warning) reply.header('hostwatch-warning', warning);
      return reply.code(204).send();
    },
  );

  app.get('/healthz', async (_req, reply) => {
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), 3_000);
      });
      try {
        await Promise.race([hosts.collection.findOne({ _id: new ObjectId('000000000000000000000000') }, { projection: { _id: 1 }, maxTimeMS: 2_000 }), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ok' };
    } catch (err) {
      reply.log.warn({ err }, 'health check: database unavailable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  /**
   * Whether this request may read the page and the status summary: `ok`; `none` (no token presented, not counted
   * as a failed attempt and no database round trip); `wrong` (counted); or the seconds to wait (429).
   */
  const readCheck = async (req: FastifyRequest, at: number): Promise<'ok' | 'none' | 'wrong' | number> => {
    const access = options.readAccess;
    if (access === undefined || access.public) return 'ok';
    const token = bearerToken(headerValue(req, 'authorization', 4096)) ?? cookieValue(headerValue(req, 'cookie', 8192), VIEWER_COOKIE);
    if (token === undefined) return 'none';
    const attempt: AuthAttempt = { source: req.ip, key: VIEWER_KEY };
    const wait = await limiter.retryAfter(attempt, at);
    if (wait > 0) return wait;
    if (!tokenReads(token, access)) {
      await limiter.failed(attempt, at);
      return 'wrong';
    }
    await limiter.succeeded(attempt, at);
    return 'ok';
  };

  // The management API (src/api/manage/: hosts, tags, mute, ... and /api/v1/openapi.json), behind the admin token.
  const admin = { limiter, now, ...(adminToken !== undefined && { adminToken }) };
  registerManageApi(app, { ...admin, hosts, knownRules, bodyLimit: BODY_LIMIT, ...(options.db && { db: options.db }) });

  app.get('/api/v1/status', async (req, reply) => {
    const at = now();
    const read = await readCheck(req, at.getTime());
    if (typeof read === 'number') return tooManyAttempts(reply, read);
    if (read !== 'ok') return fail(reply, 401, 'unauthorized');
    const list = await hosts.list();
    const known = knownRules();
    // Uptime and sparklines only where history is kept (server.ts, dev); embedded APIs answer as before. A failed
    // history read leaves them out rather than failing the overview.
    const none = new Map<string, StatusExtras>();
    const extras = options.history
      ? await statusExtras.get(list, at).catch((err: unknown) => {
          req.log.warn({ err }, 'status: history unavailable; answering without uptime and sparklines');
          return none;
        })
      : none;
    // Maintenance windows holding hosts now (rule 6) and the tags' graces (rule 9), read once for the answer.
    const [windows, graces] = await Promise.all([hosts.maintenance.activeAt(at.getTime()), hosts.tagSettings.graces()]);
    const out: (HostSummary & { metrics: PublicMetrics } & Partial<StatusExtras>)[] = list.map((h) => ({
      ...summarize(h, at, known, windows, graces),
      metrics: publicMetrics(h.data),
      ...extras.get(h._id.toHexString()),
    }));
    return { checkedAt: at.toISOString(), hosts: out };
  });

  const loginPage = (reply: FastifyReply, status: number, failed: boolean, form?: { action: string; next: string }): FastifyReply =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', LOGIN_PAGE_CSP)
      .header('cache-control', 'no-store')
      .send(loginPageHtml(failed, form));

  // The login form's body (token=...); only this route reads it, the report route refuses it before the body.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));
  app.post('/login', async (req, reply) => {
    const access = options.readAccess;
    const form = typeof req.body === 'string' ? new URLSearchParams(req.body) : undefined;
    // Back to the host page the form was shown on, if any (only ever a page of this site).
    const next = safeNext(form?.get('next'));
    const back = `./${next ?? ''}`;
    if (access === undefined || access.public) return reply.code(303).header('location', back).send();
    const at = now();
    const attempt: AuthAttempt = { source: req.ip, key: VIEWER_KEY };
    const wait = await limiter.retryAfter(attempt, at.getTime());
    if (wait > 0) return tooManyAttempts(reply, wait);
    const raw = form?.get('token') ?? null;
    const token = raw !== null && raw.length > 0 && raw.length <= 1024 ? raw : undefined;
    if (!tokenReads(token, access)) {
      await limiter.failed(attempt, at.getTime());
      return loginPage(reply, 401, true, next === undefined ? undefined : { action: 'login', next });
    }
    await limiter.succeeded(attempt, at.getTime());
    return reply.code(303).header('set-cookie', loginCookie(token!, req.protocol === 'https')).header('location', back).send();
  });

  registerHistoryRoutes(app, { hosts, sources: options.history ?? {}, timezone: options.timezone ?? 'UTC', now, readCheck, knownRules, loginPage, tooManyAttempts });
  if (options.enroll) registerEnrollRoute(app, { enroll: options.enroll, hosts, limiter, now, tooManyAttempts });
  // GET/POST /ack/<token>: the signed acknowledge link of the notices (ack-routes.ts).
  registerAckRoutes(app, { db: hosts.collection.db, limiter, now, timezone: options.timezone ?? 'UTC' });

  app.get('/', async (req, reply) => {
    const read = await readCheck(req, now().getTime());
    if (typeof read === 'number') return tooManyAttempts(reply, read);
    if (read === 'none') return loginPage(reply, 200, false);
    if (read === 'wrong') return loginPage(reply, 401, true);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', STATUS_PAGE_CSP)
      .header('cache-control', 'no-store')
      .send(statusPageHtml);
  });

  return app;
}
