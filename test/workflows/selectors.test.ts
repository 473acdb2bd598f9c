/**
 * Host selectors (issue 14 point 1): two schedules' worth of check runs, one for the `prod` hosts and one for the
 * `lab` hosts, each with its own channel and steps, on a time-skipping test server of this file's own with real
 * activities, FerretDB and loopback webhook receivers. Each destination gets only its schedule's hosts, each step
 * once; no digest names a host twice; an untagged host (and one with another tag) is in neither.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import type { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { Loopback, Recorded } from '../channels/support.js';
import { hostwatchCli } from '../support/cli.js';
import { currentSteps } from '../support/db.js';
import { ownTimeSkippingEnv, type OwnEnv } from '../support/workflows/own-env.js';
import { hostwatchWorker, runWarm, uniqueTaskQueue } from '../support/temporal.js';

/** The check workflows plus a driver starting one check per input every interval (several schedules at once). */
const WORKFLOWS = fileURLToPath(new URL('../support/workflows/two-schedules.ts', import.meta.url));

const MIN = 60_000;

let own: OwnEnv;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let channels: ChannelStore;
const accepted = new Map<string, Recorded[]>();

beforeAll(async () => {
  own = await ownTimeSkippingEnv(async (r) => {
    accepted.set(r.path, [...(accepted.get(r.path) ?? []), r]);
    return { status: 200, body: { ok: true } };
  });
  ({ env, catcher, receiver, hosts, channels } = own);
});
afterAll(async () => own?.stop());

type Line = { kind: string; host: string; step?: number };
const linesOf = (r: Recorded) => r.json.lines as Line[];
let snapshotBefore: { prod: string[]; lab: string[]; requests: Recorded[] };
let stepsBefore: Record<string, Record<string, number> | undefined>;

/** Notices a webhook path accepted, as "host@step", sorted. */
function notices(path: string): string[] {
  return (accepted.get(path) ?? []).flatMap((r) => linesOf(r).map((l) => `${l.host}@${l.kind === 'offline' ? l.step : l.kind}`)).sort();
}

test('two schedules selecting prod and lab hosts by tag: each channel gets only its hosts, each step once, the untagged host none', async () => {
  await channels.add('prod-chat', `webhook+${receiver.base}/prod`);
  await channels.add('lab-chat', `webhook+${receiver.base}/lab`);
  const t0 = await env.currentTimeMs();
  const reported = async (name: string, tags: string[]) => {
    const { id } = await hosts.add(name, { tags });
    await hosts.recordReport(id, { hostname: name }, new Date(t0));
    return id;
  };
  // Hosts are read by _id order: a prod host after the lab ones, so the slices of the prod schedule (one host a
  // page, one page a slice) skip lab hosts between prod ones.
  const ids = {
    prod1: await reported('prod-1', ['prod', 'eu']),
    lab1: await reported('lab-1', ['lab']),
    bare: await reported('bare-1', []),
    other: await reported('other-1', ['staging']),
    both: await reported('shared-1', ['prod', 'lab']),
    prod2: await reported('prod-2', ['Prod']),
  };

  const prod = { channels: ['prod-chat'], steps: [1, 10], hosts: { tags: ['prod'] }, paging: { pageSize: 1, slicePages: 1 } };
  const lab = { channels: ['lab-chat'], steps: [5], hosts: { tags: ['lab'] } };
  const taskQueue = uniqueTaskQueue('selectors');
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, channels, smtpUrl: catcher.url, workflowsPath: WORKFLOWS });
  type Run = { run: number; message: string; slices: number };
  const drive = (phase: string, runs: number) =>
    env.client.workflow.execute('everyIntervalEach', { taskQueue, workflowId: `driver-${phase}-${taskQueue}`, args: [{ inputs: [prod, lab], runs, everyMs: MIN }] }) as Promise<Run[][]>;
  // One worker for both phases: only its first workflow task pays for loading the bundle (runWarm).
  const { first, second } = await runWarm(env, worker, taskQueue, async () => {
    const first = await drive('a', 12);
    snapshotBefore = { prod: notices('/prod'), lab: notices('/lab'), requests: [...(accepted.get('/prod') ?? []), ...(accepted.get('/lab') ?? [])] };
    stepsBefore = {
      prod1: await currentSteps(hosts, ids.prod1),
      prod2: await currentSteps(hosts, ids.prod2),
      lab1: await currentSteps(hosts, ids.lab1),
      both: await currentSteps(hosts, ids.both),
      bare: await currentSteps(hosts, ids.bare),
      other: await currentSteps(hosts, ids.other),
    };
    // The host in both schedules comes back (now stating a 10-minute interval, so the two runs after it see it
    // online): each schedule tells its own destination once (rule 4), and neither's write erases what the other
    // still has to say.
    await hosts.recordReport(ids.both, { hostname: 'shared-1', interval: 600 }, new Date(await env.currentTimeMs()));
    accepted.clear();
    const second = await drive('b', 2);
    return { first, second };
  });
  const [prodRuns = [], labRuns = []] = first;

  expect(snapshotBefore.prod).toEqual(['prod-1@1', 'prod-1@10', 'prod-2@1', 'prod-2@10', 'shared-1@1', 'shared-1@10']);
  expect(snapshotBefore.lab).toEqual(['lab-1@5', 'shared-1@5']);
  // One digest per run and destination (two for prod, one for lab), none naming a host twice.
  expect(snapshotBefore.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/prod', '/prod', '/lab']));
  expect(snapshotBefore.requests).toHaveLength(3);
  for (const r of snapshotBefore.requests) {
    const named = linesOf(r).map((l) => l.host);
    expect(new Set(named).size).toBe(named.length);
  }
  expect(catcher.messages).toHaveLength(0);
  // The prod schedule read its three hosts a page at a time: its child slices carried the selector too.
  expect(prodRuns.map((r) => r.message)).toEqual(['Sent to 1 of 1 destinations: 3 notices, 0 recoveries', 'Sent to 1 of 1 destinations: 3 notices, 0 recoveries']);
  expect(prodRuns.every((r) => r.slices === 2)).toBe(true);
  expect(labRuns.map((r) => [r.run, r.message])).toEqual([[5, 'Sent to 1 of 1 destinations: 2 notices, 0 recoveries']]);

  // State per destination: each host holds only what its schedules' channels were told.
  expect(stepsBefore).toEqual({
    prod1: { 'prod-chat': 10 },
    prod2: { 'prod-chat': 10 },
    lab1: { 'lab-chat': 5 },
    both: { 'prod-chat': 10, 'lab-chat': 5 },
    bare: undefined,
    other: undefined,
  });

  expect(second.map((runs) => runs.map((r) => r.run))).toEqual([[1], [1]]);
  expect(notices('/prod')).toEqual(['shared-1@recovered']);
  expect(notices('/lab')).toEqual(['shared-1@recovered']);
  const doc = await hosts.collection.findOne({ name: 'shared-1' });
  expect(doc?.alerts).toBeUndefined();
}, 300_000);

