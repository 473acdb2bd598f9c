/**
 * The host page's server time with 90 days of history (issue 13; bench item `hostpage`): one host with the history
 * bench/lib/history-seed.ts writes (metric buckets at the three levels, outages, notices) among a fleet of hosts
 * whose outage records and notices fill the same collections (FerretDB reads a whole collection for any filter
 * but `{_id}`), the API built in-process (buildApi, as server.ts does), and sequential `GET /hosts/<name>` requests
 * through Fastify's inject: routing, every database read, the rendering; no socket.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Db } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { MetricHistoryStore } from '../../src/store/metric-history.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';
import { OutageStore } from '../../src/store/outages-store.js';
import type { NoticeLogEntry } from '../../src/history/types.js';
import { seedHistory } from './history-seed.js';
import { formatCount, median } from './stats.js';
import { REPO_ROOT } from './services.js';
import type { Table } from '../report.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
export const PAGE_GOAL_MS = 200;
const HOST = 'web-1.example.com';

export interface HostPageRow {
  what: string;
  url: string;
  requests: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  bytes: number;
  /** A page row: whether its median is under PAGE_GOAL_MS; undefined for the JSON row. */
  goalMet?: boolean;
}

/** Median milliseconds of each read the page makes, timed alone against the stores. */
export interface ReadTimes {
  host: number;
  outages: number;
  notices: number;
  series24h: number;
  series90d: number;
}

export interface HostPageResult {
  fleet: number;
  reads: ReadTimes;
  outages: number;
  notices: number;
  buckets: number;
  seedSec: number;
  rows: HostPageRow[];
}

/** The value below which `q` of the sorted values fall (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** `fleet` other hosts, each with 6 outage records in the 90 days, and `notices` notices naming them. */
async function seedFleet(db: Db, hosts: HostStore, fleet: number, notices: number, now: number): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < fleet; i += 500) {
    const batch = Array.from({ length: Math.min(500, fleet - i) }, (_, j) => `fleet-${i + j}`);
    await Promise.all(batch.map(async (name) => ids.push((await hosts.add(name)).id)));
  }
  const outages = ids.flatMap((hostId, i) =>
    Array.from({ length: 6 }, (_, k) => {
      const start = now - (k * 15 + (i % 13) + 1) * DAY;
      return { id: `${hostId}:offline_${start}`, hostId, host: `fleet-${i}`, condition: 'offline' as const, start: new Date(start), end: new Date(start + (5 + k * 7) * MIN), notified: { 'mailto:ops@example.com': 1 } };
    }),
  );
  await new OutageStore(db).insertRecords(outages);
  const entries: NoticeLogEntry[] = Array.from({ length: notices }, (_, i) => ({
    id: `fleet-run-${i}.d0`,
    run: `fleet-run-${i}`,
    checkTime: new Date(now - (i / notices) * 90 * DAY),
    destination: { key: 'mailto:ops@example.com', label: 'ops@example.com', kind: 'mailto' },
    accepted: true,
    hosts: [`fleet-${i % Math.max(1, fleet)}`],
    lines: [{ host: `fleet-${i % Math.max(1, fleet)}`, kind: 'offline', text: `fleet-${i % Math.max(1, fleet)} offline 1 minute` }],
    more: 0,
  }));
  const log = new NoticeLogStore(db);
  for (let i = 0; i < entries.length; i += 500) await log.record(entries.slice(i, i + 500));
  return outages.length;
}

const requests = (n: number) => Math.max(5, Math.min(20, n));

/** Each read of the page on its own, `n` times: where the server time goes. */
async function timeReads(db: Db, hostId: string, n: number): Promise<ReadTimes> {
  const hosts = new HostStore(db);
  const metrics = new MetricHistoryStore(db);
  const outages = new OutageStore(db);
  const notices = new NoticeLogStore(db);
  const now = Date.now();
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return round1(median(times));
  };
  return {
    host: await timed(() => hosts.byName(HOST)),
    outages: await timed(() => outages.forHost(hostId, { since: new Date(now - 90 * DAY) })),
    notices: await timed(() => notices.list({ host: HOST, limit: 20 })),
    series24h: await timed(() => metrics.series(hostId, new Date(now - DAY), new Date(now))),
    series90d: await timed(() => metrics.series(hostId, new Date(now - 90 * DAY), new Date(now))),
  };
}

