/**
 * The notification log written by the check (issue 13 point 3), on the Temporal time-skipping test server with real
 * activities and real channels: FerretDB, a real SMTP server and a loopback webhook receiver. Also the pure parts:
 * an entry from a notice, and the grouping of entries into activity inputs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { ApplicationFailure, Client, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startTemporalTestServer, type RunningService } from '../../scripts/lib/services.js';
import { createActivities } from '../../src/activities/index.js';
import { noticeLogEntry, type TriedNotice } from '../../src/activities/notice-log.js';
import type { Notice } from '../../src/channels/types.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { NOTICE_LOG_PATCH, noticeLogChunks } from '../../src/workflows/notice-log.js';
import { WORKFLOWS_PATH } from '../../src/workflows/path.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { CONDITION_LINES, conditionNotice, loopback, sampleNotice, type Loopback } from '../channels/support.js';
import { addReportedHost, freshStore, markNotified, OPS } from '../support/db.js';
import { hostwatchWorker, quietRuntime, runWarm, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
const SIGNING_SECRET = 'sIgNiNg-5ecret-4f1e';
const PASSWORD = 'b4sic-pa55word-9x';

let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let channels: ChannelStore;
let notices: NoticeLogStore;
let taskQueue: string;
let seq = 0;

// A time-skipping server of its own: the suite's is shared by every file, and time skips only while no other
// file's environment holds its lock, so the five minutes of retries below would run in real time under load.
let ownServer: RunningService | undefined;

beforeAll(async () => {
  ownServer = await startTemporalTestServer();
  env = await timeSkippingEnv(ownServer.address);
  catcher = await new MailCatcher().start();
  // The receiver refuses for good (HTTP 400) and echoes the request's credentials back, as a careless vendor might.
  receiver = await loopback((r) => ({ status: 400, body: { error: `bad request ${r.query.get('secret') ?? ''} ${r.headers.authorization ?? ''} ${SIGNING_SECRET} ${PASSWORD}` } }));
});
afterAll(async () => {
  await env?.teardown();
  await ownServer?.stop();
  await receiver?.close();
  await catcher?.stop();
});
beforeEach(async () => {
  catcher.messages.length = 0;
  receiver.requests.length = 0;
  const store = await freshStore();
  hosts = store.hosts;
  channels = new ChannelStore(store.mongo.db);
  await channels.ensureIndexes();
  notices = new NoticeLogStore(store.mongo.db);
  taskQueue = uniqueTaskQueue('noticelog');
});

async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, channels, smtpUrl: catcher.url });
  return runWarm(env, worker, taskQueue, fn);
}

/**
 * Starts one check and waits for it. With `skipTime` the wait lets the server skip simulated time (retry backoff);
 * otherwise time stays locked (this standalone server may race time ahead during an activity).
 */
async function check(input: Record<string, unknown>, opts: { skipTime?: boolean } = {}): Promise<{ workflowId: string; runId: string; outcome: CheckSummary | Error }> {
  const client = opts.skipTime ? env.client : new Client({ connection: env.connection });
  const handle = await client.workflow.start('checkHostStatus', { taskQueue, workflowId: `check-${taskQueue}-${++seq}`, args: [input] });
  const outcome = await handle.result().catch((err: Error) => err);
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, outcome };
}

/** The inputs the run gave its recordNoticeLog activities, decoded from its history. */
async function loggedInputs(workflowId: string): Promise<{ entries: TriedNotice[] }[]> {
  const history = await new Client({ connection: env.connection }).workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a?.activityType?.name === 'recordNoticeLog' ? [defaultPayloadConverter.fromPayload(a.input!.payloads![0]!) as { entries: TriedNotice[] }] : [];
  });
}

