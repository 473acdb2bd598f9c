/**
 * Faults in real time on the Temporal dev server: the database restarting mid-run, a worker process killed
 * mid-run, two workers on one task queue, schedule triggers during a run. Real FerretDB, real SMTP.
 * Each test counts delivered notices against what ALERTING.md expects; docs/reliability.md quotes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, inject, test } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ObjectId } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startFerretDb, stopChild } from '../../scripts/lib/services.js';
import { createSchedule, triggerSchedule } from '../../src/cli/schedules.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { connectMongo } from '../../src/store/mongo.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { startTsProcess, temporalCli, untilProcess, type LongRunning } from '../support/cli.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import { loopback } from '../channels/support.js';
import { addReportedHost, currentSteps, freshStore, OPS } from '../support/db.js';
import { faultOutcome } from '../support/notices.js';
import { devServerEnv, hostwatchWorker, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const INPUT = { recipients: ['ops@example.com'] };

let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let taskQueue: string;

beforeAll(async () => {
  env = await devServerEnv();
  catcher = await new MailCatcher().start();
});
afterAll(async () => {
  await catcher?.stop();
  await env?.teardown();
});
beforeEach(() => {
  catcher.messages.length = 0;
  catcher.onAccept = undefined;
  taskQueue = uniqueTaskQueue('fault');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startCheck(id = `check-${taskQueue}`, input: unknown = INPUT): Promise<WorkflowHandle> {
  return env.client.workflow.start('checkHostStatus', { taskQueue, workflowId: id, args: [input] });
}

/** True once an activity of this type is pending on its second attempt or later (one attempt failed). */
async function retrying(handle: WorkflowHandle, activityType: string): Promise<boolean> {
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? []).some((a) => a.activityType?.name === activityType && (a.attempt ?? 0) >= 2);
}

/** Highest attempt number each activity type of a run reached, from its history. */
async function attemptsByActivity(handle: WorkflowHandle): Promise<Record<string, number>> {
  const history = await handle.fetchHistory();
  const typeOf = new Map<string, string>();
  const attempts: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeOf.get(String(started.scheduledEventId))!;
      attempts[type] = Math.max(attempts[type] ?? 0, started.attempt ?? 1);
    }
  }
  return attempts;
}

