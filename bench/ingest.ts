/**
 * Ingest throughput (issue 4, item 3): POST /api/v1/report through the real API process, driven by autocannon,
 * beside the database's raw update rate for the same documents measured by plain driver loops in the same run.
 *
 *   tsx bench/ingest.ts [--json] [--mongo-uri URI] [--hosts N] [--duration S] [--connections 1,16,64] [--runs R]
 *
 * Without --mongo-uri a FerretDB is started in a temporary directory. N hosts are registered through
 * HostStore.add; the API runs as its own process (`node --import tsx src/api/server.ts`). For each connection
 * count C: autocannon with C connections for S seconds, every request for the next host in turn (its own key,
 * secret and report body); then C concurrent driver loops doing `updateOne({_id}, {$set: {data, lastReportAt}})`
 * over the same hosts for S seconds. API and raw runs alternate in order from run to run, so drift hits both;
 * every figure is the median of R runs. Progress and (with --json) the table go to stderr; stdout gets the table,
 * or with --json exactly one JSON line.
 */
import { parseArgs } from 'node:util';
import type { MongoClient } from 'mongodb';
import { freePort, stopChild } from '../scripts/lib/services.js';
import { HostStore } from '../src/store/hosts-store.js';
import { apiRun, drainApi, registerHosts, sleep, startApi, SETTLE_MS, type ApiSample, type BenchHost, benchDatabase, cleanUpOnSignal, type Cleanup } from './lib/api-process.js';
import { agentReport } from './lib/seed.js';
import { median } from './lib/stats.js';
import { log, scriptArgs } from './lib/script-args.js';

const HELP = `usage: tsx bench/ingest.ts [options]

  --json                one JSON line on stdout (the table goes to stderr)
  --mongo-uri URI       use this database server instead of starting a FerretDB
  --hosts N             hosts registered and reported for (default 1000)
  --duration S          seconds per measurement (default 10)
  --connections LIST    concurrent clients, comma-separated (default 1,16,64)
  --runs R              runs per figure; each figure is the median (default 3)
  --log-format F        the API's LOG_FORMAT: text (default, no request log) or json (a JSON line per request)
  --cpu-prof DIR        run the API with --cpu-prof, profiles written to DIR
  --help                this text
`;

export interface IngestRow {
  connections: number;
  apiRps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  rawUps: number;
  ratio: number;
}

const { fail, positiveInt } = scriptArgs('bench/ingest', HELP);

/**
 * `connections` concurrent driver loops of `updateOne({_id}, {$set: {data, lastReportAt}})` for `durationSec`:
 * successful updates per second, and the number of failed ones (FerretDB's SQLite backend answers "database is
 * locked" when too many writers wait; a failed update is counted, not retried, and not in the rate).
 */
