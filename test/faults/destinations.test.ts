/**
 * Faults of single destinations (ALERTING.md rule 3, "Delivery guarantee"), on a time-skipping test server of this
 * file's own, with real activities: FerretDB, a real SMTP server and loopback webhook receivers. Each test states
 * the notices every destination should get and counts, per destination, what it accepted: expected, delivered,
 * lost, doubled. The figures are quoted in docs/reliability.md.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startTemporalTestServer, type RunningService } from '../../scripts/lib/services.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { loopback, type Answer, type Loopback, type Recorded } from '../channels/support.js';
import { addReportedHost, currentSteps, freshStore } from '../support/db.js';
import { deliveredNotices, doubled } from '../support/notices.js';
import { hostwatchWorker, runWarm, TEST_WORKFLOWS_PATH, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const STEPS = [1, 10, 60];

let server: RunningService;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let channels: ChannelStore;
let taskQueue: string;
/** Requests each webhook path accepted (answered 2xx). */
let accepted: Map<string, Recorded[]>;
/** How each webhook path answers now (default 200). */
let answerFor: (path: string, now: number) => Answer | undefined;

beforeAll(async () => {
  server = await startTemporalTestServer();
  env = await timeSkippingEnv(server.address);
  catcher = await new MailCatcher().start();
  receiver = await loopback(async (r) => {
    const a = answerFor(r.path, await env.currentTimeMs()) ?? { status: 200, body: { ok: true } };
    if ((a.status ?? 200) < 300) accepted.set(r.path, [...(accepted.get(r.path) ?? []), r]);
    return a;
  });
});
afterAll(async () => {
  await env?.teardown();
  await catcher?.stop();
  await receiver?.close();
  await server?.stop();
});
beforeEach(async () => {
  catcher.messages.length = 0;
  catcher.refuseRecipient = undefined;
  accepted = new Map();
  answerFor = () => undefined;
  const store = await freshStore();
  hosts = store.hosts;
  channels = new ChannelStore(store.mongo.db);
  await channels.ensureIndexes();
  taskQueue = uniqueTaskQueue('dest');
});

/** Notices a webhook path accepted, as "host@step" (recoveries "host@back"). */
function webhookNotices(path: string): string[] {
  return (accepted.get(path) ?? []).flatMap((r) => (r.json.lines as { kind: string; host: string; step?: number }[]).map((l) => `${l.host}@${l.kind === 'offline' ? l.step : 'back'}`));
}

function mailNotices(address: string): string[] {
  return deliveredNotices(catcher.messages.filter((m) => m.envelopeTo.includes(address)));
}

/** One line per destination ("fault | destination | expected | delivered | lost | doubled"), for docs/reliability.md. */
function outcome(fault: string, destination: string, expected: string[], delivered: string[]) {
  const lost = expected.filter((n) => !delivered.includes(n));
  const twice = doubled(delivered);
  console.log(`reliability | ${fault} | ${destination} | ${expected.length} | ${delivered.length} | ${lost.length} | ${twice.length}`);
  return { delivered, lost, doubled: twice };
}

/** `runs` checks a minute apart under the test driver, which records a failed run's message instead of stopping. */
async function everyMinute(input: unknown, runs: number): Promise<{ run: number; failed?: string; message?: string }[]> {
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, channels, smtpUrl: catcher.url, workflowsPath: TEST_WORKFLOWS_PATH });
  return runWarm(env, worker, taskQueue, () =>
    env.client.workflow.execute('everyInterval', { taskQueue, workflowId: `driver-${taskQueue}`, args: [{ input, runs, everyMs: MIN, tolerate: true }] }),
  );
}

