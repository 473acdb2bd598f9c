/**
 * Metric history benchmarks (issue 13):
 * (a) ingest throughput with metric history against without, in the same run: POST /api/v1/report through the real
 *     API process (`src/api/server.ts`) with HISTORY_METRICS=true and =false, halves alternating from run to run
 *     (as bench/rules.ts does); each half: a fresh API process, every host reports once, a 2 s warm-up, then
 *     autocannon with C connections for S seconds over the hosts' four report bodies (cpu, memory, load, disks);
 * (b) one housekeeping pass for H hosts x D days of history: the buckets are seeded directly as an hourly run an
 *     hour earlier left them (metric-history-bench.ts seededHost), then the hourly run's activities are timed in the
 *     order the workflow calls them (rollup pages of 200 hosts, then outages and notices), then the daily sweep.
 *     Activities are called in-process: Temporal's own overhead (a few ms per activity) is not in the figure.
 *
 *   tsx bench/history.ts [--json] [--mongo-uri URI] [--part ingest|housekeeping|both] [--hosts N] [--duration S]
 *                        [--connections C] [--runs R] [--hk-hosts H] [--days D]
 *
 * Without --mongo-uri a FerretDB is started in a temporary directory. stdout gets the table, or with --json one line.
 */
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ObjectId, type Db } from 'mongodb';
import { freePort, stopChild } from '../scripts/lib/services.js';
import { createHousekeepingActivities, DEFAULT_RETENTION } from '../src/activities/housekeeping.js';
import { bucketId, bucketStart, DAY_MS, encodePoint, HOUR_MS, LEVELS } from '../src/history/metric-rollup.js';
import { HISTORY_COLLECTIONS } from '../src/history/types.js';
import { HostStore } from '../src/store/hosts-store.js';
import { MetricHistoryStore, type MetricBucketDoc } from '../src/store/metric-history.js';
import { apiRun, benchDatabase, cleanUpOnSignal, drainApi, registerHosts, reportEveryHost, sleep, startApi, SETTLE_MS, type Cleanup } from './lib/api-process.js';
import { cpuMs, findPid, historyText, seededHost, type HistoryBenchResult, type IngestHalf } from './lib/metric-history-bench.js';
import { ruleBenchReports } from './lib/rules.js';
import { log, scriptArgs } from './lib/script-args.js';

const HELP = `usage: tsx bench/history.ts [options]

  --json               one JSON line on stdout (the table goes to stderr)
  --mongo-uri URI      use this database server instead of starting a FerretDB
  --part P             ingest, housekeeping or both (default both)
  --hosts N            ingest: hosts registered and reporting (default 1000)
  --duration S         ingest: seconds per measurement (default 10)
  --connections C      ingest: concurrent clients (default 64)
  --runs R             ingest: runs, each one half with and one without history (default 3)
  --fill S             ingest: first fill each host's minute buckets (15 slots) of the next two hours with S
                       slots, as in the middle of a bucket (default 0: buckets start empty)
  --hk-hosts H         housekeeping: hosts seeded (default 1000)
  --days D             housekeeping: days of hourly history per host (default 90)
  --help               this text
`;

const { positiveInt, fail } = scriptArgs('bench/history', HELP);

