/**
 * The worker as a process with LOG_FORMAT=json and METRICS_ADDRESS, on the Temporal dev server with FerretDB and a
 * real SMTP server: every line it writes is JSON, the digest and state lines carry their counts and Message-ID, and
 * the SDK's Prometheus metrics count the completed and the failed run.
 */
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { freePort } from '../../scripts/lib/services.js';
import type { CheckSummary } from '../../src/workflows/check-host-status.js';
import { startTsProcess, untilProcess, type LongRunning } from '../support/cli.js';
import { addReportedHost, freshStore } from '../support/db.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
let catcher: MailCatcher;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  catcher = await new MailCatcher().start();
  connection = await Connection.connect({ address: inject('devServerAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await catcher?.stop();
});

type LogLine = Record<string, unknown> & { time: string; level: string; message: string };

/** Every non-empty line parsed as JSON; a line that is not JSON fails the test, naming it. */
function jsonLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      let parsed: unknown;
      expect(() => (parsed = JSON.parse(l)), `not JSON: ${l}`).not.toThrow();
      return parsed as LogLine;
    });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels` (0 when there are none yet). */
function metric(samples: Sample[], name: string, labels: Record<string, string>): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(port: number): Promise<{ contentType: string; samples: Sample[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get('content-type') ?? '', samples: parsePrometheus(await res.text()) };
}

/** Scrapes until `ready` holds (a worker records some metrics just after the server has the result), at most 10 s. */
async function scrapeWhen(port: number, ready: (samples: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { samples } = await scrape(port);
    if (ready(samples) || Date.now() > deadline) return samples;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('LOG_FORMAT=json and METRICS_ADDRESS: JSON lines only, digest lines with counts, SDK metrics for the task queue', async () => {
  const { hosts, dbName, uri } = await freshStore();
  await addReportedHost(hosts, 'web-1', Date.now() - 12 * MIN);
  const taskQueue = uniqueTaskQueue('obs');
  const metricsPort = await freePort();
  catcher.messages.length = 0;
  catcher.fault = { kind: 'none' };
  const w = startTsProcess(['src/worker.ts'], {
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    MONGODB_URI: uri,
    MONGODB_DB: dbName,
    SMTP_URL: catcher.url,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
  });
  try {
    await untilProcess(w, 'the start-up line', () => w.out().includes('hostwatch worker: task queue'));
    const q = { task_queue: taskQueue };
    const wf = { ...q, workflow_type: 'checkHostStatus' };

    const before = await scrape(metricsPort);
    expect(before.contentType).toMatch(/^text\/plain/);
    expect(metric(before.samples, 'temporal_worker_start', q)).toBe(1);
    expect(metric(before.samples, 'temporal_num_pollers', { ...q, poller_type: 'workflow_task' })).toBeGreaterThan(0);
    expect(metric(before.samples, 'temporal_workflow_completed', wf)).toBe(0);
    expect(metric(before.samples, 'temporal_activity_execution_latency_count', { ...wf, activity_type: 'deliverNotice' })).toBe(0);

    // Run 1: one offline host, one digest.
    const workflowId = `obs-ok-${taskQueue}`;
    const summary = await client.workflow.execute<(input: unknown) => Promise<CheckSummary>>('checkHostStatus', {
      taskQueue,
      workflowId,
      args: [{ recipients: ['ops@example.com'], timezone: 'UTC' }],
    });
    expect(summary).toMatchObject({ notices: 1, recoveries: 0, hostsOffline: 1, message: 'Sent to 1 of 1 destinations: 1 notice, 0 recoveries' });
    const [mail] = await catcher.waitFor(1);
    expect(mail!.messageId).toMatch(new RegExp(`^<hostwatch\\.${workflowId}\\..*\\.d0@`));

    const afterOk = await scrapeWhen(metricsPort, (x) => metric(x, 'temporal_activity_execution_latency_count', { ...wf, activity_type: 'recordAlertState' }) > 0 && metric(x, 'temporal_workflow_completed', wf) > 0);
    expect(metric(afterOk, 'temporal_workflow_completed', wf)).toBe(1);
    expect(metric(afterOk, 'temporal_workflow_failed', wf)).toBe(0);
    const activities = ['resolveDestinations', 'loadRules', 'loadHostsPage', 'deliverNotice', 'recordAlertState', 'recordNoticeLog'];
    for (const activity_type of activities) {
      expect(metric(afterOk, 'temporal_activity_execution_latency_count', { ...wf, activity_type }), activity_type).toBe(1);
    }
    expect(metric(afterOk, 'temporal_activity_schedule_to_start_latency_count', q)).toBe(activities.length);
    expect(metric(afterOk, 'temporal_workflow_task_schedule_to_start_latency_count', q)).toBeGreaterThanOrEqual(1);

    // Run 2: a second host is due, and the mail server refuses with 5xx: the run fails without retrying.
    await addReportedHost(hosts, 'db-1', Date.now() - 65 * MIN);
    catcher.fault = { kind: 'reject' };
    const failedId = `obs-rejected-${taskQueue}`;
    const failure = await client.workflow
      .execute('checkHostStatus', { taskQueue, workflowId: failedId, args: [{ recipients: ['ops@example.com'], timezone: 'UTC' }] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    catcher.fault = { kind: 'none' };

    const afterFailed = await scrapeWhen(metricsPort, (x) => metric(x, 'temporal_workflow_failed', wf) > 0);
    expect(metric(afterFailed, 'temporal_workflow_completed', wf)).toBe(1);
    expect(metric(afterFailed, 'temporal_workflow_failed', wf)).toBe(1);
    expect(metric(afterFailed, 'temporal_activity_execution_failed', { ...wf, activity_type: 'deliverNotice' })).toBe(1);
    expect(metric(afterFailed, 'temporal_activity_execution_latency_count', { ...wf, activity_type: 'deliverNotice' })).toBe(2);

    // Log lines are buffered briefly (the SDK sorts them by time); wait for the failed run's line.
    await untilProcess(w, 'the failed run in the log', () => w.out().includes(failedId));
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);

    expect(w.err()).toBe('');
    const lines = jsonLines(w.out());
    for (const line of lines) {
      expect(typeof line.message, JSON.stringify(line)).toBe('string');
      expect(LEVELS, JSON.stringify(line)).toContain(line.level);
      expect(new Date(line.time).toISOString(), JSON.stringify(line)).toBe(line.time);
    }
    const byMessage = (m: string): LogLine[] => lines.filter((l) => l.message === m);

    // hostwatch's own lines, the SDK's worker lines and core's (forwarded from Rust) lines are all there.
    expect(byMessage(`hostwatch worker: task queue "${taskQueue}" on ${inject('devServerAddress')} (namespace default), database "${dbName}"`)).toHaveLength(1);
    expect(byMessage(`hostwatch worker: Prometheus metrics on http://127.0.0.1:${metricsPort}/metrics`)).toHaveLength(1);
    expect(byMessage('hostwatch worker: stopped')).toHaveLength(1);
    expect(lines.filter((l) => l.sdkComponent === 'worker' && l.message === 'Worker state changed').map((l) => l.state)).toEqual(
      expect.arrayContaining(['RUNNING', 'STOPPED']),
    );
    expect(lines.filter((l) => l.sdkComponent === 'core').length).toBeGreaterThan(0);

    const sent = byMessage('Notice delivered');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      level: 'info',
      sdkComponent: 'activity',
      activityType: 'deliverNotice',
      taskQueue,
      workflowId,
      workflowType: 'checkHostStatus',
      destination: 'ops@example.com',
      kind: 'mailto',
      offline: 1,
      recovered: 0,
    });
    expect(byMessage('Alert state recorded').filter((l) => l.workflowId === workflowId)).toEqual([
      expect.objectContaining({ activityType: 'recordAlertState', workflowId, hosts: 1, destinations: 1, applied: 1, skipped: 0 }),
    ]);
    expect(byMessage('Check delivered notices').filter((l) => l.workflowId === workflowId)).toEqual([
      expect.objectContaining({
        sdkComponent: 'workflow',
        workflowId,
        workflowType: 'checkHostStatus',
        taskQueue,
        notices: 1,
        recoveries: 0,
        hostsOffline: 1,
        sent: 1,
        accepted: 1,
        hostWrites: 1,
      }),
    ]);

    // The rejected run: the activity's failure is a JSON line carrying the error type, and nothing was recorded.
    const failed = lines.filter((l) => l.message === 'Activity failed' && l.workflowId === failedId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'warn', activityType: 'deliverNotice', error: { type: 'DeliveryRefused', nonRetryable: true } });
    // Nothing was delivered, so nothing was recorded for the destination (the write of the run changes nothing).
    expect(lines.filter((l) => l.workflowId === failedId && l.message === 'Notice delivered')).toEqual([]);
    expect(lines.filter((l) => l.workflowId === failedId && l.message === 'Alert state recorded')).toEqual([
      expect.objectContaining({ destinations: 0, applied: 0, skipped: 1 }),
    ]);
  } finally {
    w.child.kill('SIGKILL');
    catcher.fault = { kind: 'none' };
  }
});

