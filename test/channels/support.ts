/**
 * Shared helpers for channel kind tests: a loopback HTTP server that records every request and answers as the
 * test says, sample notices (hosts offline and back; every kind of condition line; many metric lines), the URL error a parse throws, the retry table every HTTP kind must follow (and the
 * codes table of vendors that refuse with HTTP 200), and the secret-leak check (Alertmanager's notify/test
 * RetryTests and AssertNotifyLeaksNoSecret, for hostwatch).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { deliver, parseChannelUrl, redactedUrl, type ParsedChannel } from '../../src/channels/registry.js';
import type { AlertLine, EndLine } from '../../src/alerting/types.js';
import { ChannelUrlError, DeliveryError, type Notice } from '../../src/channels/types.js';

export interface Recorded {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: any;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: unknown;
}

export interface Loopback {
  /** `http://127.0.0.1:<port>` */
  base: string;
  requests: Recorded[];
  /** How the next requests are answered (default 200 with an empty JSON object). */
  answer: (req: Recorded) => Answer | Promise<Answer>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback; each request is recorded and answered by `answer`. */
export async function loopback(answer: Loopback['answer'] = () => ({ status: 200, body: {} })): Promise<Loopback> {
  const requests: Recorded[] = [];
  const lb = { requests, answer } as Loopback;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const rec: Recorded = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, ...(json !== undefined && { json }) };
      requests.push(rec);
      const a = await lb.answer(rec);
      const payload = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status ?? 200, { ...(typeof a.body === 'object' && { 'content-type': 'application/json' }), ...a.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  lb.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  lb.close = () => new Promise((r) => server.close(() => r()));
  return lb;
}

/** A loopback port that was just open and is now closed: connections to it are refused. */
export async function closedPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** `url` pointed at a closed loopback port instead of the loopback server (userinfo and all else kept). */
export async function atClosedPort(url: string, lb: Loopback): Promise<string> {
  const port = String(await closedPort());
  const lbPort = new URL(lb.base).port;
  return url.replace(new RegExp(`(@|//)127\\.0\\.0\\.1:${lbPort}`), (_, before: string) => `${before}127.0.0.1:${port}`);
}

const T = Date.UTC(2026, 10, 23, 4, 0, 0);

/**
 * A notice with two offline hosts and one recovery (or `n` offline hosts), as a check would send it; with `test`,
 * the test notice of `channels test`, which carries no lines and zero totals (Notice.test).
 */
export function sampleNotice(opts: { offline?: number; test?: boolean; id?: string } = {}): Notice {
  const count = opts.test ? 0 : (opts.offline ?? 2);
  const offline = Array.from({ length: count }, (_, i) => ({
    kind: 'offline' as const,
    hostId: `h${i}`,
    name: `web-${i + 1}`,
    step: 60,
    offlineMs: (61 + (count - i)) * 60_000,
    lastReportAt: T - (61 + (count - i)) * 60_000,
  }));
  const recoveries = opts.offline === undefined && !opts.test ? [{ kind: 'recovered' as const, hostId: 'db', name: 'db-1', wentSilentAt: T - 3 * 3600_000, seenAgainAt: T - 60_000, goneMs: 3 * 3600_000 - 60_000 }] : [];
  return {
    id: opts.id ?? 'hostwatch-check.run-1.d1',
    run: 'hostwatch-check.run-1',
    checkTime: T,
    timezone: 'Europe/Berlin',
    offline,
    recoveries,
    offlineTotal: offline.length,
    recoveryTotal: recoveries.length,
    ...(opts.test && { test: true }),
  };
}

/**
 * A notice with every kind of line, as a check would send it: one host offline, a DISK rule on `/var` (or `mount`),
 * a CPU rule, a REBOOT (the three metric-rule lines among `offlineTotal`), one host back online and one RESOLVED
 * disk rule with its peak (among `recoveryTotal`). `name` renames the host of the RESOLVED line.
 */
