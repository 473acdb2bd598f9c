/** Item 3 runs in bench/ingest.ts (written separately); this spawns it and reads its JSON summary. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// Type only: importing bench/ingest.ts for real would run it.
import type { IngestRow } from '../ingest.js';
import { REPO_ROOT } from './services.js';

export const INGEST_SCRIPT = join(REPO_ROOT, 'bench', 'ingest.ts');

export type { IngestRow };

export interface IngestResult {
  rows: IngestRow[];
  hosts: number;
  durationSec: number;
  runs: number;
}

/** Parses the last non-empty stdout line of bench/ingest.ts --json. */
export function parseIngestOutput(stdout: string): IngestResult {
  const last = stdout.trim().split('\n').filter((l) => l.trim() !== '').at(-1);
  if (!last) throw new Error('bench/ingest.ts printed nothing');
  const parsed = JSON.parse(last) as IngestResult;
  if (!Array.isArray(parsed.rows)) throw new Error(`bench/ingest.ts: no "rows" in its last line: ${last.slice(0, 200)}`);
  return parsed;
}

export function ingestPresent(): boolean {
  return existsSync(INGEST_SCRIPT);
}

export async function runIngest(mongoUri: string, runs: number, log: (l: string) => void): Promise<IngestResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', INGEST_SCRIPT, '--json', '--mongo-uri', mongoUri, '--runs', String(runs)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) if (line.trim()) log(`  ingest: ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`bench/ingest.ts exited with code ${code}`);
  return parseIngestOutput(stdout);
}