test('one destination accepts, one refuses (HTTP 400): two log entries, the lines as the digest had them, the refusal with its reason, no secret; a re-run activity writes the same two', async () => {
  await channels.add('hook', `webhook+http://alice:${PASSWORD}@${receiver.base.replace('http://', '')}/hook?secret=${SIGNING_SECRET}`);
  await withWorker(async () => {
    const t0 = await env.currentTimeMs();
    await addReportedHost(hosts, 'web-1', t0 - 90_000);
    // db-1 was offline and both destinations were told of step 10; it is back now: a recovery line for each.
    const back = await addReportedHost(hosts, 'db-1', t0 - 30 * MIN);
    await markNotified(hosts, back, t0 - 30 * MIN, 10, t0 - 15 * MIN, [OPS, 'hook']);
    await hosts.recordReport(back, { hostname: 'db-1' }, new Date(t0 - 10_000));

    const run = await check({ recipients: ['ops@example.com'], channels: ['hook'], timezone: 'Europe/Berlin' });
    expect(run.outcome).toBeInstanceOf(WorkflowFailedError);
    const failure = (run.outcome as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('DeliveryIncomplete');

    const entries = await notices.list();
    expect(entries).toHaveLength(2);
    const runKey = `${run.workflowId}.${run.runId}`;
    const [mail, hook] = entries;
    expect(mail).toMatchObject({
      id: `${runKey}.d0`,
      run: runKey,
      destination: { key: OPS, label: 'ops@example.com', kind: 'mailto' },
      accepted: true,
      hosts: ['web-1', 'db-1'],
      more: 0,
    });
    expect(mail).not.toHaveProperty('error');
    expect(mail!.checkTime.getTime()).toBeGreaterThanOrEqual(t0);
    expect(mail!.lines.map((l) => [l.host, l.kind])).toEqual([['web-1', 'offline'], ['db-1', 'recovered']]);
    // Each line is the text the mail carried, word for word (times in the run's time zone).
    const [message] = catcher.messages;
    for (const l of mail!.lines) expect(message!.text).toContain(l.text);
    expect(mail!.lines[0]!.text).toMatch(/^OFFLINE {2}web-1: offline 1 minute, last report \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+01:00$/);
    expect(mail!.lines[1]!.text).toMatch(/^BACK {5}db-1: back online after 29 minutes/);

    expect(hook).toMatchObject({ id: `${runKey}.d1`, run: runKey, destination: { key: 'hook', label: 'hook (webhook)', kind: 'webhook' }, accepted: false, hosts: ['web-1', 'db-1'] });
    expect(hook!.lines).toEqual(mail!.lines);
    // The reason is the run failure's own text for that destination.
    expect(hook!.error).toMatch(/^hook \(webhook\): webhook 127\.0\.0\.1:\d+ answered HTTP 400/);
    expect(failure.message).toContain(hook!.error!);

    // No secret in any stored document (the receiver echoed both; the URL is not there either).
    const raw = JSON.stringify(await notices.collection.find().toArray());
    for (const secret of [SIGNING_SECRET, PASSWORD, receiver.base, Buffer.from(`alice:${PASSWORD}`).toString('base64')]) expect(raw).not.toContain(secret);
    expect(receiver.requests).toHaveLength(1); // a 400 is not retried

    // The activity's input carried the notices as delivered, and no secret either.
    const inputs = await loggedInputs(run.workflowId);
    expect(inputs).toHaveLength(1);
    expect(JSON.stringify(inputs)).not.toContain(SIGNING_SECRET);
    expect(JSON.stringify(inputs)).not.toContain(PASSWORD);

    // A retried activity (the same input again) writes the same two documents, not two more.
    const again = createActivities({ hosts, channels, rules: new RuleStore(hosts.collection.db), mailer: createSmtpMailer(catcher.url), from: 'x <x@x.test>', defaultTimezone: 'UTC' });
    expect(await again.recordNoticeLog(inputs[0]!)).toEqual({ recorded: 2 });
    expect(await notices.collection.countDocuments()).toBe(2);
    expect(await notices.list()).toEqual(entries);

    // The new run's history replays against the workflow code (with its patch marker).
    const history = await new Client({ connection: env.connection }).workflow.getHandle(run.workflowId).fetchHistory();
    const patches = (history.events ?? []).flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
      return data ? [(defaultPayloadConverter.fromPayload(data) as { id: string }).id] : [];
    });
    expect(patches).toEqual(['metric-rules', NOTICE_LOG_PATCH]);
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history)).resolves.toBeUndefined();
  });
}, 120_000);

test('every destination accepts: the run succeeds as before and logs each; a run with nothing due logs nothing', async () => {
  await withWorker(async () => {
    const t0 = await env.currentTimeMs();
    await addReportedHost(hosts, 'web-1', t0 - 90_000);
    const run = await check({ recipients: ['ops@example.com', 'oncall@example.com'], steps: [1, 10] });
    expect(run.outcome).toMatchObject({ message: 'Sent to 2 of 2 destinations: 1 notice, 0 recoveries' });
    const entries = await notices.list({ host: 'web-1' });
    expect(entries.map((e) => [e.destination.label, e.accepted])).toEqual([['ops@example.com', true], ['oncall@example.com', true]]);

    const quiet = await check({ recipients: ['ops@example.com'], steps: [1, 10] }); // step 1 sent, step 10 not yet due
    expect(quiet.outcome).toMatchObject({ message: 'No alarm' });
    expect(await loggedInputs(quiet.workflowId)).toEqual([]);
    expect(await notices.collection.countDocuments()).toBe(2);
  });
}, 120_000);

