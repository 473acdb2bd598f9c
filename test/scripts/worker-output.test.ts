/**
 * What `npm run dev` shows of a real worker's output (scripts/lib/worker-output.ts): hostwatch's lines, what a
 * check delivered, warnings and errors; the bundler's module listing and the rest go to the log file only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, expect, inject, test } from 'vitest';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { stopChild } from '../../scripts/lib/services.js';
import { WorkerOutput } from '../../scripts/lib/worker-output.js';
import { startTsProcess } from '../support/cli.js';
import { addReportedHost, freshStore } from '../support/db.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const dir = mkdtempSync(join(tmpdir(), 'hostwatch-worker-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a real worker: the terminal gets its start-up line and what a check delivered; the log file gets everything', async () => {
  const { hosts, dbName, uri } = await freshStore();
  await addReportedHost(hosts, 'dev-1', Date.now() - 3 * 60_000);
  const catcher = await new MailCatcher().start();
  const taskQueue = uniqueTaskQueue('dev-output');
  const shown: string[] = [];
  const logFile = join(dir, 'worker.log');
  const output = new WorkerOutput(logFile, (l) => shown.push(l));
  const worker = startTsProcess(['src/worker.ts'], { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue, MONGODB_URI: uri, MONGODB_DB: dbName, SMTP_URL: catcher.url });
  output.follow(worker.child.stdout!);
  output.follow(worker.child.stderr!);
  const connection = await Connection.connect({ address: inject('devServerAddress') });
  try {
    const deadline = Date.now() + 90_000;
    while (!shown.some((l) => l.startsWith('hostwatch worker: task queue'))) {
      if (Date.now() > deadline) throw new Error(`worker not ready: ${shown.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Client({ connection }).workflow.execute('checkHostStatus', { taskQueue, workflowId: `${taskQueue}-1`, args: [{ recipients: ['ops@example.com'] }] });
    await new Promise((r) => setTimeout(r, 1_000)); // the SDK flushes its log lines in batches
  } finally {
    await connection.close();
    await stopChild(worker.child, 20_000);
    await catcher.stop();
    output.close();
  }
  await new Promise((r) => setTimeout(r, 200));
  const log = readFileSync(logFile, 'utf8');
  expect(shown[0]).toMatch(/^hostwatch worker: task queue ".*" on .* \(namespace default\), database ".*"$/);
  expect(shown).toContainEqual(expect.stringMatching(/^Notice delivered \(destination: 'ops@example\.com'.*offline: 1/));
  expect(shown).toContainEqual(expect.stringMatching(/^Check delivered notices \(.*notices: 1/));
  expect(shown.at(-1)).toBe('hostwatch worker: stopped');
  // Everything else (the SDK's worker state lines, the bundler's output) is in the file only.
  expect(log).toMatch(/\[INFO\] Worker state changed/);
  expect(log.split('\n').length).toBeGreaterThan(shown.length * 2);
  expect(shown.filter((l) => /Worker state changed|bundle|modules/i.test(l))).toEqual([]);
}, 150_000);
