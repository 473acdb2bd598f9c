import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { BIN_DIR } from '../../scripts/lib/services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs hostwatch's CLI (`npm run hostwatch -- ...`) as a separate process. */
export function hostwatchCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return run(process.execPath, ['--import', 'tsx', 'src/client.ts', ...args], env);
}

/** Runs the provisioned `temporal` CLI. */
export function temporalCli(args: string[]): Promise<CliResult> {
  return run(`${BIN_DIR}/temporal`, args, {});
}

export interface LongRunning {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/** Starts a long-running TypeScript entry point (`src/worker.ts`, `src/client.ts agent ...`), capturing its output. */
export function startTsProcess(args: string[], env: Record<string, string>): LongRunning {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Waits until `ok()` holds, failing early with the process's output if it exits or `timeoutMs` passes. */
export async function untilProcess(p: LongRunning, what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (p.child.exitCode !== null) throw new Error(`process exited (${p.child.exitCode}) while waiting for ${what}:\n${p.out()}\n${p.err()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${p.out()}\n${p.err()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A command that succeeded: exit 0, nothing on stderr; returns its stdout. */
export function expectOk(r: CliResult): string {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** A usage error: exit 2, `hostwatch: <message>` on stderr and nothing on stdout. */
export function expectUsage(r: CliResult, message: string): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`hostwatch: ${message}\n`);
  expect(r.code).toBe(2);
}

/** Waits until an API process on `port` answers `/healthz` with 200, failing early with its output if it exits. */
export async function untilHealthy(p: LongRunning, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`api exited (${p.child.exitCode}):\n${p.out()}\n${p.err()}`);
    if (Date.now() > deadline) throw new Error(`api did not start:\n${p.out()}\n${p.err()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
