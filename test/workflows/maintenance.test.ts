/**
 * Maintenance windows in the check (issue 14 point 2, ALERTING.md rule 6) on a time-skipping test server of this
 * file's own, with real activities, FerretDB and a loopback webhook channel. A one-off window holds two hosts that go
 * silent inside it: the one still silent when it ends gets one notice at the first run after, for the highest due
 * step (rule 2: step 10, never step 1); the one back before it ends produces nothing; a host outside the window is
 * notified as usual meanwhile.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { createActivities } from '../../src/activities/index.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { normalizeWindow } from '../../src/maintenance/windows.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import type { Loopback, Recorded } from '../channels/support.js';
import { currentSteps } from '../support/db.js';
import { ownTimeSkippingEnv, type OwnEnv } from '../support/workflows/own-env.js';
import { runWarm, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

/** The check workflows plus a driver that also has one host report before each run from a given one on. */
const WORKFLOWS = fileURLToPath(new URL('../support/workflows/maintenance-driver.ts', import.meta.url));

const MIN = 60_000;

let own: OwnEnv;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let channels: ChannelStore;
const received: Recorded[] = [];

beforeAll(async () => {
  own = await ownTimeSkippingEnv(async (r) => {
    received.push(r);
    return { status: 200, body: { ok: true } };
  });
  ({ env, catcher, receiver, hosts, channels } = own);
});
afterAll(async () => own?.stop());

type Line = { kind: string; host: string; step?: number };
type Run = CheckSummary & { run: number };

test('a window holds hosts that go offline in it; the first run after it notifies the still-offline host at the highest due step; one back before it ends gets nothing', async () => {
  await channels.add('team', `webhook+${receiver.base}/team`);
  const taskQueue = uniqueTaskQueue('maint');
  const activities = {
    ...createActivities({ hosts, channels, rules: new RuleStore(hosts.collection.db), mailer: createSmtpMailer(catcher.url), from: 'hostwatch <alerts@hostwatch.test>', defaultTimezone: 'UTC' }),
    testReport: async (a: { hostId: string; data: Record<string, unknown>; at: number }) => void (await hosts.recordReport(a.hostId, a.data, new Date(a.at))),
  };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(WORKFLOWS), activities });
  await runWarm(env, worker, taskQueue, async () => {
    const t0 = await env.currentTimeMs();
    const reported = async (name: string, tags: string[] = []) => {
      const { id } = await hosts.add(name, { tags });
      await hosts.recordReport(id, { hostname: name }, new Date(t0 - 30_000));
      return id;
    };
    // All three fall silent 30 s before t0; the window (from a minute before t0 for 30 minutes) covers held-1 by
    // name and back-1 by tag.
    const held = await reported('held-1');
    const back = await reported('back-1', ['db']);
    const free = await reported('free-1', ['web']);
    const window = normalizeWindow({ name: 'db-upgrade', hosts: ['held-1'], tags: ['db'], timezone: 'Europe/Berlin', kind: 'once', from: t0 - MIN, to: t0 + 30 * MIN }, hosts.maintenance.newIds(t0), t0);
    await hosts.maintenance.add(window);

    // Runs at about t0 + 5, 10, ... 35 min; back-1 reports again before run 5 (t0 + 25 min, inside the window) and
    // keeps reporting, saying it reports every 5 minutes (rule 9).
    const runs: Run[] = await env.client.workflow.execute('everyIntervalReporting', {
      taskQueue,
      workflowId: `driver-${taskQueue}`,
      args: [{ input: { channels: ['team'], steps: [1, 10, 60] }, runs: 7, everyMs: 5 * MIN, reporter: { hostId: back, fromRun: 5, data: { hostname: 'back-1', interval: 300 } } }],
    });

    const lines = received.map((r) => ({ at: Date.parse(r.json.checkTime as string), lines: r.json.lines as Line[] }));
    const of = (host: string) => lines.flatMap((n) => n.lines.filter((l) => l.host === host).map((l) => ({ at: n.at, kind: l.kind, step: l.step })));
    // Outside the window: notified as usual, step 1 then step 10.
    expect(of('free-1').map((l) => l.step)).toEqual([1, 10]);
    // Inside it: nothing while it lasts; the first run after it sends step 10 only (catch-up, rule 2).
    const heldLines = of('held-1');
    expect(heldLines).toEqual([{ at: expect.any(Number), kind: 'offline', step: 10 }]);
    expect(heldLines[0]!.at).toBeGreaterThanOrEqual(t0 + 30 * MIN);
    expect(heldLines[0]!.at).toBeLessThan(t0 + 35 * MIN);
    // Back before the window ended: no notice and no recovery line, ever.
    expect(of('back-1')).toEqual([]);

    // The run summaries count the hosts held: both while silent in the window, then held-1 alone, then none.
    expect(runs.map((s) => s.hostsInMaintenance)).toEqual([2, 2, 2, 2, 1, 0, 0]);
    expect(runs[5]).toMatchObject({ notices: 1, recoveries: 0, hostsInMaintenance: 0 });
    expect(Object.values((await currentSteps(hosts, held)) ?? {})).toEqual([10]);
    expect(await currentSteps(hosts, back)).toBeUndefined();
    expect(await currentSteps(hosts, free)).toBeDefined();
  });
}, 240_000);