test.each([
  ['before the rules and hosts are loaded', 'loadRules'],
  ['after the mail server accepted the digest, before state is written', 'recordAlertState'],
])('the database stops for at least 8 s %s: the run completes through retries, one digest, state correct', async (when, activity) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hostwatch-fault-db-'));
  let db = await startFerretDb({ dataDir });
  const port = db.port;
  const mongo = await connectMongo(db.uri, 'faults');
  try {
    const hosts = new HostStore(mongo.db);
    await hosts.ensureIndexes();
    const now = Date.now();
    const ids = [await addReportedHost(hosts, 'db-a', now - 3 * MIN), await addReportedHost(hosts, 'db-b', now - 70 * MIN)];

    // The database comes back once the activity has failed at least once, and not before 8 s (so the fault is
    // certain to hit, however slowly a loaded machine runs).
    let handle: WorkflowHandle | undefined;
    let restarted: Promise<void> | undefined;
    const restartWhenRetried = async (down: number) => {
      while (!handle || !(await retrying(handle, activity))) await sleep(250);
      await sleep(Math.max(0, 8_000 - (Date.now() - down)));
      db = await startFerretDb({ port, dataDir });
    };
    if (activity === 'recordAlertState')
      catcher.onAccept = async () => {
        catcher.onAccept = undefined;
        await db.stop(); // down before the worker hears 250, so the state write meets it
        restarted = restartWhenRetried(Date.now());
      };

    const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url });
    await worker.runUntil(async () => {
      if (activity === 'loadRules') {
        await db.stop();
        restarted = restartWhenRetried(Date.now());
      }
      handle = await startCheck();
      await handle.result();
    });
    await restarted;
    const summary: CheckSummary = await handle!.result();
    expect(summary).toMatchObject({ notices: 2, message: 'Sent to 1 of 1 destinations: 2 notices, 0 recoveries' });
    expect((await attemptsByActivity(handle!))[activity]).toBeGreaterThanOrEqual(2); // the fault really hit
    const outcome = faultOutcome(`database stopped ${when}`, ['db-b@60', 'db-a@1'], catcher.messages);
    expect(outcome.delivered).toEqual(outcome.expected);
    expect(outcome).toMatchObject({ lost: [], doubled: [] });
    expect(await Promise.all(ids.map((id) => currentSteps(hosts, id)))).toEqual([{ [OPS]: 1 }, { [OPS]: 60 }]);
  } finally {
    await mongo.close();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

/** Environment for a `src/worker.ts` process on this file's task queue, database and mail server. */
function workerEnvFor(dbName: string, uri: string): Record<string, string> {
  return { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue, MONGODB_URI: uri, MONGODB_DB: dbName, SMTP_URL: catcher.url };
}

test('the worker process is killed (SIGKILL) after the mail server accepted the digest: after a restart the run completes; the only repeat is the stated window, with the same Message-ID', async () => {
  const { hosts, dbName, uri } = await freshStore();
  const now = Date.now();
  const id = await addReportedHost(hosts, 'kill-a', now - 11 * MIN);
  const workerEnv = workerEnvFor(dbName, uri);
  const first = startTsProcess(['src/worker.ts'], workerEnv);
  let second: LongRunning | undefined;
  try {
    await untilProcess(first, 'the start-up line', () => first.out().includes('hostwatch worker: task queue'));
    catcher.onAccept = () => {
      catcher.onAccept = undefined;
      first.child.kill('SIGKILL'); // the message is stored; the worker never hears 250
    };
    const handle = await startCheck();
    await catcher.waitFor(1, 60_000);
    expect(await first.exited).toBeNull(); // killed by a signal
    second = startTsProcess(['src/worker.ts'], workerEnv);
    // The killed attempt is retried once its 45 s start-to-close timeout expires.
    const summary: CheckSummary = await handle.result();
    expect(summary).toMatchObject({ notices: 1, message: 'Sent to 1 of 1 destinations: 1 notice, 0 recoveries' });
    expect((await attemptsByActivity(handle)).deliverNotice).toBe(2);

    const outcome = faultOutcome('worker SIGKILL after the digest was accepted, restarted', ['kill-a@10'], catcher.messages);
    expect(outcome.lost).toEqual([]);
    // ALERTING.md "Delivery guarantee": the one duplicate window; both copies carry the run's Message-ID.
    expect(outcome.doubled).toEqual(['kill-a@10']);
    const [messageId] = catcher.messages.map((m) => m.messageId);
    expect(messageId).toMatch(/^<hostwatch\..*\.d0@/);
    expect(catcher.messages.map((m) => m.messageId)).toEqual([messageId, messageId]);
    expect(await currentSteps(hosts, id)).toEqual({ [OPS]: 10 });
  } finally {
    first.child.kill('SIGKILL');
    if (second) await stopChild(second.child);
  }
}, 150_000);

test('the worker process is killed (SIGKILL) after a webhook accepted the notice: the one repeat carries the same Idempotency-Key, and the mail destination gets its notice once', async () => {
  const { hosts, dbName, uri } = await freshStore();
  const id = await addReportedHost(hosts, 'kill-b', Date.now() - 11 * MIN);
  let worker = startTsProcess(['src/worker.ts'], workerEnvFor(dbName, uri));
  let killed = false;
  // The receiver stores the notice, then (once the mail destination has its message, so only the webhook is in
  // the window) the worker dies before it hears the 200.
  const receiver = await loopback(async () => {
    if (!killed) {
      await catcher.waitFor(1, 30_000);
      await sleep(300); // the mail server's 250 reaches the worker
      killed = true;
      worker.child.kill('SIGKILL');
      await sleep(500);
    }
    return { status: 200, body: { ok: true } };
  });
  await new ChannelStore(hosts.collection.db).add('team', `webhook+${receiver.base}/hook?secret=kill-test-secret`);
  let second: LongRunning | undefined;
  try {
    await untilProcess(worker, 'the start-up line', () => worker.out().includes('hostwatch worker: task queue'));
    const handle = await startCheck(`check-${taskQueue}-hook`, { recipients: ['ops@example.com'], channels: ['team'] });
    while (!killed) await sleep(100);
    expect(await worker.exited).toBeNull(); // killed by a signal
    second = startTsProcess(['src/worker.ts'], workerEnvFor(dbName, uri));
    worker = second;
    // The killed webhook attempt is retried once its 45 s start-to-close timeout expires.
    const summary: CheckSummary = await handle.result();
    expect(summary).toMatchObject({ notices: 1, sent: 2, accepted: 2 });
    const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
    console.log(`reliability | worker SIGKILL after a webhook accepted, restarted | team | 1 | ${keys.length} | 0 | ${keys.length - 1}`);
    // ALERTING.md "Delivery guarantee": the one duplicate window; both requests carry the same key and body.
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^check-.*-hook\..+\.d1$/);
    expect(keys[1]).toBe(keys[0]);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect(catcher.messages.filter((m) => m.envelopeTo[0] === 'ops@example.com')).toHaveLength(1);
    expect(await currentSteps(hosts, id)).toEqual({ [OPS]: 10, team: 10 });
  } finally {
    worker.child.kill('SIGKILL');
    if (second) await stopChild(second.child);
    await receiver.close();
  }
}, 150_000);

