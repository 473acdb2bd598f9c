/**
 * Grace per host and per tag (issue 14 point 4, ALERTING.md rule 9) over 3 simulated hours on a time-skipping test
 * server of this file's own, with real activities, FerretDB and a loopback webhook receiver: one check a minute
 * (steps 1, 10, 60; the check's grace 60 s). Hosts reporting every few minutes with gaps shorter than their grace
 * get no notice; a host without one and the same gap does; real outages are notified at the steps counted from the
 * last report (rule 9), a step passed while within grace caught up in one notice (rule 2).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { createActivities } from '../../src/activities/index.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { setHostGrace, setTagGrace } from '../../src/ops/grace.js';
import type { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { Loopback } from '../channels/support.js';
import { ownTimeSkippingEnv, type OwnEnv } from '../support/workflows/own-env.js';
import { runWarm, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

const WORKFLOWS = fileURLToPath(new URL('../support/workflows/grace-driver.ts', import.meta.url));
const MIN = 60_000;
const HOURS = 3;

let own: OwnEnv;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let channels: ChannelStore;

beforeAll(async () => {
  own = await ownTimeSkippingEnv();
  ({ env, catcher, receiver, hosts, channels } = own);
});
afterAll(async () => own?.stop());

/** Every `every` minutes from 0 to 180, except inside the gaps `[from, to)` (the host reports again at `to`). */
function reportMinutes(every: number, gaps: [number, number][] = [], until = HOURS * 60): Set<number> {
  const out = new Set<number>();
  for (let m = 0; m <= until; m += every) if (!gaps.some(([from, to]) => m > from && m < to)) out.add(m);
  for (const [, to] of gaps) if (to <= until) out.add(to);
  return out;
}

interface Plan {
  tags?: string[];
  /** The host's own grace, seconds. */
  grace?: number;
  /** The interval its reports state, seconds; absent: not stated (counted as 0 under a grace). */
  interval?: number;
  minutes: Set<number>;
}

const PLANS: Record<string, Plan> = {
  // Own grace 15 min over a 2-minute interval (offline after 17 min): three 12-minute gaps, no notice.
  'flaky-own': { grace: 900, interval: 120, minutes: reportMinutes(2, [[30, 42], [90, 102], [150, 162]]) },
  // Tags flaky (20 min) and prod (5 min): the larger applies; no interval stated; 18-minute gaps, no notice.
  'flaky-tag': { tags: ['flaky', 'prod'], minutes: reportMinutes(3, [[21, 39], [99, 117]]) },
  // The same 12-minute gap with no grace of its own (the check's 60 s over 150 s): step 1 at 4 min, step 10, back.
  'gappy-plain': { interval: 150, minutes: reportMinutes(2, [[30, 42]]) },
  // Tag grace 20 min over a 150 s interval (offline after 22.5 min), silent from minute 60: step 10 at 23 min
  // (step 1 caught up in it, rule 2), step 60 at 60 min, both counted from the last report.
  'tag-outage': { tags: ['flaky'], interval: 150, minutes: reportMinutes(3, [], 60) },
  // Own grace 4.5 min beats its tag's 20 min; no interval; silent from minute 30: steps 1, 10 and 60 on time.
  'own-outage': { tags: ['flaky'], grace: 270, minutes: reportMinutes(3, [], 30) },
};

test(`per-host and per-tag graces over ${HOURS} simulated hours: no false notice inside a grace, real outages at the right steps`, async () => {
  await channels.add('hook', `webhook+${receiver.base}/hook`);
  const ids = new Map<string, string>();
  const stores = { hosts, tagSettings: hosts.tagSettings };
  for (const [name, plan] of Object.entries(PLANS)) {
    ids.set(name, (await hosts.add(name, { tags: plan.tags ?? [] })).id);
    if (plan.grace !== undefined) await setHostGrace(stores, { name, grace: plan.grace });
  }
  await setTagGrace(stores, { tag: 'flaky', grace: 1200 });
  await setTagGrace(stores, { tag: 'prod', grace: 300 });

  const activities = {
    ...createActivities({ hosts, channels, rules: new RuleStore(hosts.collection.db), mailer: createSmtpMailer(catcher.url), from: 'hostwatch <alerts@hostwatch.test>', defaultTimezone: 'UTC' }),
    simulateReports: async (minute: number, at: number) => {
      for (const [name, plan] of Object.entries(PLANS)) {
        if (plan.minutes.has(minute)) await hosts.recordReport(ids.get(name)!, { hostname: name, ...(plan.interval !== undefined && { interval: plan.interval }) }, new Date(at));
      }
    },
  };
  const taskQueue = uniqueTaskQueue('grace');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(WORKFLOWS), activities });
  const input = { channels: ['hook'], steps: [1, 10, 60] };
  const notable = (await runWarm(env, worker, taskQueue, () =>
    env.client.workflow.execute('graceDriver', { taskQueue, workflowId: `grace-${taskQueue}`, args: [{ input, minutes: HOURS * 60 }] }),
  )) as { minute: number; message: string }[];

  // Every line any destination got: host, what, and (offline) the step and the whole minutes since the last report.
  type Line = { kind: string; host: string; step?: number; offlineMs?: number };
  const lines = receiver.requests.flatMap((r) => (r.json.lines as Line[]).map((l) => (l.kind === 'offline' ? `${l.host} step ${l.step} at ${Math.floor(l.offlineMs! / MIN)} min` : `${l.host} ${l.kind}`)));
  expect(lines).toEqual([
    'gappy-plain step 1 at 4 min',
    'own-outage step 1 at 5 min',
    'gappy-plain step 10 at 10 min',
    'own-outage step 10 at 10 min',
    'gappy-plain recovered',
    'tag-outage step 10 at 23 min',
    'own-outage step 60 at 60 min',
    'tag-outage step 60 at 60 min',
  ]);
  // The minutes the checks sent them: each step as soon as it was due, counted from the last report.
  expect(notable.map((n) => n.minute)).toEqual([34, 35, 40, 42, 83, 90, 120]);
  expect(catcher.messages).toHaveLength(0);
}, 300_000);