export function conditionNotice(opts: { mount?: string; name?: string; id?: string } = {}): Notice {
  const offline: AlertLine[] = [
    { kind: 'offline', hostId: 'h1', name: 'web-1', step: 60, offlineMs: 63 * 60_000, lastReportAt: T - 63 * 60_000 },
    // Given least severe first: the notice shows them sorted.
    { kind: 'reboot', hostId: 'h4', name: 'db-2', rule: 'reboots', at: T - 2 * 60_000, uptime: 180, previousUptime: 12 * 3600 + 4 * 60 },
    { kind: 'metric', hostId: 'h3', name: 'app-1', rule: 'cpu busy', metric: 'cpu', item: '', op: 'above', threshold: 80, value: 97.5, peak: 99, step: 5, heldMs: 7 * 60_000, since: T - 7 * 60_000 },
    { kind: 'metric', hostId: 'h2', name: 'web-2', rule: 'disk full', metric: 'disk', item: opts.mount ?? '/var', op: 'above', threshold: 90, value: 93, peak: 95, step: 5, heldMs: 12 * 60_000, since: T - 12 * 60_000 },
  ];
  const recoveries: EndLine[] = [
    { kind: 'recovered', hostId: 'db', name: 'db-1', wentSilentAt: T - 3 * 3600_000, seenAgainAt: T - 60_000, goneMs: 3 * 3600_000 - 60_000 },
    { kind: 'resolved', hostId: 'h5', name: opts.name ?? 'web-3', rule: 'disk full', metric: 'disk', item: '/data', op: 'above', threshold: 90, peak: 97, endValue: 85, since: T - 65 * 60_000, endedAt: T - 60_000, heldMs: 64 * 60_000 },
  ];
  return { ...envelope(opts.id), offline, recoveries, offlineTotal: 4, recoveryTotal: 2, conditionTotal: 3, resolvedTotal: 1 };
}

/** conditionNotice() as every kind titles, writes (in plain text, in this order) and sums it up. */
export const CONDITION_TITLE = '[hostwatch] 1 host offline, 3 alerts, 1 back online, 1 resolved at 2026-11-23 05:00 +01:00 (Europe/Berlin)';
export const CONDITION_LINES: readonly string[] = [
  'OFFLINE  web-1: offline 63 minutes, last report 2026-11-23 03:57:00 +01:00',
  'DISK  web-2 /var: 93 % (above 90 %) for 12 minutes, since 2026-11-23 04:48:00 +01:00',
  'CPU  app-1: 97.5 % (above 80 %) for 7 minutes, since 2026-11-23 04:53:00 +01:00',
  'REBOOT  db-2: restarted, up 3 minutes at 2026-11-23 04:58:00 +01:00 (was up 12 h 4 min)',
  'BACK     db-1: back online after 2 h 59 min, silent since 2026-11-23 02:00:00 +01:00, seen again 2026-11-23 04:59:00 +01:00',
  'RESOLVED  web-3 /data: disk back to 85 % after 64 minutes above 90 % (peak 97 %), from 2026-11-23 03:55:00 +01:00 to 2026-11-23 04:59:00 +01:00',
];
export const CONDITION_FOOTER = '1 host offline, 3 alerts, 1 back online, 1 resolved.';

/** `count` DISK rule lines (hosts `web-1`..., `/var`), longest held first, with their totals: for the cut. */
export function manyMetricLines(count: number): Notice {
  const offline: AlertLine[] = Array.from({ length: count }, (_, i) => ({
    kind: 'metric' as const,
    hostId: `h${i}`,
    name: `web-${i + 1}`,
    rule: 'disk full',
    metric: 'disk',
    item: '/var',
    op: 'above' as const,
    threshold: 90,
    value: 91 + (i % 9),
    peak: 99,
    step: 60,
    heldMs: (61 + (count - i)) * 60_000,
    since: T - (61 + (count - i)) * 60_000,
  }));
  return { ...envelope(), offline, recoveries: [], offlineTotal: count, recoveryTotal: 0, conditionTotal: count, resolvedTotal: 0 };
}

function envelope(id = 'hostwatch-check.run-1.d1'): Pick<Notice, 'id' | 'run' | 'checkTime' | 'timezone'> {
  return { id, run: 'hostwatch-check.run-1', checkTime: T, timezone: 'Europe/Berlin' };
}

export async function send(url: string, notice: Notice = sampleNotice(), destination?: string): Promise<void> {
  const channel = parseChannelUrl(url);
  await deliver(channel, destination ?? channel.kind.destinations(channel.config)[0]!, notice, { timeoutMs: 5_000 });
}

