/**
 * The reporting agent: metrics of this machine, and runAgent against the real hostwatch API (buildApi from
 * src/api/app.ts on a fresh FerretDB database) listening on a real port, stopped and restarted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { runAgent } from '../../src/agent/agent.js';
import { collectMetrics } from '../../src/agent/metrics.js';
import { buildApi } from '../../src/api/app.js';
import { parseReport } from '../../src/api/validate.js';
import { checkRule, type Rule } from '../../src/rules/rule.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { freshStore } from '../support/db.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The real API on `port` (0: any free port), recording every request it receives. */
async function startApi(hosts: HostStore, port = 0, rules: readonly Rule[] = []): Promise<{ app: FastifyInstance; port: number; seen: Seen[] }> {
  const app = buildApi({ hosts, rules: { current: () => rules } });
  const seen: Seen[] = [];
  app.addHook('onRequest', async (req) => {
    seen.push({ method: req.method, url: req.url, headers: { ...req.headers } });
  });
  await app.listen({ port, host: '127.0.0.1' });
  const actual = (app.server.address() as AddressInfo).port;
  cleanups.push(() => app.close());
  return { app, port: actual, seen };
}

/** runAgent in the background, with its log lines and a stop(). */
function startAgent(options: { url: string; key: string; secret: string; intervalMs: number }) {
  const controller = new AbortController();
  const lines: string[] = [];
  const done = runAgent({ ...options, signal: controller.signal, log: (l) => lines.push(l) });
  const stop = async () => {
    controller.abort();
    await done;
  };
  cleanups.push(stop);
  return { lines, done, stop };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('metrics have the documented shape, sane values, and pass the API validation', async () => {
  const m = await collectMetrics();
  expect(Object.keys(m).sort()).toEqual(['collectedAt', 'cpu', 'cpus', 'disk', 'hostname', 'load', 'memory', 'os', 'uptime']);
  expect(m.cpus).toBe(Math.max(1, os.cpus().length));
  expect(m.cpus).toBeGreaterThanOrEqual(1);
  expect(m.hostname).toBe(os.hostname());
  expect(m.os).toBe(`${os.platform()} ${os.release()}`);
  expect(m.uptime).toBeGreaterThan(0);
  expect(m.load).toHaveLength(3);
  for (const l of m.load) expect(l).toBeGreaterThanOrEqual(0);
  expect(m.cpu).toBeGreaterThanOrEqual(0);
  expect(m.cpu).toBeLessThanOrEqual(100);
  expect(m.memory.total).toBe(os.totalmem());
  expect(m.memory.used).toBeGreaterThan(0);
  expect(m.memory.used).toBeLessThanOrEqual(m.memory.total);
  expect(m.disk).toHaveLength(1);
  expect(m.disk[0]!.mount).toBe('/');
  expect(m.disk[0]!.total).toBeGreaterThan(0);
  expect(m.disk[0]!.used).toBeGreaterThan(0);
  expect(m.disk[0]!.used).toBeLessThanOrEqual(m.disk[0]!.total);
  expect(Math.abs(Date.parse(m.collectedAt) - Date.now())).toBeLessThan(5_000);
  expect(parseReport(JSON.stringify(m))).toEqual(JSON.parse(JSON.stringify(m)));

  const withMissing = await collectMetrics({ mounts: ['/', '/no/such/mount'], cpuSampleMs: 50 });
  expect(withMissing.disk.map((d) => d.mount)).toEqual(['/']);
});

test('runAgent reports with the right headers and JSON; survives the server going away and resumes after it is back', async () => {
  const { hosts } = await freshStore();
  const { id, key, secret } = await hosts.add('agent-host');
  const first = await startApi(hosts);
  const agent = startAgent({ url: `http://127.0.0.1:${first.port}/`, key, secret, intervalMs: 2_000 });

  // The agent's acknowledgement comes after the API's answer, so after the report is stored.
  await until('the first report', async () => agent.lines.length > 0);
  const req = first.seen[0]!;
  expect(req).toMatchObject({ method: 'POST', url: '/api/v1/report' });
  expect(req.headers['content-type']).toBe('application/json');
  expect(req.headers['x-host-key']).toBe(key);
  expect(req.headers['x-host-secret']).toBe(secret);
  const stored = await hosts.byName('agent-host');
  expect(stored._id.toHexString()).toBe(id);
  expect(stored.data).toMatchObject({ hostname: os.hostname(), os: `${os.platform()} ${os.release()}`, memory: { total: os.totalmem() } });
  expect(agent.lines).toEqual([`hostwatch agent: first report accepted by http://127.0.0.1:${first.port}/api/v1/report`]);

  // The server goes away: failures are logged, with backoff 1 s, 2 s, then capped at the 2 s interval.
  await first.app.close();
  await until('three failed attempts', () => agent.lines.filter((l) => l.includes('report failed')).length >= 3, 30_000);
  const failures = agent.lines.filter((l) => l.includes('report failed'));
  expect(failures.slice(0, 3).map((l) => /retrying in (\S+)$/.exec(l)?.[1])).toEqual(['1s', '2s', '2s']);
  for (const l of failures) expect(l).toMatch(/^hostwatch agent: report failed: fetch failed \(ECONNREFUSED\); retrying in \d+s$/);

  // Back on the same port: reports arrive again.
  const restartedAt = Date.now();
  const second = await startApi(hosts, first.port);
  await until('a report after the restart', async () => ((await hosts.byName('agent-host')).lastReportAt?.getTime() ?? 0) >= restartedAt, 10_000);
  expect(second.seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/report' });
  await until('the recovery line', () => agent.lines.some((l) => /^hostwatch agent: reporting again after \d+ failed attempts$/.test(l)), 5_000);

  await agent.stop();
  for (const l of agent.lines) expect(l).not.toContain(secret);
}, 60_000);

test('the API takes the agent\'s cpus, so a per-CPU load rule reads the load divided by it; cpus must be a whole number >= 1', async () => {
  const { hosts } = await freshStore();
  const { key, secret } = await hosts.add('many-cpus');
  // Breached by any load: the instance shows what the rule read from the agent's own report.
  const perCpu = checkRule({ id: 'rule-load', name: 'load-per-cpu', metric: 'load1', perCpu: true, op: 'below', threshold: 1_000_000, steps: [1] });
  const api = await startApi(hosts, 0, [perCpu]);
  const agent = startAgent({ url: `http://127.0.0.1:${api.port}`, key, secret, intervalMs: 60_000 });
  await until('the first report', () => agent.lines.length > 0);
  await agent.stop();
  const stored = await hosts.collection.findOne({ name: 'many-cpus' });
  const data = stored!.data as { cpus: number; load: number[] };
  expect(data.cpus).toBe(Math.max(1, os.cpus().length));
  const instances = Object.values(stored!.alerts ?? {});
  expect(instances).toHaveLength(1);
  expect(instances[0]).toMatchObject({ condition: 'metric', name: 'load-per-cpu', metric: 'load1', value: Math.round((data.load[0]! / data.cpus) * 100) / 100 });

  const post = (body: unknown) =>
    api.app.inject({ method: 'POST', url: '/api/v1/report', headers: { 'content-type': 'application/json', 'x-host-key': key, 'x-host-secret': secret }, payload: JSON.stringify(body) });
  for (const cpus of [0, -2, 2.5, '8', null, true, 2 ** 53]) {
    const res = await post({ cpus });
    expect({ cpus, status: res.statusCode, body: res.json() }).toEqual({ cpus, status: 400, body: { error: 'bad_request', message: 'body.cpus must be a whole number >= 1 (logical CPUs)' } });
  }
  expect((await post({ cpus: 64 })).statusCode).toBe(204);
});

test('401 and 403 are logged with a hint, retried at the normal interval, and the secret is never logged', async () => {
  const { hosts } = await freshStore();
  const { key, secret } = await hosts.add('locked');
  const api = await startApi(hosts);
  const url = `http://127.0.0.1:${api.port}`;
  const wrongSecret = `${secret.slice(0, -4)}WRNG`;

  const bad = startAgent({ url, key, secret: wrongSecret, intervalMs: 300 });
  await until('three rejected attempts', () => bad.lines.length >= 3);
  await bad.stop();
  expect(bad.lines[0]).toBe(`hostwatch agent: rejected (401): check HOSTWATCH_KEY/HOSTWATCH_SECRET (key ${key}); trying again in 0.3s`);
  expect(new Set(bad.lines).size).toBe(1);
  for (const l of bad.lines) expect(l).not.toContain(wrongSecret);
  expect((await hosts.byName('locked')).lastReportAt).toBeNull();

  await hosts.update('locked', { active: false });
  const disabled = startAgent({ url, key, secret, intervalMs: 300 });
  await until('two rejected attempts', () => disabled.lines.length >= 2);
  expect(disabled.lines[0]).toBe('hostwatch agent: rejected (403): host disabled; enable it with "hostwatch hosts enable <name>"; trying again in 0.3s');
  await hosts.update('locked', { active: true });
  await until('the report once enabled', async () => (await hosts.byName('locked')).lastReportAt !== null);
  await disabled.stop();
  for (const l of disabled.lines) expect(l).not.toContain(secret);
});

test('a server answer that echoes the secret is logged redacted, and retried with backoff', async () => {
  const secret = 's3cr3t-value-that-must-not-leak';
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`boom: got secret ${req.headers['x-host-secret']}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  const agent = startAgent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: 'hk_x', secret, intervalMs: 60_000 });
  await until('two failures', () => agent.lines.length >= 2);
  await agent.stop();
  expect(agent.lines.slice(0, 2)).toEqual([
    'hostwatch agent: report failed: HTTP 500: boom: got secret [secret]; retrying in 1s',
    'hostwatch agent: report failed: HTTP 500: boom: got secret [secret]; retrying in 2s',
  ]);
  expect(hits).toBe(2);
});

test('the signal stops the agent at once, while waiting and during a request that hangs', async () => {
  const { hosts } = await freshStore();
  const { key, secret } = await hosts.add('stopper');
  const api = await startApi(hosts);
  const waiting = startAgent({ url: `http://127.0.0.1:${api.port}`, key, secret, intervalMs: 3_600_000 });
  await until('the first report', () => waiting.lines.length === 1);
  let t = Date.now();
  await waiting.stop();
  expect(Date.now() - t).toBeLessThan(500);
  expect(api.seen).toHaveLength(1);

  const server = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  let requested = false;
  server.on('request', () => (requested = true));
  const hanging = startAgent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key, secret, intervalMs: 3_600_000 });
  await until('the request', () => requested);
  t = Date.now();
  await hanging.stop();
  expect(Date.now() - t).toBeLessThan(500);
  expect(hanging.lines).toEqual([]);
  server.closeAllConnections();
});
