/**
 * The history routes (issue 13 point 4), private exactly like `/` and `GET /api/v1/status` (app.ts readCheck):
 * - `GET /hosts/<name>?range=24h|7d|30d|90d`: the host page (host-page.ts); without a token, the login form, which
 *   brings the reader back here;
 * - `GET /api/v1/hosts/<name>/history?range=...`: the same data as JSON (uptime, daily uptime, series, outages);
 * - `GET /api/v1/notices?host=&since=&limit=`: the notification log, newest first.
 * A bad `range`, `since`, `limit` or `host` answers 400 naming it; an unknown host 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KnownRules } from '../store/host-status.js';
import { UnknownHostError, type HostStore, type HostView } from '../store/hosts-store.js';
import { DEFAULT_NOTICE_LIMIT, MAX_NOTICE_LIMIT } from '../store/notice-log-store.js';
import { reportingInterval } from '../store/host-status.js';
import { hostHistory, hostNotices, type HistorySources } from './history-data.js';
import { HOST_PAGE_CSP, hostPageHtml, messagePageHtml, unknownHostHtml } from './host-page.js';
import { summarize } from './host-summary.js';
import { parseRange, RANGES } from './time-axis.js';

export type ReadResult = 'ok' | 'none' | 'wrong' | number;

export interface HistoryRouteOptions {
  hosts: HostStore;
  sources: HistorySources;
  /** IANA zone of the page's times and of the days of the uptime bar. */
  timezone: string;
  now: () => Date;
  readCheck: (req: FastifyRequest, at: number) => Promise<ReadResult>;
  knownRules: () => KnownRules | undefined;
  /** The login form (app.ts), posting to `action` and returning to `next` after signing in. */
  loginPage: (reply: FastifyReply, status: number, failed: boolean, form: { action: string; next: string }) => FastifyReply;
  tooManyAttempts: (reply: FastifyReply, seconds: number) => FastifyReply;
}

/** A query parameter given once (a repeated one is refused like a bad one). */
function param(req: FastifyRequest, name: string): string | string[] | undefined {
  return (req.query as Record<string, string | string[] | undefined>)[name];
}

const RANGE_MESSAGE = `range must be one of ${Object.keys(RANGES).join(', ')}`;

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'bad_request', message });
}

async function findHost(hosts: HostStore, name: string): Promise<HostView | undefined> {
  try {
    return await hosts.byName(name);
  } catch (err) {
    if (err instanceof UnknownHostError) return undefined;
    throw err;
  }
}

/** `since`: an ISO 8601 time (or epoch milliseconds); undefined when absent, null when bad. */
export function parseSince(v: unknown): Date | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 40) return null;
  const d = /^\d{1,15}$/.test(v) ? new Date(Number(v)) : /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `limit`: a whole number from 1 to MAX_NOTICE_LIMIT; the default when absent, null when bad. */
export function parseLimit(v: unknown): number | null {
  if (v === undefined) return DEFAULT_NOTICE_LIMIT;
  if (typeof v !== 'string' || !/^\d{1,6}$/.test(v)) return null;
  const n = Number(v);
  return n >= 1 && n <= MAX_NOTICE_LIMIT ? n : null;
}

export function registerHistoryRoutes(app: FastifyInstance, o: HistoryRouteOptions): void {
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', HOST_PAGE_CSP).header('cache-control', 'no-store').send(body);

  /** JSON routes: 429, 401, or undefined to go on. */
  const guardJson = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const read = await o.readCheck(req, o.now().getTime());
    if (typeof read === 'number') return o.tooManyAttempts(reply, read);
    if (read !== 'ok') return reply.code(401).send({ error: 'unauthorized' });
    return undefined;
  };

  app.get<{ Params: { name: string } }>('/hosts/:name', async (req, reply) => {
    const at = o.now();
    const read = await o.readCheck(req, at.getTime());
    if (typeof read === 'number') return o.tooManyAttempts(reply, read);
    const rawRange = param(req, 'range');
    const range = parseRange(rawRange);
    if (read !== 'ok') {
      const next = `hosts/${encodeURIComponent(req.params.name)}${range && rawRange !== undefined ? `?range=${range}` : ''}`;
      return o.loginPage(reply, read === 'none' ? 200 : 401, read === 'wrong', { action: '../login', next });
    }
    if (!range) return html(reply, 400, messagePageHtml('Bad request', RANGE_MESSAGE));
    const host = await findHost(o.hosts, req.params.name);
    if (!host) return html(reply, 404, unknownHostHtml(req.params.name));
    const [history, notices] = await Promise.all([hostHistory(o.sources, host, at, range, o.timezone), hostNotices(o.sources, host.name)]);
    const interval = reportingInterval(host);
    return html(
      reply,
      200,
      hostPageHtml({
        host: summarize(host, at, o.knownRules(), await o.hosts.maintenance.activeAt(at.getTime()), await o.hosts.tagSettings.graces()),
        now: at.getTime(),
        timezone: o.timezone,
        range,
        ...(interval !== undefined && { intervalSeconds: interval }),
        uptime: history.uptime,
        daily: history.daily,
        series: history.series,
        outages: history.outages,
        notices,
        recorded: history.recorded,
      }),
    );
  });

  app.get<{ Params: { name: string } }>('/api/v1/hosts/:name/history', async (req, reply) => {
    const refused = await guardJson(req, reply);
    if (refused) return refused;
    const range = parseRange(param(req, 'range'));
    if (!range) return badRequest(reply, RANGE_MESSAGE);
    const host = await findHost(o.hosts, req.params.name);
    if (!host) return reply.code(404).send({ error: 'not_found', message: `no host named ${JSON.stringify(req.params.name)}` });
    const at = o.now();
    const h = await hostHistory(o.sources, host, at, range, o.timezone);
    return {
      checkedAt: at.toISOString(),
      host: summarize(host, at, o.knownRules(), await o.hosts.maintenance.activeAt(at.getTime()), await o.hosts.tagSettings.graces()),
      timezone: o.timezone,
      ...h,
    };
  });

  app.get('/api/v1/notices', async (req, reply) => {
    const refused = await guardJson(req, reply);
    if (refused) return refused;
    const host = param(req, 'host');
    if (host !== undefined && (typeof host !== 'string' || host.length === 0 || host.length > 200)) return badRequest(reply, 'host must be a host name (1 to 200 characters)');
    const since = parseSince(param(req, 'since'));
    if (since === null) return badRequest(reply, 'since must be an ISO 8601 time, e.g. 2026-11-23T12:00:00Z, or epoch milliseconds');
    const limit = parseLimit(param(req, 'limit'));
    if (limit === null) return badRequest(reply, `limit must be a whole number from 1 to ${MAX_NOTICE_LIMIT}`);
    const notices = o.sources.notices ? await o.sources.notices.list({ ...(host !== undefined && { host }), ...(since !== undefined && { since }), limit }) : [];
    return { recorded: o.sources.notices !== undefined, notices };
  });
}