/** Seeds `db` and times `requests` sequential requests per URL after 3 warm-ups each. */
export async function measureHostPage(db: Db, opts: { fleet: number; requests: number; log: (line: string) => void }): Promise<HostPageResult> {
  const now = Date.now();
  const started = performance.now();
  const hosts = new HostStore(db);
  await hosts.ensureIndexes();
  const outageStore = new OutageStore(db);
  await outageStore.ensureIndexes();
  const notices = new NoticeLogStore(db);
  await notices.ensureIndexes();
  const metrics = new MetricHistoryStore(db);
  await metrics.ensureIndexes();
  const web = await hosts.add(HOST);
  await hosts.recordReport(web.id, { cpu: 12.5, load: [0.4, 0.3, 0.3], memory: { total: 8, used: 3 }, disk: [{ mount: '/', total: 100, used: 40 }] }, new Date(now - 20_000));
  await hosts.collection.updateOne({ name: HOST }, { $set: { createdAt: new Date(now - 95 * DAY), firstReportAt: new Date(now - 95 * DAY) } });
  opts.log(`hostpage: seeding 90 days of history for ${HOST} and ${formatCount(opts.fleet)} other hosts`);
  const seeded = await seedHistory(db, { hostId: web.id, host: HOST, now: now - MIN, days: 90, notices: 200 });
  const fleetNotices = opts.fleet * 5;
  const fleetOutages = await seedFleet(db, hosts, opts.fleet, fleetNotices, now);
  const seedSec = round1((performance.now() - started) / 1000);
  opts.log(`hostpage: seeded in ${seedSec} s (${formatCount(seeded.buckets)} metric buckets, ${formatCount(fleetOutages + seeded.outages.length)} outage records, ${formatCount(fleetNotices + seeded.notices.length)} notices)`);

  const app = buildApi({ hosts, history: { metrics, outages: outageStore, notices }, timezone: 'Europe/Berlin', readAccess: { public: true } });
  const targets: { what: string; url: string; page: boolean }[] = [
    { what: 'host page, 24 h', url: `/hosts/${HOST}`, page: true },
    { what: 'host page, 7 d', url: `/hosts/${HOST}?range=7d`, page: true },
    { what: 'host page, 90 d', url: `/hosts/${HOST}?range=90d`, page: true },
    { what: 'history JSON, 90 d', url: `/api/v1/hosts/${HOST}/history?range=90d`, page: false },
  ];
  const rows: HostPageRow[] = [];
  try {
    for (const t of targets) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < opts.requests + 3; i++) {
        const t0 = performance.now();
        const res = await app.inject({ method: 'GET', url: t.url });
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) throw new Error(`${t.url}: HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`);
        bytes = res.rawPayload.length;
        if (i >= 3) times.push(ms);
      }
      const row: HostPageRow = {
        what: t.what,
        url: t.url,
        requests: opts.requests,
        medianMs: round1(median(times)),
        p95Ms: round1(quantile(times, 0.95)),
        maxMs: round1(Math.max(...times)),
        bytes,
        ...(t.page && { goalMet: median(times) < PAGE_GOAL_MS }),
      };
      opts.log(`hostpage: ${t.what}: median ${row.medianMs} ms, p95 ${row.p95Ms} ms, ${formatCount(bytes)} bytes`);
      rows.push(row);
    }
  } finally {
    await app.close();
  }
  const reads = await timeReads(db, web.id, requests(opts.requests));
  opts.log(`hostpage: reads alone (median): ${Object.entries(reads).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  return { fleet: opts.fleet, reads, outages: fleetOutages + seeded.outages.length, notices: fleetNotices + seeded.notices.length, buckets: seeded.buckets, seedSec, rows };
}

/** The result as a bench table (bench/report.ts Table). */
export function hostPageTable(rs: readonly HostPageResult[]): Table {
  return {
    title: '6. Host page with 90 days of history',
    goal: `Goal (issue 13): \`GET /hosts/<name>\` answers in under ${PAGE_GOAL_MS} ms (median, server time) with 90 days of history.`,
    header: ['other hosts', 'request', 'requests', 'median', 'p95', 'max', 'bytes', 'goal'],
    rows: rs.flatMap((r) => r.rows.map((x) => [formatCount(r.fleet), x.what, String(x.requests), `${x.medianMs} ms`, `${x.p95Ms} ms`, `${x.maxMs} ms`, formatCount(x.bytes), x.goalMet === undefined ? '—' : `< ${PAGE_GOAL_MS} ms: ${x.goalMet ? 'met' : 'missed'}`])),
    notes: [
      ...rs.map((r) => `Reads alone with ${formatCount(r.fleet)} other hosts (median of ${requests(r.rows[0]?.requests ?? 5)}): host by name ${r.reads.host} ms, its outages (90 days) ${r.reads.outages} ms, its notices (20) ${r.reads.notices} ms, series 24 h ${r.reads.series24h} ms, series 90 d ${r.reads.series90d} ms; ${formatCount(r.outages)} outage records and ${formatCount(r.notices)} notices in all.`),
      `One host with 90 days of history as bench/lib/history-seed.ts writes it (minute points for the last day, 10-minute points for the last week, hourly points for 90 days: ${formatCount(rs[0]?.buckets ?? 0)} bucket documents; its outages and 200 notices), among other hosts with 6 outage records and 5 notices each, which share the collections (FerretDB reads the whole collection for the page's outage and notice queries).`,
      'Sequential requests through Fastify inject (bench/lib/host-page.ts): routing, the host lookup, every history read and the rendering, without a socket; 3 warm-up requests per row are not counted. The JSON row reads the same history without the notices and the HTML.',
    ],
  };
}

/** `npm run bench` item `hostpage`: bench/host-page.ts --json on the bench's database server, 10 requests per run. */
export async function runHostPage(mongoUri: string, runs: number, log: (l: string) => void): Promise<HostPageResult[]> {
  const script = join(REPO_ROOT, 'bench', 'host-page.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--json', '--mongo-uri', mongoUri, '--requests', String(10 * runs)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) if (line.trim()) log(`  hostpage: ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`bench/host-page.ts exited with code ${code}`);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const parsed = JSON.parse(last) as { results?: HostPageResult[] };
  if (!Array.isArray(parsed.results)) throw new Error(`bench/host-page.ts: no "results" in its last line: ${last.slice(0, 200)}`);
  return parsed.results;
}
