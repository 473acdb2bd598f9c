/**
 * The check workflow on the Temporal time-skipping test server, with real activities: FerretDB for hosts and
 * a real SMTP server for mail. Rules cited are those of ../shared/ALERTING.md.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { ApplicationFailure, Client, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ObjectId } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { dueStep, DEFAULT_STEPS, localHour } from '../../src/alerting/index.js';
import type { CheckInput } from '../../src/alerting/check-input.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { addReportedHost, currentSteps, freshStore, markNotified, OPS } from '../support/db.js';
import { hostwatchWorker, runWarm, TEST_WORKFLOWS_PATH, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const RECIPIENTS = ['ops@example.com', 'oncall@example.com'];

let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let hosts: HostStore;
let taskQueue: string;
let workerTimezone: string;
let seq = 0;

beforeAll(async () => {
  env = await timeSkippingEnv();
  catcher = await new MailCatcher().start();
});
afterAll(async () => {
  await env?.teardown();
  await catcher?.stop();
});
beforeEach(async () => {
  catcher.messages.length = 0;
  catcher.attempts = 0;
  catcher.fault = { kind: 'none' };
  ({ hosts } = await freshStore());
  taskQueue = uniqueTaskQueue('check');
  workerTimezone = 'UTC';
});

/** Runs with the worker up (after a warm-up check). */
async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url, timezone: workerTimezone, workflowsPath: TEST_WORKFLOWS_PATH });
  return runWarm(env, worker, taskQueue, fn);
}

/**
 * Runs one check. With `skipTime` the wait lets the server skip simulated time (retry backoff); otherwise time
 * stays locked, because this standalone server also races time ahead during a slow activity (a multi-page
 * load or write), which would time it out.
 */
function runCheck(input: unknown, opts: { skipTime?: boolean } = {}): Promise<CheckSummary> {
  const client = opts.skipTime ? env.client : new Client({ connection: env.connection });
  return client.workflow.execute('checkHostStatus', { taskQueue, workflowId: `check-${taskQueue}-${++seq}`, args: [input] });
}

/** Parses "offline 61 minutes" / "offline 4 h 0 min" back to minutes. */
function offlineMinutesIn(text: string): number[] {
  return [...text.matchAll(/offline (?:(\d+) minutes?|(\d+) h (\d+) min)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : Number(m[2]) * 60 + Number(m[3])));
}

const stepsOf = (id: string | ObjectId) => currentSteps(hosts, id);

/** The same step for every recipient. */
const both = (step: number) => Object.fromEntries(RECIPIENTS.map((r) => [`mailto:${r}`, step]));
const sentAll = (notices: number, recoveries = 0, n = RECIPIENTS.length) =>
  `Sent to ${n} of ${n} destinations: ${notices} notice${notices === 1 ? '' : 's'}, ${recoveries} ${recoveries === 1 ? 'recovery' : 'recoveries'}`;

test('25 simulated hours with a check every minute: exactly five notices (steps 1, 10, 60, 240, 1440) and one recovery', async () => {
  await withWorker(async () => {
    const t0 = await env.currentTimeMs();
    const id = await addReportedHost(hosts, 'web-1', t0);
    await hosts.add('never-reported');
    await addReportedHost(hosts, 'alarm-off', t0, { alarm: false });

    const input: CheckInput = { recipients: RECIPIENTS };
    const notable = await env.client.workflow.execute('everyInterval', {
      taskQueue,
      workflowId: `driver-${taskQueue}`,
      args: [{ input, runs: 25 * 60, everyMs: MIN }],
    });
    expect(notable.map((s: CheckSummary) => s.message)).toEqual(Array(5).fill(sentAll(1)));
    // One message per recipient per notice (each address is a destination of its own).
    expect(catcher.messages).toHaveLength(10);
    for (const r of RECIPIENTS) expect(catcher.messages.filter((m) => m.envelopeTo.join() === r)).toHaveLength(5);

    // Each notice is for the next step, sent as soon as it was due (within a run or two of scheduling drift).
    const minutes = catcher.messages.filter((m) => m.envelopeTo[0] === RECIPIENTS[0]).map((m) => offlineMinutesIn(m.text));
    expect(minutes.map((m) => m.length)).toEqual([1, 1, 1, 1, 1]);
    expect(minutes.map(([m]) => dueStep(DEFAULT_STEPS, m!))).toEqual([1, 10, 60, 240, 1440]);
    minutes.forEach(([m], i) => expect(m! - DEFAULT_STEPS[i]!).toBeLessThanOrEqual(2));
    for (const mail of catcher.messages) {
      expect(mail.subject).toMatch(/^\[hostwatch\] 1 host offline at \d{4}-\d\d-\d\d \d\d:\d\d \+00:00 \(UTC\)$/);
      expect(mail.text).toContain('web-1');
      expect(mail.text).not.toMatch(/never-reported|alarm-off/);
      expect(mail.envelopeTo).toHaveLength(1);
    }
    expect(new Set(catcher.messages.map((m) => m.messageId)).size).toBe(10);
    expect(await stepsOf(id)).toEqual(both(1440));

    // The host reports again; the next check sends one recovery line and clears the state (rule 4).
    const back = await env.currentTimeMs();
    await hosts.recordReport(id, { uptime: 1 }, new Date(back));
    const [after] = await env.client.workflow.execute('everyInterval', { taskQueue, workflowId: `driver2-${taskQueue}`, args: [{ input, runs: 1, everyMs: 1_000 }] });
    expect(after).toMatchObject({ message: sentAll(0, 1), recoveries: 1, notices: 0 });
    expect(catcher.messages).toHaveLength(12);
    const recovery = catcher.messages[11]!;
    expect(recovery.subject).toMatch(/^\[hostwatch\] 1 back online at /);
    const goneMin = Math.floor((back - t0) / MIN);
    expect(recovery.text).toContain(`BACK     web-1: back online after ${Math.floor(goneMin / 60)} h ${goneMin % 60} min`);
    expect(goneMin).toBeGreaterThanOrEqual(25 * 60);
    expect(await stepsOf(id)).toBeUndefined();
    expect((await hosts.collection.findOne({ _id: new ObjectId(id) }))?.alerts).toBeUndefined();
  });
}, 300_000);

