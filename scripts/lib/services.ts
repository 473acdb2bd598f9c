/**
 * Starts the real services hostwatch runs against, from the binaries scripts/provision.sh caches:
 * FerretDB (MongoDB wire protocol), the Temporal dev server, and the Temporal time-skipping test server.
 * Used by the test suite, `npm run dev` and scripts/record-history.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchIdIndexes } from './ferretdb-id-index.js';

export const CACHE_DIR = process.env.HOSTWATCH_CACHE ?? join(homedir(), '.cache', 'hostwatch');
export const BIN_DIR = join(CACHE_DIR, 'bin');
/** The OpenAPI fuzzer, from `scripts/provision.sh --with-schemathesis` (pinned there, in its own venv). */
export const SCHEMATHESIS_BIN = join(BIN_DIR, 'schemathesis');

export interface RunningService {
  /** host:port */
  address: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before listening; see ${logFile}`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs / 1000}s; see ${logFile}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited and its output is drained. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** True once something accepts connections on the loopback `port`, false after `timeoutMs`. */
export async function portOpens(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Spawns `bin args`, logging to a file in `workDir`, and resolves once `port` accepts connections.
 * The caller owns `workDir` (removed on stop when `removeWorkDir`).
 */
async function launch(name: string, bin: string, args: string[], port: number, workDir: string, removeWorkDir: boolean, timeoutMs = 60_000): Promise<RunningService> {
  if (!existsSync(join(BIN_DIR, bin))) throw new Error(`${name} is not provisioned: run "npm run provision" (looked in ${BIN_DIR})`);
  const logFile = join(workDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(join(BIN_DIR, bin), args, { stdio: ['ignore', fd, fd], cwd: workDir });
  } finally {
    closeSync(fd);
  }
  child.once('error', () => undefined); // reported through exitCode/waitForPort
  await waitForPort(port, child, name, logFile, timeoutMs);
  return {
    address: `127.0.0.1:${port}`,
    port,
    logFile,
    async stop() {
      await stopChild(child);
      if (removeWorkDir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function workDirFor(name: string, dir?: string): { dir: string; owned: boolean } {
  return dir ? { dir, owned: false } : { dir: mkdtempSync(join(tmpdir(), `hostwatch-${name}-`)), owned: true };
}

/**
 * FerretDB with its SQLite backend. `dataDir` persists data; without it a temporary directory is used.
 * Unless `idIndex` is false, every collection's table gets the `_id` index FerretDB lacks (ferretdb-id-index.ts),
 * at start and within half a second of a collection being created or re-created.
 */
export async function startFerretDb(opts: { port?: number; dataDir?: string; idIndex?: boolean } = {}): Promise<RunningService & { uri: string; dataDir: string }> {
  const port = opts.port ?? (await freePort());
  const { dir, owned } = workDirFor('ferretdb', opts.dataDir);
  const svc = await launch(
    'ferretdb',
    'ferretdb',
    ['--handler=sqlite', `--sqlite-url=file:${dir}/`, `--listen-addr=127.0.0.1:${port}`, '--telemetry=disable', '--debug-addr=-', '--log-level=' + (process.env.FERRETDB_LOG_LEVEL ?? 'warn'), `--state-dir=${dir}`],
    port,
    dir,
    owned,
  );
  const watcher = opts.idIndex === false ? undefined : watchIdIndexes(dir);
  return {
    ...svc,
    uri: `mongodb://127.0.0.1:${port}/`,
    dataDir: dir,
    async stop() {
      watcher?.stop();
      await svc.stop();
    },
  };
}

/** The Temporal dev server. With `uiPort` the Web UI is served there; `dbFile` persists history. */
export async function startTemporalDevServer(opts: { port?: number; uiPort?: number; dbFile?: string; dir?: string } = {}): Promise<RunningService> {
  const port = opts.port ?? (await freePort());
  const { dir, owned } = workDirFor('temporal', opts.dir);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', 'default', '--log-level', 'warn'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  return launch('temporal', 'temporal', args, port, dir, owned);
}

/** The Temporal time-skipping test server (Java). */
export async function startTemporalTestServer(opts: { port?: number } = {}): Promise<RunningService> {
  const port = opts.port ?? (await freePort());
  const { dir, owned } = workDirFor('test-server', undefined);
  return launch('test-server', 'temporal-test-server', [String(port), '--enable-time-skipping'], port, dir, owned);
}