async function ingest(db: Db, uri: string, dbName: string, opts: { hosts: number; durationSec: number; connections: number; runs: number; fill: number }, cleanup: Cleanup): Promise<NonNullable<HistoryBenchResult['ingest']>> {
  const store = new HostStore(db, { history: false });
  await store.ensureIndexes();
  const hosts = await registerHosts(store, opts.hosts, (name, i) => ruleBenchReports(name, i, new Date()));
  log(`registered ${opts.hosts} hosts`);
  if (opts.fill > 0) {
    const first = bucketStart('m', Date.now());
    const point = encodePoint({ c: 12.5, m: 40.1, l: 0.42, dk: ['/', '/var'], dv: [55.2, 20.1] });
    const slots = LEVELS.m.bucketMs / 60_000;
    const p = Object.fromEntries(Array.from({ length: Math.min(opts.fill, slots) }, (_, i) => [String(slots - 1 - i), point]));
    for (let start = first; start < first + 2 * HOUR_MS; start += LEVELS.m.bucketMs) {
      await db.collection<MetricBucketDoc>(HISTORY_COLLECTIONS.metrics).insertMany(hosts.map((h) => ({ _id: bucketId(h._id.toHexString(), 'm', start), h: h._id.toHexString(), l: 'm' as const, t: new Date(start), p })));
    }
    log(`filled ${Math.min(opts.fill, slots)} of ${slots} slots of each host's minute buckets of the next two hours`);
  }
  const port = await freePort();
  let api: ChildProcess | undefined;
  cleanup.unshift(async () => {
    if (api) await stopChild(api);
  });
  const metrics = db.collection(HISTORY_COLLECTIONS.metrics);
  const samples = { off: [] as IngestHalf[], on: [] as IngestHalf[] };
  for (let r = 0; r < opts.runs; r++) {
    for (const half of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: uri, MONGODB_DB: dbName, PORT: String(port), LOG_FORMAT: 'text', HISTORY_METRICS: half === 'on' ? 'true' : 'false' };
      api = await startApi(env, port);
      const before = await metrics.countDocuments({});
      await reportEveryHost(port, hosts, Math.min(16, opts.hosts));
      await apiRun(port, hosts, Math.min(16, opts.hosts), 2);
      await drainApi(port, hosts[0]!);
      const first = await metrics.findOne({ h: hosts[0]!._id.toHexString() });
      if (half === 'on' && !first) throw new Error('with HISTORY_METRICS=true the API recorded no metric history');
      if (half === 'off' && (await metrics.countDocuments({})) !== before) throw new Error('with HISTORY_METRICS=false the API recorded metric history');
      await sleep(SETTLE_MS);
      const dbPid = findPid(['ferretdb', `:${new URL(uri).port}`]);
      const cpu0 = [cpuMs(api.pid), cpuMs(dbPid)];
      const a = await apiRun(port, hosts, opts.connections, opts.durationSec);
      await drainApi(port, hosts[0]!);
      const cpu1 = [cpuMs(api.pid), cpuMs(dbPid)];
      const reports = a.rps * opts.durationSec;
      const per = (k: number) => (cpu0[k] !== undefined && cpu1[k] !== undefined && reports > 0 ? Math.round(((cpu1[k]! - cpu0[k]!) / reports) * 1000) / 1000 : undefined);
      const sample: IngestHalf = { rps: a.rps, p50Ms: a.p50Ms, p99Ms: a.p99Ms, non2xx: a.non2xx, ...(per(0) !== undefined && { apiCpuMs: per(0) }), ...(per(1) !== undefined && { dbCpuMs: per(1) }) };
      samples[half].push(sample);
      log(`run ${r + 1}/${opts.runs}, history ${half}: ${a.rps.toFixed(1)} reports/s, p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, CPU per report: API ${sample.apiCpuMs ?? '-'} ms, database ${sample.dbCpuMs ?? '-'} ms, non-2xx ${a.non2xx}`);
      await stopChild(api);
      api = undefined;
      await sleep(SETTLE_MS);
    }
  }
  return { hosts: opts.hosts, connections: opts.connections, durationSec: opts.durationSec, runs: opts.runs, fill: opts.fill, ...samples };
}

