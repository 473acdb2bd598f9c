/**
 * Metric rules end to end over simulated minutes, on a time-skipping test server of this file's own (simulated time
 * is global to a server): reports go through the real report route (buildApi, its clock the server's simulated time,
 * rules from a RuleCache over the `rules` collection), so ingest evaluation is exercised; checks run as the
 * `checkHostStatus` workflow with real activities, to two channels: mail (MailCatcher) and a webhook (loopback).
 * ALERTING.md rules 1, 2, 4 and 5 for a metric instance, per destination.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { ObjectId } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startTemporalTestServer, type RunningService } from '../../scripts/lib/services.js';
import { formatDuration, formatLocalTime, localHour } from '../../src/alerting/index.js';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import { decodeDestKey } from '../../src/store/alert-state.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { reportHeaders } from '../api/support.js';
import { loopback, type Loopback } from '../channels/support.js';
import { freshStore } from '../support/db.js';
import { hostwatchWorker, runWarm, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DESTS = ['mailto:ops@example.com', 'hook'];
const ALERT = 'Sent to 2 of 2 destinations: 0 notices, 0 recoveries, 1 alert, 0 resolved';
const RESOLVED = 'Sent to 2 of 2 destinations: 0 notices, 0 recoveries, 0 alerts, 1 resolved';

let server: RunningService;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let taskQueue: string;
let seq = 0;

beforeAll(async () => {
  server = await startTemporalTestServer();
  env = await timeSkippingEnv(server.address);
  catcher = await new MailCatcher().start();
  receiver = await loopback();
});
afterAll(async () => {
  await env?.teardown();
  await receiver?.close();
  await catcher?.stop();
  await server?.stop();
});
beforeEach(async () => {
  catcher.messages.length = 0;
  receiver.requests.length = 0;
  ({ hosts } = await freshStore());
  taskQueue = uniqueTaskQueue('rules');
});

interface Scene {
  hostId: string;
  /** Posts a report with `/` at `rootUsed` % through the API at the current simulated time; returns that time. */
  report(rootUsed: number): Promise<number>;
  /** One check of the two channels, with simulated time locked. */
  check(input?: Record<string, unknown>): Promise<CheckSummary>;
  /** The host's metric instances as stored. */
  instances(): Promise<Record<string, any>[]>;
}

/**
 * A host `web-1`, the rule `disk-full` (disk above 90, clear 85, steps 1 and 10), channels `mail` and `hook`, the API
 * with its clock on simulated time, and a worker; runs `fn` and then closes the API.
 */
async function scene(fn: (s: Scene) => Promise<void>): Promise<void> {
  const db = hosts.collection.db;
  const channels = new ChannelStore(db);
  await channels.add('mail', 'mailto:ops@example.com');
  await channels.add('hook', `webhook+${receiver.base}/hook`);
  await new RuleStore(db).add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [1, 10] });
  const cache = new RuleCache(new RuleStore(db));
  await cache.start();
  let clock = 0;
  const api: FastifyInstance = buildApi({ hosts, rules: cache, now: () => new Date(clock) });
  const base = await api.listen({ port: 0, host: '127.0.0.1' });
  const { id: hostId, key, secret } = await hosts.add('web-1');
  let uptime = 100_000;
  const s: Scene = {
    hostId,
    async report(rootUsed) {
      clock = await env.currentTimeMs();
      uptime += 60;
      // The agent states its interval (rule 9), so a host reporting every minute is never offline.
      const body = { hostname: 'web-1', interval: 60, uptime, disk: [{ mount: '/', total: 200, used: rootUsed * 2 }, { mount: '/var', total: 100, used: 40 }] };
      const res = await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(key, secret), body: JSON.stringify(body) });
      expect(res.status).toBe(204);
      return clock;
    },
    check(input = {}) {
      return new Client({ connection: env.connection }).workflow.execute('checkHostStatus', {
        taskQueue,
        workflowId: `check-${taskQueue}-${++seq}`,
        args: [{ channels: ['mail', 'hook'], steps: [1, 10], timezone: 'UTC', ...input }],
      });
    },
    async instances() {
      const doc = await hosts.collection.findOne({ _id: new ObjectId(hostId) });
      return Object.values(doc?.alerts ?? {}).filter((a: any) => a.condition === 'metric') as Record<string, any>[];
    },
  };
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url });
  try {
    await runWarm(env, worker, taskQueue, () => fn(s));
  } finally {
    cache.stop();
    await api.close();
  }
}

