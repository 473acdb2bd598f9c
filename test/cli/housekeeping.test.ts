/**
 * `hostwatch housekeeping` as a process: help, the hourly schedule created and updated on the Temporal dev server,
 * `schedule create` creating it too, and `housekeeping run` against a real worker on FerretDB.
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HOUR_MS, MINUTE_MS } from '../../src/history/metric-rollup.js';
import { MetricHistoryStore } from '../../src/store/metric-history.js';
import { hostwatchCli } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { devServerEnv, hostwatchWorker, uniqueTaskQueue } from '../support/temporal.js';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('housekeeping --help and run --help name the commands and options; bad options exit 2', async () => {
  const help = await hostwatchCli(['housekeeping', '--help'], {});
  expect(help.code).toBe(0);
  for (const word of ['schedule', 'run', 'delete', 'hostwatch-housekeeping']) expect(help.stdout).toContain(word);
  const run = await hostwatchCli(['housekeeping', 'run', '--help'], {});
  expect(run.code).toBe(0);
  for (const word of ['--json', '--batch <n>', '--page-size <n>']) expect(run.stdout).toContain(word);
  const schedule = await hostwatchCli(['housekeeping', 'schedule', '--help'], {});
  expect(schedule.stdout).toContain('HISTORY_*_DAYS');
  const bad = await hostwatchCli(['housekeeping', 'run', '--batch', '0'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(bad).toMatchObject({ code: 2, stderr: 'hostwatch: --batch must be a whole number from 1 to 5000, got "0"\n' });
  expect((await hostwatchCli(['schedule', 'create', '--help'], {})).stdout).toContain('--no-housekeeping');
});

test('housekeeping schedule creates an hourly schedule of the housekeeping workflow, and updates it when run again', async () => {
  const taskQueue = uniqueTaskQueue('hk-cli');
  const id = `hk-${taskQueue}`;
  const cliEnv = { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue };
  const created = await hostwatchCli(['housekeeping', 'schedule', '--id', id], cliEnv);
  expect(created).toMatchObject({ code: 0, stderr: '', stdout: `created schedule "${id}": every 3600s, task queue "${taskQueue}", workflow housekeeping\n` });
  const d = await env.client.schedule.getHandle(id).describe();
  expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'housekeeping', taskQueue, workflowId: id });
  expect(d.spec.intervals?.[0]?.every).toBe(3_600_000);
  expect(d.policies).toMatchObject({ overlap: 'SKIP' });

  const updated = await hostwatchCli(['housekeeping', 'schedule', '--id', id, '--every', '30m'], cliEnv);
  expect(updated).toMatchObject({ code: 0, stdout: `updated schedule "${id}": every 1800s, task queue "${taskQueue}", workflow housekeeping\n` });
  expect((await env.client.schedule.getHandle(id).describe()).spec.intervals?.[0]?.every).toBe(1_800_000);

  expect(await hostwatchCli(['housekeeping', 'delete', '--id', id], cliEnv)).toMatchObject({ code: 0, stdout: `deleted schedule "${id}"\n` });
  expect(await hostwatchCli(['housekeeping', 'delete', '--id', id], cliEnv)).toMatchObject({ code: 2, stderr: `hostwatch: no schedule "${id}" (create it with "housekeeping schedule")\n` });
});

test('schedule create also makes sure "hostwatch-housekeeping" exists, unless --no-housekeeping', async () => {
  const taskQueue = uniqueTaskQueue('hk-check');
  const cliEnv = { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue };
  const without = await hostwatchCli(['schedule', 'create', '--id', `c1-${taskQueue}`, '--recipients', 'ops@example.com', '--every', '1h', '--no-housekeeping'], cliEnv);
  expect(without.code).toBe(0);
  expect(without.stdout).not.toContain('housekeeping');
  const withIt = await hostwatchCli(['schedule', 'create', '--id', `c2-${taskQueue}`, '--recipients', 'ops@example.com', '--every', '1h'], cliEnv);
  expect(withIt.code).toBe(0);
  // another test file may have created it first on the shared dev server: then it is left as it is
  expect(withIt.stdout).toMatch(/(created housekeeping schedule "hostwatch-housekeeping" \(hourly metric rollups and history retention\)|housekeeping schedule "hostwatch-housekeeping" already exists; left as it is)\n$/);
  expect((await env.client.schedule.getHandle('hostwatch-housekeeping').describe()).action).toMatchObject({ workflowType: 'housekeeping' });
  for (const id of [`c1-${taskQueue}`, `c2-${taskQueue}`]) await env.client.schedule.getHandle(id).delete();
});

test('housekeeping run: runs once on the worker and prints what it did', async () => {
  const { hosts, mongo, dbName, uri } = await freshStore();
  const taskQueue = uniqueTaskQueue('hk-run');
  const { id } = await hosts.add('hk-run-1');
  const history = new MetricHistoryStore(mongo.db);
  // two whole hours of points that end an hour before this one, so an hour boundary passing during the test adds
  // no hour with data to the second run
  const thisHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  for (let t = thisHour - 3 * HOUR_MS; t < thisHour - HOUR_MS; t += 10 * MINUTE_MS) await history.recordPoint(id, { cpu: 5 }, new Date(t));
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: 'smtp://127.0.0.1:9' });
  await worker.runUntil(async () => {
    const cliEnv = { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue, MONGODB_URI: uri, MONGODB_DB: dbName };
    const out = await hostwatchCli(['housekeeping', 'run'], cliEnv);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Rolled up 2 host-hours of 1 hosts; deleted nothing');
    expect(lines).toContain('retention:  minute 1 d, 10-minute 7 d, hourly 90 d, outages 400 d, notices 90 d');
    expect(lines.some((l) => /^hosts: {6}1 \(2 host-hours rolled up, \d+ bucket writes\); metric history swept$/.test(l))).toBe(true);
    const json = await hostwatchCli(['housekeeping', 'run', '--json'], cliEnv);
    expect(JSON.parse(json.stdout)).toMatchObject({ hosts: 1, hoursRolled: 0, deleted: { m: 0, t: 0, h: 0, swept: 0, outages: 0, notices: 0 } });
  });
  await mongo.db.dropDatabase();
  await mongo.close();
});