async function rawRun(client: MongoClient, dbName: string, hosts: BenchHost[], connections: number, durationSec: number): Promise<{ ups: number; errors: number; firstError?: string }> {
  const coll = client.db(dbName).collection('hosts');
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const end = t0 + durationSec * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const h = hosts[next++ % hosts.length]!;
      try {
        const r = await coll.updateOne({ _id: h._id }, { $set: { data: h.data, lastReportAt: new Date() } });
        if (r.matchedCount !== 1) throw new Error(`raw update matched ${r.matchedCount} documents`);
        done++;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  return { ups: done / ((performance.now() - t0) / 1000), errors, ...(firstError !== undefined && { firstError }) };
}

function table(rows: IngestRow[], hosts: number, durationSec: number, runs: number): string {
  const head = ['connections', 'API reports/s', 'p50 ms', 'p99 ms', 'non-2xx', 'raw updates/s', 'API/raw'];
  const body = rows.map((r) => [String(r.connections), r.apiRps.toFixed(1), r.p50Ms.toFixed(1), r.p99Ms.toFixed(1), String(r.non2xx), r.rawUps.toFixed(1), `${(r.ratio * 100).toFixed(0)} %`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [
    `ingest: ${hosts} hosts, ${durationSec} s per measurement, median of ${runs} runs`,
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'mongo-uri': { type: 'string' },
      hosts: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      'log-format': { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const nHosts = positiveInt(values.hosts, '--hosts', 1000);
  const durationSec = positiveInt(values.duration, '--duration', 10);
  const runs = positiveInt(values.runs, '--runs', 3);
  const connectionCounts = (values.connections ?? '1,16,64').split(',').map((c) => positiveInt(c.trim(), '--connections', 1));
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') fail('--log-format must be text or json');

  const cleanup: Cleanup = [];
  cleanUpOnSignal('bench/ingest', cleanup, log);
  try {
    const { uri, dbName, client } = await benchDatabase('ingest', { ...(values['mongo-uri'] !== undefined && { mongoUri: values['mongo-uri'] }), maxPoolSize: Math.max(100, ...connectionCounts), cleanup, log });
    const store = new HostStore(client.db(dbName));
    await store.ensureIndexes();
    const t0 = performance.now();
    const hosts = await registerHosts(store, nHosts, (name, i) => [agentReport(name, i, new Date())]);
    log(`registered ${nHosts} hosts in ${((performance.now() - t0) / 1000).toFixed(1)} s (database ${dbName})`);

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MONGODB_URI: uri,
      MONGODB_DB: dbName,
      PORT: String(port),
      LOG_FORMAT: logFormat,
    };
    const api = await startApi(env, port, values['cpu-prof']);
    cleanup.unshift(() => stopChild(api));
    log(`API on port ${port} (LOG_FORMAT=${logFormat})`);

    // Warm-up: every host reports once through the API, and the driver loop runs briefly.
    await apiRun(port, hosts, Math.min(16, nHosts), 2);
    await drainApi(port, hosts[0]!);
    await sleep(SETTLE_MS);
    await rawRun(client, dbName, hosts, Math.min(16, nHosts), 1);

    const rawErrors = new Map<number, number>();
    const samples = new Map(connectionCounts.map((c) => [c, { api: [] as ApiSample[], raw: [] as number[] }]));
    for (let r = 0; r < runs; r++) {
      for (const c of connectionCounts) {
        const s = samples.get(c)!;
        const api = async () => {
          const a = await apiRun(port, hosts, c, durationSec);
          await drainApi(port, hosts[0]!);
          await sleep(SETTLE_MS);
          s.api.push(a);
          log(`run ${r + 1}/${runs}, ${c} connections: API ${a.rps.toFixed(1)} reports/s, p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, non-2xx ${a.non2xx}${a.non2xx > 0 ? ` (${a.detail})` : ''}`);
        };
        const raw = async () => {
          const u = await rawRun(client, dbName, hosts, c, durationSec);
          await sleep(SETTLE_MS);
          s.raw.push(u.ups);
          rawErrors.set(c, (rawErrors.get(c) ?? 0) + u.errors);
          log(`run ${r + 1}/${runs}, ${c} connections: raw ${u.ups.toFixed(1)} updates/s${u.errors > 0 ? `, ${u.errors} failed (${u.firstError})` : ''}`);
        };
        if (r % 2 === 0) {
          await api();
          await raw();
        } else {
          await raw();
          await api();
        }
      }
    }
    const rows: IngestRow[] = connectionCounts.map((c) => {
      const s = samples.get(c)!;
      const apiRps = median(s.api.map((a) => a.rps));
      const rawUps = median(s.raw);
      const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
      return {
        connections: c,
        apiRps: round(apiRps),
        p50Ms: round(median(s.api.map((a) => a.p50Ms)), 2),
        p99Ms: round(median(s.api.map((a) => a.p99Ms)), 2),
        non2xx: s.api.reduce((n, a) => n + a.non2xx, 0),
        rawUps: round(rawUps),
        ratio: round(rawUps > 0 ? apiRps / rawUps : 0, 3),
      };
    });
    const text = table(rows, nHosts, durationSec, runs);
    if (values.json) {
      log(text);
      process.stdout.write(`${JSON.stringify({ rows, hosts: nHosts, durationSec, runs })}\n`);
    } else {
      process.stdout.write(`${text}\n`);
    }
    for (const [c, n] of rawErrors) if (n > 0) log(`raw driver loop at ${c} connections: ${n} updates failed over ${runs} runs (not counted in the rate)`);
    const bad = rows.filter((r) => r.non2xx > 0);
    if (bad.length > 0) {
      log(`non-2xx answers at ${bad.map((r) => r.connections).join(', ')} connections`);
      process.exitCode = 1;
    }
  } finally {
    for (const c of cleanup.splice(0)) await c().catch((err) => log(`cleanup: ${err instanceof Error ? err.message : String(err)}`));
  }
}

main().catch((err) => {
  log(`bench/ingest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