test('a log that cannot be written does not fail a run whose deliveries succeeded: it retries for a bounded time, then the run goes on', async () => {
  // A unique index on `run` makes the second entry of a run a duplicate-key error from the database, every attempt.
  await notices.collection.createIndex({ run: 1 }, { name: 'run_unique', unique: true });
  await withWorker(async () => {
    const t0 = await env.currentTimeMs();
    await addReportedHost(hosts, 'web-1', t0 - 90_000);
    // Time skips while the write backs off (simulated minutes); steps [1] alone, so nothing else falls due meanwhile.
    const run = await check({ recipients: ['ops@example.com', 'oncall@example.com'], steps: [1] }, { skipTime: true });
    expect(run.outcome).toMatchObject({ message: 'Sent to 2 of 2 destinations: 1 notice, 0 recoveries' });
    expect(catcher.messages).toHaveLength(2);
    // The state was written before the log: the next run sends nothing.
    expect((await check({ recipients: ['ops@example.com', 'oncall@example.com'], steps: [1] })).outcome).toMatchObject({ message: 'No alarm' });
    const history = await new Client({ connection: env.connection }).workflow.getHandle(run.workflowId).fetchHistory();
    const scheduled = new Map((history.events ?? []).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]));
    const failed = (history.events ?? []).flatMap((e) => {
      const f = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      return f ? [scheduled.get(String(f.scheduledEventId))] : [];
    });
    expect(failed).toEqual(['recordNoticeLog']); // after its attempts within five minutes
    expect(await notices.collection.countDocuments()).toBe(1); // the ordered write stopped at the second entry
  });
}, 120_000);

function notice(lines: number): Notice {
  return sampleNotice({ offline: lines });
}

test('an entry from a notice: its lines in the digest\'s wording and order, its hosts once each, `more` for lines beyond those kept', () => {
  // The RESOLVED line is web-1's too; the run had more lines than the notice kept.
  const n = { ...conditionNotice({ name: 'web-1' }), offlineTotal: 10, recoveryTotal: 3 };
  const entry = noticeLogEntry({ destination: { key: 'team', label: 'team (slack)', kind: 'slack' }, notice: n, accepted: false, error: 'team (slack): answered HTTP 404' });
  expect(entry.lines.map((l) => l.text)).toEqual([...CONDITION_LINES.slice(0, 5), CONDITION_LINES[5]!.replace('web-3', 'web-1')]);
  expect(entry.lines.map((l) => `${l.kind} ${l.host}`)).toEqual(['offline web-1', 'metric web-2', 'metric app-1', 'reboot db-2', 'recovered db-1', 'resolved web-1']);
  expect(entry.hosts).toEqual(['web-1', 'web-2', 'app-1', 'db-2', 'db-1']);
  expect(entry.more).toBe(13 - 6);
  expect(entry).toMatchObject({ id: n.id, run: n.run, checkTime: new Date(n.checkTime), destination: { key: 'team', label: 'team (slack)', kind: 'slack' }, accepted: false, error: 'team (slack): answered HTTP 404' });
  expect(noticeLogEntry({ destination: entry.destination, notice: n, accepted: true })).not.toHaveProperty('error');
});

test('log writes group whole notices up to the line budget; a notice over it goes alone', () => {
  const tried = (lines: number): TriedNotice => ({ destination: { key: 'k', label: 'k', kind: 'mailto' }, notice: notice(lines), accepted: true });
  const sizes = (chunks: TriedNotice[][]) => chunks.map((c) => c.map((t) => t.notice.offline.length));
  expect(sizes(noticeLogChunks([tried(200), tried(200), tried(200), tried(200), tried(200), tried(200)]))).toEqual([[200, 200, 200, 200, 200], [200]]);
  expect(sizes(noticeLogChunks([tried(3), tried(8), tried(2)], 10))).toEqual([[3], [8, 2]]);
  expect(sizes(noticeLogChunks([tried(30), tried(1)], 10))).toEqual([[30], [1]]);
  expect(noticeLogChunks([])).toEqual([]);
});

test('a history recorded with the notification log (npm run record-history) replays: one digest, one state write, one log write', async () => {
  quietRuntime();
  const history = JSON.parse(readFileSync(new URL('../fixtures/check-host-status.notices.history.json', import.meta.url), 'utf8')) as {
    events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
  };
  expect(history.events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? [])).toEqual([
    'resolveDestinations',
    'loadRules',
    'loadHostsPage',
    'deliverNotice',
    'recordAlertState',
    'recordNoticeLog',
  ]);
  expect(history.events.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history)).resolves.toBeUndefined();
});
