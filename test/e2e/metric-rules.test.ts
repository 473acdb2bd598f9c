/**
 * Metric and reboot rules end to end on the Temporal dev server: reports over HTTP to the real report route (buildApi
 * with a RuleCache over the `rules` collection) -> FerretDB -> the check workflow with a real worker -> mail
 * (MailCatcher) and a webhook (loopback receiver), two channels. The API's clock runs behind while the first reports
 * arrive (as in agent-alert.test.ts), so the disk has held two minutes when the check runs instead of waiting them out;
 * the long waits are in test/faults/metric-rules-time.test.ts on the time-skipping server.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ObjectId } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { formatLocalTime } from '../../src/alerting/local-time.js';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { reportHeaders } from '../api/support.js';
import { loopback, type Loopback } from '../channels/support.js';
import { freshStore } from '../support/db.js';
import { devServerEnv, hostwatchWorker, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;

beforeAll(async () => {
  env = await devServerEnv();
  catcher = await new MailCatcher().start();
  receiver = await loopback();
});
afterAll(async () => {
  await receiver?.close();
  await catcher?.stop();
  await env?.teardown();
});

test('a reboot is told once per destination, a disk rule at step 1 and then resolved, on mail and a webhook', async () => {
  const { hosts } = await freshStore();
  const db = hosts.collection.db;
  await new ChannelStore(db).add('mail', 'mailto:ops@example.com');
  await new ChannelStore(db).add('hook', `webhook+${receiver.base}/rules?secret=e2e-rule-secret`);
  const ruleStore = new RuleStore(db);
  await ruleStore.add({ name: 'restarted', metric: 'reboot', steps: [] });
  await ruleStore.add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, steps: [1, 10] });
  const cache = new RuleCache(ruleStore);
  await cache.start();
  expect(cache.current().map((r) => r.name).sort()).toEqual(['disk-full', 'restarted']);

  const { id, key, secret } = await hosts.add('db-1');
  let clockOffset = 0;
  const api = buildApi({ hosts, rules: cache, now: () => new Date(Date.now() - clockOffset) });
  const base = await api.listen({ port: 0, host: '127.0.0.1' });
  const taskQueue = uniqueTaskQueue('rules-e2e');
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url });
  const client = new Client({ connection: env.connection });
  let seq = 0;
  const check = (): Promise<CheckSummary> =>
    client.workflow.execute('checkHostStatus', { taskQueue, workflowId: `${taskQueue}-${++seq}`, args: [{ channels: ['mail', 'hook'], steps: [1, 10], timezone: 'UTC' }] });
  const doc = () => hosts.collection.findOne({ _id: new ObjectId(id) });
  /** The kinds of the host's stored instances (`metric`, `reboot`; offline ones have none). */
  const stored = async () => Object.values((await doc())?.alerts ?? {}).map((a) => (a as { condition?: string }).condition);
  /** A report with `/` at `used` % and the given uptime, stored `minutesAgo` minutes in the past; returns its time. */
  const report = async (minutesAgo: number, uptime: number, used: number): Promise<number> => {
    clockOffset = minutesAgo * MIN;
    const body = { hostname: 'db-1', interval: 60, uptime, disk: [{ mount: '/', total: 100, used }] };
    const res = await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(key, secret), body: JSON.stringify(body) });
    expect(res.status).toBe(204);
    return (await doc())!.lastReportAt!.getTime();
  };
  const hookBodies = () => receiver.requests.map((r) => r.json);
  catcher.messages.length = 0;
  receiver.requests.length = 0;

  try {
    await worker.runUntil(async () => {
      await report(3, 7_200, 50);
      const breached = await report(2, 7_260, 95); // the disk's instance starts here
      const rebooted = await report(0, 90, 96); // uptime went backwards: a reboot
      expect((await stored()).sort()).toEqual(['metric', 'reboot']);

      // Check 1: each destination gets one digest with the disk at step 1 and the reboot.
      expect(await check()).toMatchObject({ alerts: 2, resolved: 0, notices: 0, message: 'Sent to 2 of 2 destinations: 0 notices, 0 recoveries, 2 alerts, 0 resolved' });
      const [mail] = await catcher.waitFor(1);
      expect(mail!.envelopeTo).toEqual(['ops@example.com']);
      expect(mail!.subject).toMatch(/^\[hostwatch\] 2 alerts at .* \+00:00 \(UTC\)$/);
      expect(mail!.text).toContain(`DISK  db-1 /: 96 % (above 90 %) for 2 minutes, since ${formatLocalTime(breached, 'UTC')}`);
      expect(mail!.text).toContain(`REBOOT  db-1: restarted, up 1 minute at ${formatLocalTime(rebooted, 'UTC')} (was up 2 h 1 min)`);
      expect(mail!.text.match(/^(DISK|REBOOT) /gm)).toEqual(['DISK ', 'REBOOT ']); // most severe first
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.headers['x-hostwatch-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(hookBodies()[0]).toMatchObject({
        version: 1,
        counts: { offline: 0, recovered: 0, alerts: 2, resolved: 0 },
        lines: [
          { kind: 'metric', host: 'db-1', hostId: id, rule: 'disk-full', metric: 'disk', item: '/', op: 'above', threshold: 90, value: 96, peak: 96, step: 1, since: new Date(breached).toISOString() },
          { kind: 'reboot', host: 'db-1', hostId: id, rule: 'restarted', at: new Date(rebooted).toISOString(), uptime: 90, previousUptime: 7_260 },
        ],
      });
      expect(hookBodies()[0].lines).toHaveLength(2);

      // Check 2: nothing new; the reboot is not told again.
      expect(await check()).toMatchObject({ message: 'No alarm', alerts: 0 });

      // The disk falls back (the report also carries a higher uptime: no reboot); check 3: one resolved line each.
      const ended = await report(0, 150, 60);
      expect(await check()).toMatchObject({ alerts: 0, resolved: 1, message: 'Sent to 2 of 2 destinations: 0 notices, 0 recoveries, 0 alerts, 1 resolved' });
      const [, resolved] = await catcher.waitFor(2);
      expect(resolved!.subject).toMatch(/^\[hostwatch\] 1 resolved at /);
      expect(resolved!.text).toContain(`RESOLVED  db-1 /: disk back to 60 % after 2 minutes above 90 % (peak 96 %), from ${formatLocalTime(breached, 'UTC')} to ${formatLocalTime(ended, 'UTC')}`);
      expect(resolved!.text).not.toContain('REBOOT');
      expect(receiver.requests).toHaveLength(2);
      expect(hookBodies()[1]).toMatchObject({
        counts: { offline: 0, recovered: 0, alerts: 0, resolved: 1 },
        lines: [{ kind: 'resolved', rule: 'disk-full', item: '/', peak: 96, endValue: 60, since: new Date(breached).toISOString(), endedAt: new Date(ended).toISOString(), heldMs: ended - breached }],
      });
      expect(hookBodies()[1].lines).toHaveLength(1);

      // Check 4: nothing; the metric instance is gone, the reboot kept (told to both) until its day is over.
      expect(await check()).toMatchObject({ message: 'No alarm' });
      expect(catcher.messages).toHaveLength(2);
      expect(receiver.requests).toHaveLength(2);
      expect(await stored()).toEqual(['reboot']);
      // No URL or signing secret of a channel in any run's history.
      const history = JSON.stringify(await client.workflow.getHandle(`${taskQueue}-1`).fetchHistory());
      expect(history).not.toMatch(/e2e-rule-secret|\/rules/);
    });
  } finally {
    cache.stop();
    await api.close();
  }
});
