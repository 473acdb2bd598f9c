/**
 * Faults that take minutes or hours, on a time-skipping test server of this file's own (simulated time is
 * global to a server, and another file skips it concurrently), with real activities (FerretDB, a real
 * SMTP server). Each test states the notices ALERTING.md expects and counts what was delivered.
 * The figures are quoted in docs/reliability.md.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startTemporalTestServer, type RunningService } from '../../scripts/lib/services.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { addReportedHost, currentSteps, freshStore, OPS } from '../support/db.js';
import { deliveredNotices, faultOutcome } from '../support/notices.js';
import { hostwatchWorker, runWarm, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const INPUT = { recipients: ['ops@example.com'] };

let server: RunningService;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let hosts: HostStore;
let taskQueue: string;
let seq = 0;

beforeAll(async () => {
  server = await startTemporalTestServer();
  env = await timeSkippingEnv(server.address);
  catcher = await new MailCatcher().start();
});
afterAll(async () => {
  await env?.teardown();
  await catcher?.stop();
  await server?.stop();
});
beforeEach(async () => {
  catcher.messages.length = 0;
  ({ hosts } = await freshStore());
  taskQueue = uniqueTaskQueue('fault');
});

/** A worker process's lifetime: a fresh worker runs `fn`, then stops. */
async function workerUp<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url });
  return runWarm(env, worker, taskQueue, fn);
}

/**
 * One scheduled run; returns its message, or "failed". The run starts with simulated time locked; while it is
 * still going, simulated time moves on in 5-second sleeps, so retry backoff passes as it would in real time.
 * (Awaiting a failing run through the time-skipping client instead lets the server jump years ahead.)
 */
async function scheduledRun(): Promise<string> {
  const handle = await new Client({ connection: env.connection }).workflow.start('checkHostStatus', {
    taskQueue,
    workflowId: `run-${taskQueue}-${++seq}`,
    args: [INPUT],
  });
  const outcome = handle.result().then(
    (s: CheckSummary) => s.message,
    () => 'failed',
  );
  for (;;) {
    const done = await Promise.race([outcome, new Promise<undefined>((r) => setTimeout(r, 200, undefined))]);
    if (done !== undefined) return done;
    await env.sleep(5_000);
  }
}

