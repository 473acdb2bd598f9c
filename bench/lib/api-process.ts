/**
 * The ingest API as the benchmarks drive it: hosts registered through HostStore.add, the API as its own process
 * (`node --import tsx src/api/server.ts`), autocannon against the report route. Shared by bench/ingest.ts
 * (item 3) and bench/rules.ts (item 5).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { MongoClient, ObjectId } from 'mongodb';
import { startFerretDb, stopChild } from '../../scripts/lib/services.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { REPO_ROOT } from './services.js';

export interface BenchHost {
  _id: ObjectId;
  key: string;
  secret: string;
  /** The first report body, as an object (the raw driver loop writes it). */
  data: Record<string, unknown>;
  /** Report bodies sent in turn, one per request for this host; at least one. */
  bodies: string[];
}

/** The report bodies of host `i`, named `name`: their first is also the host's `data`. */
export type ReportBodies = (name: string, i: number) => Record<string, unknown>[];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pause after a measurement, so the next one starts on a quiet machine. */
export const SETTLE_MS = 2_000;

/** Registers `n` hosts `bench-<i>` (8 at a time) and keeps their credentials and report bodies. */
export async function registerHosts(store: HostStore, n: number, reports: ReportBodies): Promise<BenchHost[]> {
  const hosts: BenchHost[] = new Array(n);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      const { id, key, secret } = await store.add(`bench-${i}`);
      const variants = reports(`bench-${i}.example.net`, i);
      if (variants.length === 0) throw new Error(`no report body for host ${i}`);
      hosts[i] = { _id: new ObjectId(id), key, secret, data: variants[0]!, bodies: variants.map((v) => JSON.stringify(v)) };
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return hosts;
}

/** Starts the API with `env` (its whole environment) and resolves once /healthz answers. */
export async function startApi(env: NodeJS.ProcessEnv, port: number, cpuProfDir?: string): Promise<ChildProcess> {
  const args = [...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), '--import', 'tsx', 'src/api/server.ts'];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stopChild(child);
  throw new Error(`the API did not answer /healthz within 60 s: ${stderr}`);
}

/**
 * Waits until the API has worked through what it had accepted: autocannon stops at its deadline without waiting
 * for answers, and an overloaded API (the original code: seconds per report) can still be running their queries,
 * which would overlap with the next measurement. One more report, sent now, is answered after those.
 */
export async function drainApi(port: number, host: BenchHost): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/report`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-host-key': host.key, 'x-host-secret': host.secret },
    body: host.bodies[0]!,
    signal: AbortSignal.timeout(600_000),
  });
  if (res.status !== 204) throw new Error(`drain report answered ${res.status}`);
}

export interface ApiSample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  detail: string;
}

async function cannon(port: number, hosts: readonly BenchHost[], connections: number, length: { duration: number } | { amount: number }): Promise<ApiSample> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    ...length,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/report',
        setupRequest: (req) => {
          const k = next++;
          const h = hosts[k % hosts.length]!;
          const body = h.bodies[Math.floor(k / hosts.length) % h.bodies.length]!;
          return { ...req, headers: { 'content-type': 'application/json', 'x-host-key': h.key, 'x-host-secret': h.secret }, body };
        },
      },
    ],
  });
  return {
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    detail: `${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
  };
}

/**
 * autocannon against the report route for `durationSec`, each request for the next host in turn; a host's bodies
 * are sent in turn too (request k goes to host k mod n with its body floor(k / n) mod bodies).
 */
export function apiRun(port: number, hosts: readonly BenchHost[], connections: number, durationSec: number): Promise<ApiSample> {
  return cannon(port, hosts, connections, { duration: durationSec });
}

/** One report for every host (its first body), `connections` at a time. */
export function reportEveryHost(port: number, hosts: readonly BenchHost[], connections: number): Promise<ApiSample> {
  return cannon(port, hosts, connections, { amount: hosts.length });
}

/** What a bench undoes when it ends or is interrupted, newest first. */
export type Cleanup = (() => Promise<void>)[];

/** Ctrl-C or SIGTERM: runs `cleanup` (stopping what the bench started), then exits. */
export function cleanUpOnSignal(bench: string, cleanup: Cleanup, log: (line: string) => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${bench}: ${signal}, cleaning up`);
    void (async () => {
      for (const c of cleanup.splice(0)) await c().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/**
 * A fresh database `bench_<name>_<random>` on `mongoUri`, or on a FerretDB started in a temporary directory when
 * none is given; dropped (and the FerretDB stopped, its directory removed) by `cleanup`.
 */
export async function benchDatabase(name: string, opts: { mongoUri?: string; maxPoolSize: number; cleanup: Cleanup; log: (line: string) => void }): Promise<{ uri: string; dbName: string; client: MongoClient }> {
  let uri = opts.mongoUri;
  if (uri === undefined) {
    const dir = mkdtempSync(join(tmpdir(), `hostwatch-bench-${name}-`));
    opts.cleanup.unshift(async () => rmSync(dir, { recursive: true, force: true }));
    const ferret = await startFerretDb({ dataDir: dir });
    opts.cleanup.unshift(() => ferret.stop());
    uri = ferret.uri;
    opts.log(`FerretDB on ${ferret.address} (data in ${dir})`);
  }
  const dbName = `bench_${name}_${randomBytes(4).toString('hex')}`;
  const client = new MongoClient(uri, { maxPoolSize: opts.maxPoolSize, appName: `hostwatch-bench-${name}` });
  await client.connect();
  opts.cleanup.unshift(async () => {
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });
  return { uri, dbName, client };
}
