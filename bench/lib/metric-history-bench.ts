/**
 * Helpers of bench/history.ts (issue 13's bench lines for metric history): the buckets seeded for the housekeeping
 * measurement, the result shape, its table, and running the script from `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { ObjectId } from 'mongodb';
import { bucketId, bucketStart, DAY_MS, encodePoint, HOUR_MS, LEVELS, type Level, type StoredPoint } from '../../src/history/metric-rollup.js';
import type { MetricBucketDoc } from '../../src/store/metric-history.js';
import { REPO_ROOT } from './services.js';
import { median, ratio, textTable } from './stats.js';

export interface IngestHalf {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** CPU time (user + system) per stored report of the API process and of the database server, in ms. */
  apiCpuMs?: number;
  dbCpuMs?: number;
}

/** User + system CPU time of a process so far, in ms (Linux /proc; 100 clock ticks a second). */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The pid of a running process whose command line contains every one of `parts` (the bench's own FerretDB). */
export function findPid(parts: readonly string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (parts.every((p) => cmd.includes(p))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export interface HistoryBenchResult {
  ingest?: { hosts: number; connections: number; durationSec: number; runs: number; fill?: number; off: IngestHalf[]; on: IngestHalf[] };
  housekeeping?: {
    hosts: number;
    days: number;
    documents: number;
    dataBytes: number;
    /** The hourly run: rollup of one hour per host with its deletes by `_id`, then outages and notices. */
    hourlyMs: number;
    rollupMs: number;
    pruneMs: number;
    /** The daily sweep of the metric history by query. */
    sweepMs: number;
    hoursRolled: number;
    deleted: Record<string, number>;
  };
}

/** A point as the agent's report would give it, varying with `k`. */
function point(k: number, n?: number): StoredPoint {
  return { c: (k * 7) % 100, m: 40 + (k % 20), l: ((k % 30) / 10), dk: ['/', '/var'], dv: [50 + (k % 40), 20 + (k % 10)], ...(n !== undefined && { n }) };
}

function fullBucket(hostId: string, level: Level, start: number): MetricBucketDoc {
  const { stepMs, bucketMs } = LEVELS[level];
  const p: Record<string, string> = {};
  for (let i = 0; i < bucketMs / stepMs; i++) p[String(i)] = encodePoint(point(i, level === 'm' ? undefined : stepMs / 60_000));
  return { _id: bucketId(hostId, level, start), h: hostId, l: level, t: new Date(start), p };
}

/**
 * One host's metric history as housekeeping an hour before `now` left it: every level full over its retention
 * (1, 7 and `days` days), the minute level up to `now`, a state saying everything before the previous hour is
 * rolled, and one bucket per level that has just left its retention (the deletes of this run).
 */
export function seededHost(hostId: string, now: number, days: number): MetricBucketDoc[] {
  const docs: MetricBucketDoc[] = [];
  const retention: Record<Level, number> = { m: 1, t: 7, h: days };
  const kept = {} as Record<Level, Date>;
  for (const level of ['m', 't', 'h'] as const) {
    const { bucketMs } = LEVELS[level];
    // the run an hour ago kept buckets from here: the one before the current cutoff is this run's delete by _id
    const previousFirst = bucketStart(level, now - HOUR_MS - retention[level] * DAY_MS);
    kept[level] = new Date(previousFirst);
    for (let s = previousFirst; s <= now; s += bucketMs) docs.push(fullBucket(hostId, level, s));
  }
  const rolled = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
  docs.push({ _id: `${hostId}:s`, h: hostId, l: 's', t: new Date(rolled), rolled: new Date(rolled), kept });
  return docs;
}

export type SeedHost = { _id: ObjectId; name: string };

function pct(a: number, b: number): string {
  const r = ratio(a, b);
  return r === undefined ? '-' : `${(r * 100).toFixed(0)} %`;
}

export function historyText(r: HistoryBenchResult): string {
  const out: string[] = [];
  if (r.ingest) {
    const i = r.ingest;
    const off = median(i.off.map((s) => s.rps));
    const on = median(i.on.map((s) => s.rps));
    const cpu = (xs: IngestHalf[], k: 'apiCpuMs' | 'dbCpuMs') => {
      const v = xs.flatMap((x) => (x[k] === undefined ? [] : [x[k]!]));
      return v.length ? median(v).toFixed(2) : '-';
    };
    const row = (name: string, xs: IngestHalf[]) => [name, median(xs.map((s) => s.rps)).toFixed(1), xs.map((s) => s.rps.toFixed(0)).join(' / '), String(median(xs.map((s) => s.p50Ms))), String(median(xs.map((s) => s.p99Ms))), cpu(xs, 'apiCpuMs'), cpu(xs, 'dbCpuMs'), String(xs.reduce((a, s) => a + s.non2xx, 0))];
    out.push(
      `Ingest with metric history against without (${i.hosts} hosts, ${i.connections} connections, ${i.durationSec} s x ${i.runs} runs, halves alternating${i.fill ? `, minute buckets pre-filled with ${i.fill} slots` : ''})`,
      textTable(['history', 'reports/s (median)', 'each run', 'p50 ms', 'p99 ms', 'API CPU ms/report', 'DB CPU ms/report', 'non-2xx'], [row('off (HISTORY_METRICS=false)', i.off), row('on', i.on)]),
      `with / without: ${pct(on, off)} (goal >= 80 %); per run: ${i.on.map((s, k) => pct(s.rps, i.off[k]!.rps)).join(', ')}`,
    );
  }
  if (r.housekeeping) {
    const h = r.housekeeping;
    out.push(
      `Housekeeping, ${h.hosts} hosts x ${h.days} days of history (${h.documents} documents, ${(h.dataBytes / 1024 ** 2).toFixed(0)} MiB)`,
      textTable(
        ['pass', 'seconds'],
        [
          ['hourly run (rollups + deletes by _id + outages + notices)', (h.hourlyMs / 1000).toFixed(1)],
          ['  of which rollups', (h.rollupMs / 1000).toFixed(1)],
          ['  of which outages and notices', (h.pruneMs / 1000).toFixed(1)],
          ['daily sweep of the metric history by query', (h.sweepMs / 1000).toFixed(1)],
        ],
      ),
      `host-hours rolled: ${h.hoursRolled}; deleted: ${Object.entries(h.deleted).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
  }
  return out.join('\n');
}

/** Runs bench/history.ts on `mongoUri` and returns its result (npm run bench, item `history`). */
export async function runHistoryBench(mongoUri: string, runs: number, log: (l: string) => void): Promise<HistoryBenchResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/history.ts', '--json', '--mongo-uri', mongoUri, '--runs', String(runs)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) if (line.trim()) log(`  history: ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`bench/history.ts exited with code ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as HistoryBenchResult;
}