test('text mode (the default) keeps the human-readable start-up and stop lines', async () => {
  const { dbName, uri } = await freshStore();
  const taskQueue = uniqueTaskQueue('obs-text');
  const w = startTsProcess(['src/worker.ts'], {
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    MONGODB_URI: uri,
    MONGODB_DB: dbName,
    SMTP_URL: catcher.url,
    LOG_FORMAT: '',
  });
  try {
    const startLine = `hostwatch worker: task queue "${taskQueue}" on ${inject('devServerAddress')} (namespace default), database "${dbName}"`;
    await untilProcess(w, 'the start-up line', () => w.out().includes(startLine));
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const out = w.out().split('\n').filter((l) => l !== '');
    expect(out).toContain(startLine);
    expect(out.at(-1)).toBe('hostwatch worker: stopped');
    for (const line of out) expect(line.startsWith('{'), line).toBe(false);
    // The SDK's own lines stay in its readable format on stderr: "<date> [INFO] Worker state changed ...".
    expect(w.err()).toMatch(/\[INFO\] Worker state changed/);
  } finally {
    w.child.kill('SIGKILL');
  }
});

test('LOG_FORMAT=json: configuration errors are JSON lines naming the variable, nothing echoed', async () => {
  const w = startTsProcess(['src/worker.ts'], { LOG_FORMAT: 'json', METRICS_ADDRESS: 'localhost:9464', LOG_LEVEL: 'loud', SMTP_URL: 'http://u:hunter2@mail' });
  expect(await w.exited).toBe(2);
  expect(w.out()).toBe('');
  const lines = jsonLines(w.err());
  expect(lines.map((l) => [l.level, l.variable, l.message])).toEqual([
    ['error', 'SMTP_URL', 'hostwatch: SMTP_URL: must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587'],
    ['error', 'LOG_LEVEL', 'hostwatch: LOG_LEVEL: must be one of trace, debug, info, warn, error'],
    ['error', 'METRICS_ADDRESS', 'hostwatch: METRICS_ADDRESS: must be ip:port with an IP address, e.g. 0.0.0.0:9464, 127.0.0.1:9464 or [::1]:9464'],
  ]);
  expect(w.err()).not.toContain('hunter2');
});

test('METRICS_ADDRESS on a port already in use: the worker stops at start-up with one JSON error line saying so', async () => {
  const { createServer } = await import('node:net');
  const port = await freePort();
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  try {
    const w = startTsProcess(['src/worker.ts'], { LOG_FORMAT: 'json', METRICS_ADDRESS: `127.0.0.1:${port}`, MONGODB_URI: inject('mongoUri') });
    expect(await w.exited).toBe(1);
    expect(w.err()).toBe('');
    const lines = jsonLines(w.out());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', message: 'hostwatch worker: failed', error: { message: expect.stringMatching(/prometheus metrics exporter: Address already in use/) } });
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});
