import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