/** Sleeps (simulated) until `at` epoch ms, if it is still ahead. */
async function sleepUntil(at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

const hooks = () => receiver.requests.map((r) => r.json);
const utc = (ms: number) => formatLocalTime(ms, 'UTC');

test('a disk crosses 90 % and stays: each destination gets steps 1 and 10 once, then one RESOLVED line with how long it held and its peak', async () => {
  await scene(async (s) => {
    const t0 = (await env.currentTimeMs()) + MIN;
    // Minute by minute, the disk use `/` reports; checks run 30 s after each report.
    const used = [50, 95, 80, 91, 93, 95, 97, 94, 94, 94, 94, 94, 94, 94, 94, 87, 87, 80, 80];
    const at: number[] = [];
    const runs: string[] = [];
    for (let minute = 0; minute < used.length; minute++) {
      await sleepUntil(t0 + minute * MIN);
      at.push(await s.report(used[minute]!));
      await sleepUntil(t0 + minute * MIN + 30_000);
      runs.push((await s.check()).message);
      if (minute === 2) {
        // A brief breach (one report above, the next below, before the first step) produces nothing, and leaves nothing.
        expect(runs).toEqual(['No alarm', 'No alarm', 'No alarm']);
        expect(await s.instances()).toEqual([]);
      }
      if (minute === 16) {
        // 87 %: below the threshold but above the clear threshold (85): the instance still holds, nothing ends.
        expect(await s.instances()).toMatchObject([{ value: 87, peak: 97, start: new Date(at[3]!) }]);
        expect((await s.instances())[0]!.endAt).toBeUndefined();
      }
    }
    const start = at[3]!;
    const end = at[17]!;
    // Step 1 at minute 4 (held 1 min 30 s), step 10 at minute 13, resolved at minute 17; nothing else.
    expect(runs.flatMap((m, minute) => (m === 'No alarm' ? [] : [[minute, m]]))).toEqual([[4, ALERT], [13, ALERT], [17, RESOLVED]]);

    // Mail: three messages, one per run that had lines.
    expect(catcher.messages.map((m) => m.envelopeTo)).toEqual([['ops@example.com'], ['ops@example.com'], ['ops@example.com']]);
    const [step1, step10, resolved] = catcher.messages.map((m) => m.text);
    expect(catcher.messages[0]!.subject).toMatch(/^\[hostwatch\] 1 alert at .* \(UTC\)$/);
    expect(step1).toContain(`DISK  web-1 /: 93 % (above 90 %) for 1 minute, since ${utc(start)}`);
    expect(step10).toContain(`DISK  web-1 /: 94 % (above 90 %) for 10 minutes, since ${utc(start)}`);
    expect(catcher.messages[2]!.subject).toMatch(/^\[hostwatch\] 1 resolved at .* \(UTC\)$/);
    expect(resolved).toContain(`RESOLVED  web-1 /: disk back to 80 % after ${formatDuration(end - start)} above 90 % (peak 97 %), from ${utc(start)} to ${utc(end)}`);
    for (const text of catcher.messages.map((m) => m.text)) expect(text).not.toMatch(/\/var|OFFLINE|BACK /);
    expect(catcher.messages.flatMap((m) => m.text.match(/^(DISK|RESOLVED) /gm) ?? [])).toEqual(['DISK ', 'DISK ', 'RESOLVED ']);

    // Webhook: the same three notices as JSON.
    const [h1, h10, hr] = hooks();
    expect(hooks()).toHaveLength(3);
    const metric = { kind: 'metric', host: 'web-1', hostId: s.hostId, rule: 'disk-full', metric: 'disk', item: '/', op: 'above', threshold: 90, since: new Date(start).toISOString() };
    expect(h1).toMatchObject({ version: 1, counts: { offline: 0, recovered: 0, alerts: 1, resolved: 0 }, lines: [{ ...metric, value: 93, peak: 93, step: 1 }], more: 0 });
    expect(h10).toMatchObject({ counts: { offline: 0, recovered: 0, alerts: 1, resolved: 0 }, lines: [{ ...metric, value: 94, peak: 97, step: 10 }] });
    expect(h1.lines).toHaveLength(1);
    expect(h10.lines).toHaveLength(1);
    // Held from the first breaching report (minute 3) to the check (minute 4:30, 13:30): whole minutes 1 and 10.
    expect(Math.floor(h1.lines[0].heldMs / MIN)).toBe(1);
    expect(Math.floor(h10.lines[0].heldMs / MIN)).toBe(10);
    expect(hr).toMatchObject({
      counts: { offline: 0, recovered: 0, alerts: 0, resolved: 1 },
      lines: [{ kind: 'resolved', host: 'web-1', rule: 'disk-full', metric: 'disk', item: '/', op: 'above', threshold: 90, peak: 97, endValue: 80, since: new Date(start).toISOString(), endedAt: new Date(end).toISOString(), heldMs: end - start }],
    });
    expect(hr.lines).toHaveLength(1);
    expect(Math.round((end - start) / MIN)).toBe(14); // minute 3 to minute 17

    // Told, the ended instance is gone; the report after it began nothing new.
    expect(await s.instances()).toEqual([]);
  });
}, 240_000);

test('rule 5 for a metric rule: checks in a quiet hour send nothing; the first after it sends one catch-up notice, at the highest due step', async () => {
  await scene(async (s) => {
    const now = await env.currentTimeMs();
    // The quiet hour: the next whole UTC hour at least five minutes away.
    const quietStart = Math.ceil((now + 5 * MIN) / HOUR) * HOUR;
    const quiet = { ignoreHours: [localHour(quietStart, 'UTC')] };
    await sleepUntil(quietStart - 2 * MIN);
    await s.report(50);
    await sleepUntil(quietStart - MIN);
    const start = await s.report(96);
    await sleepUntil(quietStart - 30_000);
    expect((await s.check(quiet)).message).toBe('No alarm'); // not an hour of quiet yet, and nothing due

    const held: string[] = [];
    for (let minute = 0; minute <= 60; minute++) {
      await sleepUntil(quietStart + minute * MIN);
      await s.report(minute === 30 ? 99 : 96);
      // In the quiet hour: a check when step 1 is due, when step 10 is, and the last one before it ends.
      if (minute === 1 || minute === 10 || minute === 59) {
        await sleepUntil(quietStart + minute * MIN + 30_000);
        held.push((await s.check(quiet)).message);
      }
    }
    const hour = localHour(quietStart, 'UTC');
    expect(held).toEqual(Array(3).fill(`Quiet hours ${hour}: held`));
    expect(catcher.messages).toHaveLength(0);
    expect(receiver.requests).toHaveLength(0);
    expect((await s.instances())[0]!.sent).toBeUndefined();

    // 61 minutes after the first breaching report, the first check after the quiet hour: step 10 only, never step 1.
    await sleepUntil(quietStart + 60 * MIN + 30_000);
    expect((await s.check(quiet)).message).toBe(ALERT);
    await sleepUntil(quietStart + 61 * MIN);
    await s.report(96);
    await sleepUntil(quietStart + 61 * MIN + 30_000);
    expect((await s.check(quiet)).message).toBe('No alarm');
    expect(catcher.messages).toHaveLength(1);
    expect(catcher.messages[0]!.text).toContain(`DISK  web-1 /: 96 % (above 90 %) for 61 minutes, since ${utc(start)}`);
    expect(hooks()).toHaveLength(1);
    expect(hooks()[0]).toMatchObject({ counts: { alerts: 1, resolved: 0 }, lines: [{ kind: 'metric', step: 10, value: 96, peak: 99, since: new Date(start).toISOString() }] });
    expect(hooks()[0].lines).toHaveLength(1);
    const [instance] = await s.instances();
    expect(Object.fromEntries(Object.entries(instance!.sent).map(([k, v]) => [decodeDestKey(k), v]))).toEqual(Object.fromEntries(DESTS.map((d) => [d, 10])));

    // It ends: each destination told of it gets one resolved line.
    const end = await s.report(70);
    await sleepUntil(end + 30_000);
    expect((await s.check(quiet)).message).toBe(RESOLVED);
    expect((await s.check(quiet)).message).toBe('No alarm');
    expect(catcher.messages[1]!.text).toContain(`RESOLVED  web-1 /: disk back to 70 % after ${formatDuration(end - start)} above 90 % (peak 99 %)`);
    expect(hooks()[1]).toMatchObject({ lines: [{ kind: 'resolved', peak: 99, endValue: 70, heldMs: end - start }] });
    expect(catcher.messages).toHaveLength(2);
    expect(hooks()).toHaveLength(2);
  });
}, 300_000);