test('rule 3: SMTP failing transiently then recovering delivers the digest once and records state once', async () => {
  await withWorker(async () => {
    const id = await addReportedHost(hosts, 'flaky-mail', (await env.currentTimeMs()) - 5 * MIN);
    catcher.fault = { kind: 'tempfail', count: 3 };
    const summary = await runCheck({ recipients: [RECIPIENTS[0]] }, { skipTime: true });
    expect(summary).toMatchObject({ message: sentAll(1, 0, 1), notices: 1, quietHours: false, sent: 1, accepted: 1 });
    expect(catcher.attempts).toBe(4);
    expect(catcher.messages).toHaveLength(1);
    expect(catcher.messages[0]!.messageId).toMatch(/^<hostwatch\.check-.*\.d0@hostwatch\.test>$/);
    expect(await stepsOf(id)).toEqual({ [`mailto:${RECIPIENTS[0]}`]: 1 });

    expect((await runCheck({ recipients: [RECIPIENTS[0]] })).message).toBe('No alarm');
    expect(catcher.messages).toHaveLength(1);
  });
});

test('rule 3: a 5xx rejection fails the run without retrying and leaves state untouched; the next run sends it', async () => {
  await withWorker(async () => {
    const id = await addReportedHost(hosts, 'rejected', (await env.currentTimeMs()) - 12 * MIN);
    catcher.fault = { kind: 'reject' };
    const err = await runCheck({ recipients: RECIPIENTS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // The run fails naming each destination that did not accept, and why.
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'DeliveryIncomplete', nonRetryable: true });
    expect(cause.message).toMatch(/^2 of 2 destinations did not accept: /);
    for (const r of RECIPIENTS) expect(cause.message).toContain(`${r}: `);
    expect(cause.message).toContain('5.7.1 message rejected by policy');
    expect(catcher.attempts).toBe(2); // one per address, none retried
    expect(await stepsOf(id)).toBeUndefined();

    catcher.fault = { kind: 'none' };
    expect((await runCheck({ recipients: RECIPIENTS })).message).toBe(sentAll(1));
    // The failed run took simulated time too; the notice is still the one due at step 10.
    expect(offlineMinutesIn(catcher.messages[0]!.text).map((m) => dueStep(DEFAULT_STEPS, m))).toEqual([10]);
    expect(await stepsOf(id)).toEqual(both(10));
  });
});

