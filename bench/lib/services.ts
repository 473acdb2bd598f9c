/**
 * The services a benchmark runs against: FerretDB, the Temporal dev server, a real SMTP server (MailCatcher)
 * and the hostwatch worker as a separate process, so its resident memory can be read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startFerretDb, startTemporalDevServer, stopChild, type RunningService } from '../../scripts/lib/services.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NAMESPACE = 'default';
export const ALERT_FROM = 'hostwatch bench <bench@hostwatch.test>';
export const RECIPIENT = 'ops@hostwatch.test';

export interface BenchEnv {
  /** The database: FerretDB started here, or the MongoDB given with --mongo-uri. */
  db: { uri: string; external: boolean };
  temporal: RunningService;
  mail: MailCatcher;
  mongo: MongoClient;
  connection: Connection;
  client: Client;
  /** Worker logs and other scratch files. */
  workDir: string;
  log(line: string): void;
  /** Stops every service; the scratch directory (worker logs) is removed unless `keepLogs`. */
  stop(keepLogs?: boolean): Promise<void>;
}

/** Starts the services; with `mongoUri` the benchmarks use that database server instead of starting FerretDB. */
export async function startBenchEnv(log: (line: string) => void, mongoUri?: string, idIndex = true): Promise<BenchEnv> {
  const workDir = mkdtempSync(join(tmpdir(), 'hostwatch-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((err) => log(`  (stop failed: ${String(err)})`));
  };
  try {
    const [ferret, temporal] = await Promise.all([mongoUri === undefined ? startFerretDb({ idIndex }) : undefined, startTemporalDevServer()]);
    if (ferret) stops.push(() => ferret.stop());
    stops.push(() => temporal.stop());
    const db = { uri: mongoUri ?? ferret!.uri, external: mongoUri !== undefined };
    const mail = await new MailCatcher().start();
    stops.push(() => mail.stop());
    const mongo = await MongoClient.connect(db.uri, { appName: 'hostwatch-bench', socketTimeoutMS: 600_000 });
    stops.push(() => mongo.close());
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: NAMESPACE });
    log(`services: ${db.external ? 'MongoDB (--mongo-uri)' : `FerretDB ${db.uri}${idIndex ? '' : ' without the _id index'}`}, Temporal ${temporal.address}, SMTP ${mail.url}, scratch ${workDir}`);
    const stop = async (keepLogs = false) => {
      await stopAll();
      if (keepLogs) log(`worker logs kept in ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
    };
    return { db, temporal, mail, mongo, connection, client, workDir, log, stop };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export interface WorkerProcess {
  pid: number;
  taskQueue: string;
  logFile: string;
  /** Resident set size in bytes (VmRSS of /proc/<pid>/status); undefined once the process is gone. */
  rss(): number | undefined;
  stop(): Promise<void>;
}

/** VmRSS of a process in bytes, or undefined when it cannot be read. */
export function readRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `node --import tsx src/worker.ts` configured through its environment (src/config.ts). Resolves once the worker
 * logs that it polls its task queue. The pid is the node process itself (no shell in between).
 */
export async function startWorker(env: BenchEnv, opts: { db: string; taskQueue: string; timeoutMs?: number }): Promise<WorkerProcess> {
  const logFile = join(env.workDir, `worker-${opts.taskQueue}.log`);
  const out = createWriteStream(logFile);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.temporal.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: opts.taskQueue,
      MONGODB_URI: env.db.uri,
      MONGODB_DB: opts.db,
      SMTP_URL: env.mail.url,
      ALERT_FROM,
      LOG_FORMAT: 'text',
      LOG_LEVEL: 'info',
      METRICS_ADDRESS: '',
    },
  });
  const ready = new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${(opts.timeoutMs ?? 120_000) / 1000}s; see ${logFile}`)), opts.timeoutMs ?? 120_000);
    const onData = (chunk: Buffer) => {
      out.write(chunk);
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes(`task queue "${opts.taskQueue}"`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code ?? signal}) before it was ready; see ${logFile}`));
    });
  });
  const stop = async () => {
    await stopChild(child, 15_000);
    out.end();
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  const pid = child.pid!;
  return { pid, taskQueue: opts.taskQueue, logFile, rss: () => readRss(pid), stop };
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak. */
export function sampleRss(read: () => number | undefined, everyMs = 200): { stop(): { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const take = () => {
    const v = read();
    if (v !== undefined) {
      samples++;
      peak = Math.max(peak, v);
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak, samples };
    },
  };
}