test('schedule create|update --tag on the dev server: several schedules by --id, each with its own hosts; bad tags refused naming --tag', async () => {
  const cliEnv = { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: uniqueTaskQueue('sel') };
  const sched = (...args: string[]) => hostwatchCli(['schedule', ...args], cliEnv);
  const suffix = uniqueTaskQueue('s');
  const prodId = `check-prod-${suffix}`;
  const labId = `check-lab-${suffix}`;
  try {
    const prod = await sched('create', '--id', prodId, '--tag', 'Prod', '--tag', 'eu', '--channels', 'oncall', '--steps', '1,10', '--paused', '--no-housekeeping');
    expect(prod.stderr).toBe('');
    expect(prod.stdout).toContain(`created schedule "${prodId}"`);
    const lab = await sched('create', '--id', labId, '--tag', 'lab', '--recipients', 'lab@example.com', '--steps', '1440', '--ignore-hours', '0,1,2', '--paused', '--no-housekeeping');
    expect(lab.code).toBe(0);
    const inputOf = async (id: string) => JSON.parse(/^input: +(.*)$/m.exec((await sched('describe', '--id', id)).stdout)![1]!) as Record<string, unknown>;
    expect(await inputOf(prodId)).toEqual({ channels: ['oncall'], steps: [1, 10], hosts: { tags: ['eu', 'prod'] } });
    expect(await inputOf(labId)).toEqual({ recipients: ['lab@example.com'], steps: [1440], ignoreHours: [0, 1, 2], hosts: { tags: ['lab'] } });

    const bad = await sched('update', '--id', labId, '--tag', 'a b');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hostwatch: --tag: invalid check input: hosts\.tags\[0\] is not a valid tag .*: "a b"\n$/);
    const both = await sched('update', '--id', labId, '--tag', 'x', '--all-hosts');
    expect(both.stderr).toBe('hostwatch: --tag and --all-hosts: give one of them, not both\n');
    expect(await inputOf(labId)).toMatchObject({ hosts: { tags: ['lab'] } });

    expect((await sched('update', '--id', labId, '--tag', 'lab', '--tag', 'staging')).code).toBe(0);
    expect(await inputOf(labId)).toMatchObject({ hosts: { tags: ['lab', 'staging'] } });
    expect((await sched('update', '--id', prodId, '--all-hosts')).code).toBe(0);
    expect(await inputOf(prodId)).toEqual({ channels: ['oncall'], steps: [1, 10] });
  } finally {
    await sched('delete', '--id', prodId);
    await sched('delete', '--id', labId);
  }
}, 180_000);