test.each([
  [{ recipients: [] }, 'channels', 'or recipients must name at least one destination'],
  [{ channels: ['no-such-channel'] }, 'channels[0]', 'names no channel: "no-such-channel"'],
  [{ recipients: RECIPIENTS, ignoreHours: Array.from({ length: 24 }, (_, h) => h) }, 'ignoreHours', 'covers every hour of the day'],
  [{ recipients: ['not-an-address'] }, 'recipients[0]', 'is not an email address'],
  [{ recipients: RECIPIENTS, steps: [1, 10, 10] }, 'steps[2]', 'must be greater than the step before it'],
  [{ recipients: RECIPIENTS, steps: [0, 10] }, 'steps[0]', 'must be a positive number of minutes'],
  [{ recipients: RECIPIENTS, ignoreHours: [3, 24] }, 'ignoreHours[1]', 'must be an hour from 0 to 23'],
  [{ recipients: RECIPIENTS, timezone: 'Mars/Olympus_Mons' }, 'timezone', 'is not a known IANA time zone'],
])('invalid input %j fails the run, non-retryable, naming %s; nothing is sent', async (input, field, reason) => {
  await withWorker(async () => {
    await addReportedHost(hosts, 'offline', (await env.currentTimeMs()) - 5 * MIN);
    const err = await runCheck(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('InvalidCheckInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toBe(`invalid check input: ${field} ${cause.message.split(`${field} `)[1]}`);
    expect(cause.message).toContain(reason);
    expect(cause.details).toEqual([field]);
    expect(catcher.attempts).toBe(0);
  });
});

test('rule 5: quiet hours hold the notice; the first run after them sends one notice at the highest due step', async () => {
  await withWorker(async () => {
    const now = await env.currentTimeMs();
    const id = await addReportedHost(hosts, 'held', now - 5 * MIN);
    const hour = localHour(now, 'Asia/Kolkata');
    const quiet = [hour, (hour + 1) % 24, (hour + 2) % 24];
    const input = { recipients: RECIPIENTS, ignoreHours: quiet, timezone: 'Asia/Kolkata' };

    const held = await runCheck(input);
    expect(held).toMatchObject({ quietHours: true, message: `Quiet hours ${hour}: held`, hostsOffline: null, notices: 0 });
    expect(catcher.attempts).toBe(0);
    expect(await stepsOf(id)).toBeUndefined();

    // Sleep past the three quiet hours (Asia/Kolkata is UTC+5:30, so its hours start at :30 UTC).
    const startOfHour = now - ((now + 30 * MIN) % (60 * MIN));
    await env.sleep(startOfHour + 3 * 60 * MIN + MIN - now);
    const after = await runCheck(input);
    expect(after).toMatchObject({ quietHours: false, notices: 1, message: sentAll(1) });
    expect(catcher.messages).toHaveLength(2);
    const [m] = offlineMinutesIn(catcher.messages[0]!.text);
    expect(dueStep(DEFAULT_STEPS, m!)).toBe(60);
    expect(catcher.messages[0]!.subject).toMatch(/ \+05:30 \(Asia\/Kolkata\)$/);
    expect(await stepsOf(id)).toEqual(both(60));
  });
});

/** Inserts hosts that last reported `minutesAgo(i)` minutes ago, named `prefix-0000`...; returns their documents. */
async function insertSilentHosts(prefix: string, count: number, now: number, minutesAgo: (i: number) => number) {
  const docs = Array.from({ length: count }, (_, i) => ({
    _id: new ObjectId(),
    name: `${prefix}-${String(i).padStart(4, '0')}`,
    active: true,
    alarm: true,
    secretKey: `${prefix}-k${i}`,
    secretHash: 'x'.repeat(64),
    data: null,
    lastReportAt: new Date(now - minutesAgo(i) * MIN),
    createdAt: new Date(now),
  }));
  await hosts.collection.insertMany(docs);
  return docs;
}

test('a mass outage over several pages sends one digest with exact counts and records every host', async () => {
  await withWorker(async () => {
    const now = await env.currentTimeMs();
    const count = 1040; // two pages of 1,000, eleven state writes of 100
    const docs = await insertSilentHosts('dc', count, now, (i) => 15 + (i % 50));

    const summary = await runCheck({ recipients: [RECIPIENTS[0]] });
    expect(summary).toMatchObject({ hostsOffline: count, notices: count, message: sentAll(count, 0, 1) });
    expect(catcher.messages).toHaveLength(1);
    const mail = catcher.messages[0]!;
    expect(mail.subject).toMatch(new RegExp(`^\\[hostwatch\\] ${count} hosts offline at `));
    expect(mail.text).toContain(`... and ${count - 200} more`);
    expect(mail.text).toContain(`${count} hosts offline, 0 back online.`);
    // Most severe first: the longest-silent hosts (64 minutes) lead.
    expect(offlineMinutesIn(mail.text)[0]).toBe(64);
    // Silent 15..64 minutes: 60 and over are at step 60, the rest at step 10 (rule 2: highest due step only).
    const atSixty = docs.filter((d) => now - d.lastReportAt.getTime() >= 60 * MIN).length;
    expect(atSixty).toBeGreaterThan(0);
    const steps = await Promise.all(docs.map((d) => stepsOf(d._id)));
    expect(steps.filter((s) => s?.[OPS] === 60)).toHaveLength(atSixty);
    expect(steps.filter((s) => s?.[OPS] === 10)).toHaveLength(count - atSixty);
  });
});

test('a mass outage larger than one run\'s slice: child workflows take the other slices, one digest has exact counts, every host is recorded', async () => {
  await withWorker(async () => {
    const now = await env.currentTimeMs();
    // 20 hosts a page, 3 pages a run: the run evaluates 60 hosts itself and starts children for the rest.
    const paging = { pageSize: 20, slicePages: 3 };
    const silent = await insertSilentHosts('dc', 260, now, (i) => 2 + (i % 70)); // 2..71 minutes: steps 1, 10, 60
    // Recovered (notified, reported since) and muted hosts spread over the slices by their ids.
    const recovered = await insertSilentHosts('back', 5, now, () => 0.5);
    for (const d of recovered) {
      await markNotified(hosts, d._id.toHexString(), now - 30 * MIN, 10, now - 20 * MIN);
    }
    const muted = await insertSilentHosts('quiet', 3, now, () => 30);
    await hosts.collection.updateMany({ name: /^quiet-/ }, { $set: { mutedUntil: new Date(now + 60 * MIN) } });

    const summary = await runCheck({ recipients: [RECIPIENTS[0]], paging });
    const hostsInSlices = 260 + 5 + 3;
    expect(summary).toMatchObject({ hostsOffline: 263, hostsMuted: 3, notices: 260, recoveries: 5, message: sentAll(260, 5, 1) });
    expect(summary.slices).toBe(Math.ceil(hostsInSlices / 60) - 1);

    expect(catcher.messages).toHaveLength(1);
    const mail = catcher.messages[0]!;
    expect(mail.subject).toMatch(/^\[hostwatch\] 260 hosts offline, 5 back online at /);
    expect(mail.text).toContain('... and 65 more'); // 265 lines, 200 shown
    expect(mail.text).toContain('260 hosts offline, 5 back online.');
    // The 200 lines shown are the most severe of all slices: every host silent 71..69 minutes, and so on.
    const shown = offlineMinutesIn(mail.text);
    expect(shown).toHaveLength(200);
    const expected = silent.map((d) => Math.floor((now - d.lastReportAt.getTime()) / MIN)).sort((a, b) => b - a).slice(0, 200);
    expect(shown).toEqual(expected);

    // Every host's state, whichever run evaluated it (rule 2: the highest due step).
    for (const d of silent) {
      const step = dueStep(DEFAULT_STEPS, Math.floor((now - d.lastReportAt.getTime()) / MIN))!;
      expect(await stepsOf(d._id), d.name).toEqual({ [OPS]: step });
    }
    expect(await hosts.collection.countDocuments({ name: /^back-/, alerts: { $exists: true } })).toBe(0);
    expect(await hosts.collection.countDocuments({ name: /^quiet-/, alerts: { $exists: true } })).toBe(0);
    expect(muted).toHaveLength(3);

    // Nothing more is due: the next run sends nothing, in any slice.
    const again = await runCheck({ recipients: [RECIPIENTS[0]], paging });
    expect(again).toMatchObject({ message: 'No alarm', hostsOffline: 263, notices: 0, slices: summary.slices });
    expect(catcher.messages).toHaveLength(1);
  });
});

test('rule 3 with slices: when the digest is refused no slice writes state, and the next run sends every notice', async () => {
  await withWorker(async () => {
    const now = await env.currentTimeMs();
    const paging = { pageSize: 10, slicePages: 2 };
    await insertSilentHosts('rej', 45, now, () => 3);
    catcher.fault = { kind: 'reject' };
    const err = await runCheck({ recipients: [RECIPIENTS[0]], paging }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(await hosts.collection.countDocuments({ alerts: { $exists: true } })).toBe(0);
    // The children, which waited for the parent's word, were told that no destination accepted: they wrote nothing.
    const client = new Client({ connection: env.connection });
    const parent = await client.workflow.getHandle(`check-${taskQueue}-${seq}`).describe();
    for (const slice of [1, 2]) {
      const child = client.workflow.getHandle(`${parent.workflowId}.${parent.runId}.slice-${slice}`);
      expect(await child.result(), `slice ${slice}`).toEqual({ written: true, applied: 0, skipped: slice === 1 ? 20 : 5 });
    }

    catcher.fault = { kind: 'none' };
    const summary = await runCheck({ recipients: [RECIPIENTS[0]], paging });
    expect(summary).toMatchObject({ notices: 45, slices: 2, message: sentAll(45, 0, 1) });
    expect(catcher.messages).toHaveLength(1);
    expect(await hosts.collection.countDocuments({ [`alerts.offline_${now - 3 * MIN}.sent.mailto:ops@example%2Ecom`]: 1 })).toBe(45);
  });
});

test("the worker's default time zone applies when the input names none", async () => {
  workerTimezone = 'Asia/Kolkata';
  await withWorker(async () => {
    await addReportedHost(hosts, 'tz', (await env.currentTimeMs()) - 2 * MIN);
    const summary = await runCheck({ recipients: RECIPIENTS });
    expect(summary.timezone).toBe('Asia/Kolkata');
    expect(catcher.messages[0]!.subject).toMatch(/\+05:30 \(Asia\/Kolkata\)$/);
  });
});