/** The DeliveryError a send throws (fails the test if it succeeds or throws anything else). */
export async function sendError(url: string, notice: Notice = sampleNotice()): Promise<DeliveryError> {
  try {
    await send(url, notice);
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryError);
    return err as DeliveryError;
  }
  throw new Error('expected the delivery to fail');
}

/** The ChannelUrlError parsing `url` throws (fails the test if it parses or throws anything else). */
export function urlError(url: string): ChannelUrlError {
  try {
    parseChannelUrl(url);
  } catch (err) {
    expect(err).toBeInstanceOf(ChannelUrlError);
    return err as ChannelUrlError;
  }
  throw new Error(`expected ${url} to be refused`);
}

/**
 * For a vendor that answers HTTP 200 to a refusal too: the server answers `refuse(code)` for each code of the
 * table in turn, and the delivery fails, retried or not as the table says, its message containing each text given.
 */
export async function assertVendorCodes(lb: Loopback, url: string, refuse: (code: number) => Answer, table: readonly (readonly [code: number, retry: boolean, ...texts: string[]])[]): Promise<void> {
  for (const [code, retry, ...texts] of table) {
    lb.answer = () => refuse(code);
    const err = await sendError(url);
    expect({ code, retry: err.retry }).toEqual({ code, retry });
    for (const text of texts) expect(err.message).toContain(text);
  }
}

/**
 * The retry table every HTTP kind follows: for each status the server answers, whether the failure is retried,
 * and 429/503's Retry-After. `url` points the kind at the loopback server; `accepted` is the kind's own success
 * answer (some vendors need a body). Also: a closed port retries.
 */
export async function assertRetryTable(lb: Loopback, url: string, accepted: Answer = { status: 200, body: {} }): Promise<void> {
  const cases: [number, boolean][] = [
    [400, false], [401, false], [403, false], [404, false], [410, false], [413, false],
    [408, true], [429, true], [500, true], [502, true], [503, true], [504, true],
  ];
  for (const [status, retry] of cases) {
    lb.answer = () => ({ status, headers: (status === 429 || status === 503 ? { 'retry-after': '7' } : {}) as Record<string, string>, body: { error: 'nope' } });
    const err = await sendError(url);
    expect({ status, retry: err.retry }).toEqual({ status, retry });
    if (status === 429 || status === 503) expect(err.retryAfterMs).toBe(7000);
    expect(err.message).toContain(String(status));
  }
  lb.answer = () => accepted;
  await send(url);
  const target = await atClosedPort(url, lb);
  expect(target).not.toBe(url);
  const down = await sendError(target);
  expect(down.retry).toBe(true);
  expect(down.message).toMatch(/ECONNREFUSED/);
}

/**
 * No secret of the channel appears in an error, however the receiver answers (it echoes the request back) or
 * fails, nor in the channel's redacted URL.
 */
export async function assertNoSecretLeak(lb: Loopback, url: string, secrets: readonly string[]): Promise<void> {
  const channel: ParsedChannel = parseChannelUrl(url);
  const shown = redactedUrl(channel);
  for (const s of secrets) expect(shown).not.toContain(s);
  const echo = (r: Recorded) => `${r.method} ${r.path}?${r.query.toString()} ${JSON.stringify(r.headers)} ${r.body}`;
  for (const status of [400, 401, 500]) {
    lb.answer = (r) => ({ status, body: echo(r) });
    const err = await sendError(url);
    for (const s of secrets) {
      expect(err.message).not.toContain(s);
      expect(err.stack ?? '').not.toContain(s);
    }
  }
  lb.answer = (r) => ({ status: 200, body: { errcode: 40001, errmsg: echo(r), code: 40001, msg: echo(r) } });
  try {
    await send(url);
  } catch (err) {
    for (const s of secrets) expect((err as Error).message).not.toContain(s);
  }
  const down = await sendError(await atClosedPort(url, lb));
  for (const s of secrets) expect(down.message).not.toContain(s);
}

/** parse(render(parse(url))) is the same config, and the rendered URL parses to the same redacted form. */
export function assertRoundTrip(url: string): void {
  const a = parseChannelUrl(url);
  const rendered = a.kind.render(a.config);
  const b = parseChannelUrl(rendered);
  expect(b.config).toEqual(a.config);
  expect(b.kind.render(b.config)).toBe(rendered);
}