async function housekeeping(db: Db, nHosts: number, days: number): Promise<NonNullable<HistoryBenchResult['housekeeping']>> {
  const now = Date.now();
  const history = new MetricHistoryStore(db);
  await history.ensureIndexes();
  const ids = Array.from({ length: nHosts }, () => new ObjectId());
  await db.collection('hosts').insertMany(ids.map((_id, i) => ({ _id, name: `hk-${i}` })));
  let documents = 0;
  const t0 = performance.now();
  for (const [i, id] of ids.entries()) {
    const docs = seededHost(id.toHexString(), now, days);
    await history.collection.insertMany(docs, { ordered: false });
    documents += docs.length;
    if ((i + 1) % 100 === 0) log(`seeded ${i + 1}/${nHosts} hosts (${documents} documents, ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  // Outages (5 per host over the year, one just beyond retention) and a notification log of 30 a day for 91 days.
  await db.collection<{ _id: string }>(HISTORY_COLLECTIONS.outages).insertMany(ids.flatMap((id, i) => Array.from({ length: 5 }, (_, k) => ({ _id: `${id.toHexString()}:offline_${k}`, hostId: id.toHexString(), start: new Date(now - (401 - k * 80) * DAY_MS - 60_000), end: i % 2 === 0 && k === 4 ? null : new Date(now - (401 - k * 80) * DAY_MS) }))));
  await db.collection<{ _id: string }>(HISTORY_COLLECTIONS.notices).insertMany(Array.from({ length: 30 * 91 }, (_, k) => ({ _id: `n${k}`, checkTime: new Date(now - (k / 30) * DAY_MS - 60_000) })));
  const stats = (await db.command({ collStats: HISTORY_COLLECTIONS.metrics })) as { size?: number };
  log(`seeded ${documents} metric documents in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await sleep(SETTLE_MS);

  const acts = createHousekeepingActivities({ db, history, retention: { ...DEFAULT_RETENTION, hourlyDays: days } });
  const deleted: Record<string, number> = { m: 0, t: 0, h: 0, swept: 0, outages: 0, notices: 0 };
  let hoursRolled = 0;
  const start = performance.now();
  let afterId: string | undefined;
  do {
    const page = await acts.rollupMetrics({ now, limit: 200, ...(afterId !== undefined && { afterId }) });
    hoursRolled += page.hours;
    for (const [k, v] of Object.entries(page.deleted)) deleted[k]! += v;
    afterId = page.nextAfterId;
  } while (afterId !== undefined);
  const rolledAt = performance.now();
  const prune = async (targets: readonly ('metrics' | 'outages' | 'notices')[]) => {
    for (const target of targets) {
      for (let more = true; more; ) {
        const r = await acts.pruneHistory({ now, target });
        deleted[target === 'metrics' ? 'swept' : target]! += r.deleted;
        more = r.more;
      }
    }
  };
  await prune(['outages', 'notices']);
  const hourlyEnd = performance.now();
  await prune(['metrics']);
  const sweepEnd = performance.now();
  log(`hourly run ${((hourlyEnd - start) / 1000).toFixed(1)} s, sweep ${((sweepEnd - hourlyEnd) / 1000).toFixed(1)} s`);
  return { hosts: nHosts, days, documents, dataBytes: stats.size ?? 0, hourlyMs: hourlyEnd - start, rollupMs: rolledAt - start, pruneMs: hourlyEnd - rolledAt, sweepMs: sweepEnd - hourlyEnd, hoursRolled, deleted };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'mongo-uri': { type: 'string' },
      part: { type: 'string', default: 'both' },
      hosts: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      fill: { type: 'string' },
      'hk-hosts': { type: 'string' },
      days: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!['ingest', 'housekeeping', 'both'].includes(values.part!)) fail('--part must be ingest, housekeeping or both');
  const cleanup: Cleanup = [];
  cleanUpOnSignal('bench/history', cleanup, log);
  const result: HistoryBenchResult = {};
  try {
    if (values.part !== 'housekeeping') {
      const { uri, dbName, client } = await benchDatabase('history', { ...(values['mongo-uri'] !== undefined && { mongoUri: values['mongo-uri'] }), maxPoolSize: 32, cleanup, log });
      const opts = { hosts: positiveInt(values.hosts, '--hosts', 1000), durationSec: positiveInt(values.duration, '--duration', 10), connections: positiveInt(values.connections, '--connections', 64), runs: positiveInt(values.runs, '--runs', 3), fill: values.fill === undefined ? 0 : positiveInt(values.fill, '--fill', 1) };
      result.ingest = await ingest(client.db(dbName), uri, dbName, opts, cleanup);
    }
    if (values.part !== 'ingest') {
      const { dbName, client } = await benchDatabase('housekeeping', { ...(values['mongo-uri'] !== undefined && { mongoUri: values['mongo-uri'] }), maxPoolSize: 8, cleanup, log });
      result.housekeeping = await housekeeping(client.db(dbName), positiveInt(values['hk-hosts'], '--hk-hosts', 1000), positiveInt(values.days, '--days', 90));
    }
    const text = historyText(result);
    if (values.json) {
      log(text);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else process.stdout.write(`${text}\n`);
  } finally {
    for (const c of cleanup.splice(0)) await c().catch((err) => log(`cleanup: ${err instanceof Error ? err.message : String(err)}`));
  }
}

main().catch((err) => {
  log(`bench/history: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