test('two worker processes on the same task queue: one digest per run', async () => {
  const { hosts, dbName, uri } = await freshStore();
  const workerEnv = workerEnvFor(dbName, uri);
  const workers = [startTsProcess(['src/worker.ts'], workerEnv), startTsProcess(['src/worker.ts'], workerEnv)];
  try {
    await Promise.all(workers.map((w) => untilProcess(w, 'the start-up line', () => w.out().includes('hostwatch worker: task queue'))));
    const runs = 6;
    const summaries: CheckSummary[] = [];
    const ran = new Set<string>();
    for (let i = 1; i <= runs; i++) {
      await addReportedHost(hosts, `pair-${i}`, Date.now() - 2 * MIN); // a new host due its first notice
      const handle = await startCheck(`check-${taskQueue}-${i}`);
      summaries.push(await handle.result());
      for (const e of (await handle.fetchHistory()).events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity ?? e.workflowTaskStartedEventAttributes?.identity;
        if (identity) ran.add(identity);
      }
    }
    const expected = Array.from({ length: runs }, (_, i) => `pair-${i + 1}@1`);
    const outcome = faultOutcome(`two worker processes on one task queue, ${runs} runs (tasks taken by ${ran.size} of them)`, expected, catcher.messages);
    expect(outcome.delivered).toEqual(expected);
    expect(outcome).toMatchObject({ lost: [], doubled: [] });
    expect(summaries.map((s) => s.accepted)).toEqual(Array(runs).fill(1));
    expect(new Set(catcher.messages.map((m) => m.messageId)).size).toBe(runs);
  } finally {
    await Promise.all(workers.map((w) => stopChild(w.child)));
  }
}, 120_000);

test('schedule triggers while a run is in progress (its own interval, hostwatch schedule trigger, temporal schedule trigger) never overlap it', async () => {
  const { hosts } = await freshStore();
  await addReportedHost(hosts, 'slow-a', Date.now() - 12 * MIN);
  const id = `overlap-${taskQueue}`;
  const address = ['--address', inject('devServerAddress'), '--namespace', 'default'];
  const schedule = env.client.schedule.getHandle(id);
  let triggered = false;
  catcher.onAccept = async () => {
    catcher.onAccept = undefined;
    // The run is now in sendDigest. Trigger it twice by hand and let its 2-second interval fire a few times.
    await triggerSchedule(env.client, id);
    expect((await temporalCli(['schedule', 'trigger', ...address, '--schedule-id', id])).code).toBe(0);
    triggered = true;
    await sleep(7_000);
  };

  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url });
  await worker.runUntil(async () => {
    await createSchedule(env.client, id, { input: INPUT, everyMs: 2_000, taskQueue });
    await catcher.waitFor(1, 30_000);
    while (!triggered || (await schedule.describe()).info.runningActions.length > 0) await sleep(250);
    await sleep(3_000); // a couple more (quiet) runs after the slow one
    await schedule.pause('test over');
    while ((await schedule.describe()).info.runningActions.length > 0) await sleep(250);
  });

  const info = (await schedule.describe()).info;
  await schedule.delete();
  const runs = await Promise.all(
    info.recentActions.map(async (a) => {
      const d = await env.client.workflow.getHandle(a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : '').describe();
      return { start: d.startTime.getTime(), close: d.closeTime!.getTime() };
    }),
  );
  runs.sort((a, b) => a.start - b.start);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.close);
  expect(runs[0]!.close - runs[0]!.start).toBeGreaterThanOrEqual(7_000); // the slow run
  // The two manual triggers and at least two interval firings during the slow run were skipped.
  expect(info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(4);
  const outcome = faultOutcome(
    `schedule triggered during a run (${info.numActionsSkippedOverlap} starts skipped, ${runs.length} runs)`,
    ['slow-a@10'],
    catcher.messages,
  );
  expect(outcome.delivered).toEqual(['slow-a@10']);
  expect(outcome).toMatchObject({ lost: [], doubled: [] });
}, 120_000);