test('one of three destinations down for seven minutes while the others work: each gets steps 1, 10 and 60 once', async () => {
  await channels.add('team', `webhook+${receiver.base}/team`);
  await channels.add('chat', `webhook+${receiver.base}/chat?secret=chat-signing-secret`);
  const t0 = await env.currentTimeMs();
  await addReportedHost(hosts, 'web-1', t0);
  // "team" answers 503 from minute 8 to minute 15 (its step 10 falls inside).
  answerFor = (path, now) => (path === '/team' && now >= t0 + 8 * MIN && now < t0 + 15 * MIN ? { status: 503, body: 'down' } : undefined);

  const runs = await everyMinute({ recipients: ['ops@example.com'], channels: ['team', 'chat'], steps: STEPS }, 65);
  const expected = ['web-1@1', 'web-1@10', 'web-1@60'];
  for (const [name, delivered] of [['ops@example.com', mailNotices('ops@example.com')], ['team', webhookNotices('/team')], ['chat', webhookNotices('/chat')]] as const) {
    expect(outcome('one of three destinations down 7 min', name, expected, [...delivered]), name).toEqual({ delivered: expected, lost: [], doubled: [] });
  }
  // The runs while "team" was down and owed step 10 failed naming it alone; the others were not held back.
  const failed = runs.filter((r) => r.failed);
  expect(failed.length).toBeGreaterThan(0);
  for (const r of failed) expect(r.failed).toMatch(/^1 of [1-3] destinations did not accept: team \(webhook\): webhook 127\.0\.0\.1:\d+ answered HTTP 503/);
  expect(await currentSteps(hosts, (await hosts.byName('web-1'))._id)).toEqual({ 'mailto:ops@example.com': 60, team: 60, chat: 60 });
}, 300_000);

test('one mail recipient answering 450 for two runs: it gets its step-1 notice once it accepts, the other address exactly once', async () => {
  const t0 = await env.currentTimeMs();
  await addReportedHost(hosts, 'web-2', t0);
  const input = { recipients: ['ops@example.com', 'grey@example.com'], steps: STEPS };
  // grey@ answers 450 to every attempt until minute 6.5: the runs at minutes 1 and 4 (each retries it for two
  // minutes, then the next starts a minute later); from the run at minute 7 on it accepts.
  catcher.refuseRecipient = async (address) =>
    address === 'grey@example.com' && (await env.currentTimeMs()) < t0 + 6.5 * MIN ? { code: 450, message: '4.2.0 greylisted, try again later' } : undefined;
  const runs = await everyMinute(input, 10);
  expect(runs.filter((r) => r.failed).map((r) => r.failed)).toEqual([
    expect.stringMatching(/^1 of 2 destinations did not accept: grey@example\.com: .*450/),
    expect.stringMatching(/^1 of 1 destinations did not accept: grey@example\.com: .*450/),
  ]);
  const failed = runs.filter((r) => r.failed);
  expect(failed).toHaveLength(2);
  const expected = ['web-2@1', 'web-2@10'];
  expect(outcome('one mail recipient 450 for two runs', 'ops@example.com', expected, mailNotices('ops@example.com'))).toEqual({ delivered: expected, lost: [], doubled: [] });
  expect(outcome('one mail recipient 450 for two runs', 'grey@example.com', expected, mailNotices('grey@example.com'))).toEqual({ delivered: expected, lost: [], doubled: [] });
}, 300_000);

test('a channel with a revoked token beside a working one for ten runs: the working one gets each step once, each run with a notice for the broken one fails naming it', async () => {
  await channels.add('broken', `webhook+${receiver.base}/broken?secret=revoked-signing-secret`);
  const t0 = await env.currentTimeMs();
  await addReportedHost(hosts, 'web-3', t0 - 30_000);
  const attempts: number[] = [];
  answerFor = (path, now) => {
    if (path !== '/broken') return undefined;
    attempts.push(now);
    return { status: 401, body: { error: 'token revoked' } };
  };

  const runs = await everyMinute({ recipients: ['ops@example.com'], channels: ['broken'], steps: STEPS }, 10);
  const expected = ['web-3@1', 'web-3@10'];
  expect(outcome('revoked token beside a working channel, 10 runs', 'ops@example.com', expected, mailNotices('ops@example.com'))).toEqual({ delivered: expected, lost: [], doubled: [] });
  expect(outcome('revoked token beside a working channel, 10 runs', 'broken', expected, webhookNotices('/broken'))).toMatchObject({ delivered: [] });
  // Every run had a notice for "broken" (it never accepted one), and each failed naming it; a 401 is not retried.
  expect(runs).toHaveLength(10);
  for (const r of runs) expect(r.failed).toMatch(/did not accept: broken \(webhook\): webhook 127\.0\.0\.1:\d+ answered HTTP 401/);
  expect(attempts).toHaveLength(10);
  for (const r of runs) expect(r.failed).not.toContain('revoked-signing-secret');
}, 300_000);