/** Sleeps (simulated) until `at` epoch ms, if it is still ahead. */
async function sleepUntil(at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

async function stepOf(id: string): Promise<number | undefined> {
  return (await currentSteps(hosts, id))?.[OPS];
}

const SENT_ONE = 'Sent to 1 of 1 destinations: 1 notice, 0 recoveries';

test('SMTP refuses connections for 7 minutes, then returns: each due notice is delivered once, none lost, none doubled', async () => {
  await workerUp(async () => {
    const t0 = await env.currentTimeMs();
    const a = await addReportedHost(hosts, 'host-a', t0); // step 1 due at t0+1, step 10 at t0+10
    const b = await addReportedHost(hosts, 'host-b', t0 - 5 * MIN); // step 1 due now, step 10 at t0+5 (during the outage)

    await catcher.refuseConnections();
    let smtpDown = true;
    const runs: Array<[minute: number, outcome: string]> = [];
    // Like the schedule: one run a minute, never overlapping (a failing run takes up to 2 minutes of retries).
    for (let minute = 1; minute <= 14; ) {
      await sleepUntil(t0 + minute * MIN);
      if (minute >= 8 && smtpDown) {
        await catcher.acceptConnections();
        smtpDown = false;
      }
      runs.push([minute, await scheduledRun()]);
      minute = Math.max(minute + 1, Math.ceil(((await env.currentTimeMs()) - t0) / MIN));
    }

    const failed = runs.filter(([, o]) => o === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(3); // the outage really cost runs
    expect(failed.every(([m]) => m < 8)).toBe(true);
    // Rule 2: host-b's step 1 fell due and was superseded by step 10 during the outage; rule 3: nothing was lost.
    const outcome = faultOutcome(`SMTP refuses connections 7 min (${failed.length} runs failed)`, ['host-b@10', 'host-a@1', 'host-a@10'], catcher.messages);
    expect(outcome.delivered).toEqual(outcome.expected);
    expect(outcome).toMatchObject({ lost: [], doubled: [] });
    expect(catcher.messages).toHaveLength(2);
    expect(await stepOf(a)).toBe(10);
    expect(await stepOf(b)).toBe(10);
  });
}, 180_000);

test('the whole system is down for three hours while a host is offline: the first run afterwards sends one notice, at step 60', async () => {
  const t0 = await env.currentTimeMs();
  const id = await addReportedHost(hosts, 'host-c', t0);

  // Before the outage: the step-1 notice.
  await workerUp(async () => {
    await sleepUntil(t0 + MIN);
    expect(await scheduledRun()).toBe(SENT_ONE);
  });
  expect(deliveredNotices(catcher.messages)).toEqual(['host-c@1']);

  // Worker, schedule and mail server all down for three hours: nothing runs.
  await catcher.refuseConnections();
  await sleepUntil(t0 + MIN + 3 * 60 * MIN);
  await catcher.acceptConnections();

  await workerUp(async () => {
    expect(await scheduledRun()).toBe(SENT_ONE); // offline 181 minutes
    expect(await scheduledRun()).toBe('No alarm'); // the next run: nothing new until step 240
    await sleepUntil(t0 + 240 * MIN);
    expect(await scheduledRun()).toBe(SENT_ONE);
  });
  // Rules 1 and 2: steps 10 and 60 fell due during the outage; one catch-up notice for step 60, then step 240.
  const outcome = faultOutcome('whole system down 3 h', ['host-c@1', 'host-c@60', 'host-c@240'], catcher.messages);
  expect(outcome.delivered).toEqual(outcome.expected);
  expect(outcome).toMatchObject({ lost: [], doubled: [] });
  expect(catcher.messages).toHaveLength(3);
  expect(await stepOf(id)).toBe(240);
}, 180_000);

test('a run that fails every attempt leaves state untouched, and the next run after the mail server returns sends it', async () => {
  await workerUp(async () => {
    const t0 = await env.currentTimeMs();
    const id = await addReportedHost(hosts, 'host-d', t0 - 2 * MIN);
    await catcher.refuseConnections();
    expect(await scheduledRun()).toBe('failed');
    expect(await stepOf(id)).toBeUndefined();
    expect(catcher.messages).toHaveLength(0);
    await catcher.acceptConnections();
    expect(await scheduledRun()).toBe(SENT_ONE);
    expect(deliveredNotices(catcher.messages)).toEqual(['host-d@1']);
    expect(await stepOf(id)).toBe(1);
  });
}, 120_000);

test('rule 9: agents reporting every 30 s, 1 min and 5 min for 3 simulated hours get no notice; one that stops is notified at steps 1, 10 and 60', async () => {
  await workerUp(async () => {
    const t0 = await env.currentTimeMs();
    // Each agent states its interval in every report, as src/agent/agent.ts does.
    const agents = [
      { name: 'every-30s', every: 30_000 },
      { name: 'every-1m', every: 60_000 },
      { name: 'every-5m', every: 5 * MIN },
      { name: 'stops', every: 60_000, until: t0 + 100 * MIN },
    ];
    const ids = new Map<string, string>();
    for (const a of agents) {
      const { id } = await hosts.add(a.name);
      await hosts.recordReport(id, { hostname: a.name, interval: a.every / 1000 }, new Date(t0));
      ids.set(a.name, id);
    }
    const next = new Map(agents.map((a) => [a.name, t0 + a.every]));
    const messages: string[] = [];
    for (let minute = 1; minute <= 180; minute++) {
      const checkAt = t0 + minute * MIN + 1_000;
      // Every report due before this check, each stored at its own (simulated) time.
      for (const a of agents) {
        for (let at = next.get(a.name)!; at < checkAt && at <= (a.until ?? Infinity); at += a.every) {
          await sleepUntil(at);
          await hosts.recordReport(ids.get(a.name)!, { hostname: a.name, interval: a.every / 1000 }, new Date(at));
          next.set(a.name, at + a.every);
        }
      }
      await sleepUntil(checkAt);
      messages.push(await scheduledRun());
    }
    const outcome = faultOutcome('agents at 30 s, 1 min, 5 min for 3 h; one stops at minute 100', ['stops@1', 'stops@10', 'stops@60'], catcher.messages);
    expect(outcome.delivered).toEqual(outcome.expected);
    expect(outcome).toMatchObject({ lost: [], doubled: [] });
    expect(messages.filter((m) => m !== 'No alarm')).toEqual([SENT_ONE, SENT_ONE, SENT_ONE]);
    // The first notice waited out the interval plus the 60 s grace: silent over 2 minutes, so "offline 2 minutes".
    expect(catcher.messages[0]!.text).toMatch(/OFFLINE {2}stops: offline 2 minutes/);
    for (const name of ['every-30s', 'every-1m', 'every-5m']) expect(await currentSteps(hosts, ids.get(name)!), name).toBeUndefined();
  });
}, 300_000);
