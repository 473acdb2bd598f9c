/**
 * End to end on the Temporal dev server: a real worker (FerretDB + SMTP), schedules created with hostwatch's
 * CLI and with the `temporal` CLI, triggered, and the digest read back from the SMTP server.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { loopback, type Loopback } from '../channels/support.js';
import { hostwatchCli, temporalCli } from '../support/cli.js';
import { addReportedHost, freshStore } from '../support/db.js';
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

async function setup(prefix: string): Promise<{ hosts: HostStore; taskQueue: string; cliEnv: Record<string, string>; dbEnv: Record<string, string>; worker: () => Promise<Worker> }> {
  const { hosts, dbName, uri } = await freshStore();
  const taskQueue = uniqueTaskQueue(prefix);
  return {
    hosts,
    taskQueue,
    dbEnv: { MONGODB_URI: uri, MONGODB_DB: dbName },
    cliEnv: { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue },
    // Created only by tests that run it: an unrun worker keeps the shared connection from closing.
    worker: () => hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url, timezone: 'Europe/Berlin' }),
  };
}

test('hostwatch schedule create + trigger: the check runs on the dev server and the digest arrives', async () => {
  const { hosts, worker, taskQueue, cliEnv, dbEnv } = await setup('e2e-cli');
  const id = `sched-${taskQueue}`;
  await addReportedHost(hosts, 'api-1', Date.now() - 12 * MIN);
  catcher.messages.length = 0;

  await (await worker()).runUntil(async () => {
    // An hourly interval, so the test's own trigger is what runs the check.
    // A channel added with the CLI, pointing at a loopback webhook receiver, beside two addresses.
    const added = await hostwatchCli(['channels', 'add', 'team', `webhook+${receiver.base}/hook?secret=e2e-signing-secret`], { ...cliEnv, ...dbEnv });
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).not.toContain('e2e-signing-secret');
    const created = await hostwatchCli(['schedule', 'create', '--id', id, '--recipients', 'ops@example.com,dev@example.com', '--channels', 'team', '--steps', '1,10,60', '--every', '1h'], cliEnv);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created schedule "${id}": every 3600s`);

    const again = await hostwatchCli(['schedule', 'create', '--id', id, '--recipients', 'ops@example.com'], cliEnv);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`hostwatch: schedule "${id}" already exists; change it with "schedule update" or remove it with "schedule delete"\n`);

    const described = await env.client.schedule.getHandle(id).describe();
    expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 60_000 });
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'checkHostStatus', taskQueue });

    expect((await hostwatchCli(['schedule', 'trigger', '--id', id], cliEnv)).code).toBe(0);
    const mails = await catcher.waitFor(2, 30_000);
    for (const mail of mails) {
      expect(mail.subject).toMatch(/^\[hostwatch\] 1 host offline at .* [+-]\d\d:\d\d \(Europe\/Berlin\)$/);
      expect(mail.text).toMatch(/OFFLINE {2}api-1: offline 12 minutes, last report /);
    }
    // One message per address: each is a destination of its own.
    expect(mails.map((m) => m.envelopeTo).sort()).toEqual([['dev@example.com'], ['ops@example.com']]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.json).toMatchObject({ version: 1, counts: { offline: 1, recovered: 0 }, lines: [{ kind: 'offline', host: 'api-1', step: 10 }] });

    // The run's summary is its result, as the Web UI shows it.
    const run = (await env.client.schedule.getHandle(id).describe()).info.recentActions.at(-1)!;
    const workflowId = run.action.type === 'startWorkflow' ? run.action.workflow.workflowId : '';
    const summary = await env.client.workflow.getHandle(workflowId).result();
    expect(summary).toMatchObject({ message: 'Sent to 3 of 3 destinations: 1 notice, 0 recoveries', notices: 1, hostsOffline: 1, timezone: 'Europe/Berlin', quietHours: false });
    // The run's history names the channel, never its URL or secret.
    expect(JSON.stringify(await env.client.workflow.getHandle(workflowId).fetchHistory())).not.toMatch(/e2e-signing-secret|\/hook/);

    const update = await hostwatchCli(['schedule', 'update', '--id', id, '--ignore-hours', '1,2,3'], cliEnv);
    expect(update.code).toBe(0);
    const text = await hostwatchCli(['schedule', 'describe', '--id', id], cliEnv);
    expect(text.stdout).toContain('"ignoreHours":[1,2,3]');
    expect(text.stdout).toContain('"recipients":["ops@example.com","dev@example.com"]');
    expect(text.stdout).toMatch(/runs so far: {2}1 /);

    expect((await hostwatchCli(['schedule', 'pause', '--id', id, '--note', 'maintenance'], cliEnv)).code).toBe(0);
    expect((await hostwatchCli(['schedule', 'describe', '--id', id], cliEnv)).stdout).toContain('state:        paused (maintenance)');
    expect((await hostwatchCli(['schedule', 'unpause', '--id', id], cliEnv)).code).toBe(0);
    expect((await hostwatchCli(['schedule', 'delete', '--id', id], cliEnv)).stdout).toBe(`deleted schedule "${id}"\n`);
    const gone = await hostwatchCli(['schedule', 'describe', '--id', id], cliEnv);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`no schedule "${id}"`);
  });
});

test('bad CLI input is refused before anything is created, naming the flag', async () => {
  const { taskQueue, cliEnv } = await setup('e2e-bad');
  const id = `bad-${taskQueue}`;
  const bad = await hostwatchCli(['schedule', 'create', '--id', id, '--recipients', 'ops@example.com', '--ignore-hours', '25'], cliEnv);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('hostwatch: --ignore-hours: invalid check input: ignoreHours[0] must be an hour from 0 to 23, got 25\n');
  expect((await hostwatchCli(['schedule', 'describe', '--id', id], cliEnv)).code).toBe(2);
  const unreachable = await hostwatchCli(['schedule', 'describe'], { ...cliEnv, TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(unreachable.code).toBe(2);
  expect(unreachable.stderr).toMatch(/^hostwatch: cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\)/);
});

test('a schedule made with `temporal schedule create` runs the same check', async () => {
  const { hosts, worker, taskQueue } = await setup('e2e-temporal');
  const id = `tcli-${taskQueue}`;
  await addReportedHost(hosts, 'db-1', Date.now() - 65 * MIN);
  await new ChannelStore(hosts.collection.db).add('oncall', 'mailto:oncall@example.com');
  catcher.messages.length = 0;
  const address = ['--address', inject('devServerAddress'), '--namespace', 'default'];

  await (await worker()).runUntil(async () => {
    const created = await temporalCli([
      'schedule', 'create', ...address,
      '--schedule-id', id,
      '--interval', '1h',
      '--overlap-policy', 'Skip',
      '--catchup-window', '1m',
      '--workflow-id', id,
      '--task-queue', taskQueue,
      '--type', 'checkHostStatus',
      // The README's form: channels by name (one from step 60 on) beside recipients.
      '--input', '{"channels": [{"name": "oncall", "fromStep": 60}], "recipients": ["ops@example.com"], "timezone": "UTC"}',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect((await temporalCli(['schedule', 'trigger', ...address, '--schedule-id', id])).code).toBe(0);
    const mails = await catcher.waitFor(2, 30_000);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['oncall@example.com', 'ops@example.com']);
    for (const mail of mails) {
      expect(mail.subject).toMatch(/^\[hostwatch\] 1 host offline at .* \+00:00 \(UTC\)$/);
      expect(mail.text).toMatch(/OFFLINE {2}db-1: offline 65 minutes/);
    }
    expect((await temporalCli(['schedule', 'delete', ...address, '--schedule-id', id])).code).toBe(0);
  });
});
