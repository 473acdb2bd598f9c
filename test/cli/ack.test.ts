/** `hostwatch hosts ack` as a real process against a fresh FerretDB database; `hosts list --json` shows the ack. */
import { hostname, userInfo } from 'node:os';
import { beforeAll, expect, test } from 'vitest';
import type { HostStore } from '../../src/store/hosts-store.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';
import { addReportedHost, freshStore } from '../support/db.js';

let hosts: HostStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  hosts = store.hosts;
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: 'UTC' };
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['hosts', ...args], env);
const snapshot = async () => JSON.stringify(await hosts.collection.find({}).sort({ name: 1 }).toArray());

test('ack an offline host: by cli (<user>@<hostname>) by default; again keeps the first; list --json shows acked', async () => {
  const last = Date.now() - 10 * 60_000;
  await addReportedHost(hosts, 'web-1', last);
  const out = ok(await cli('ack', 'web-1'));
  expect(out).toMatch(/^acknowledged host "web-1" offline \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00\): no further notices until it ends; its end is still sent\n$/);
  const by = `cli (${userInfo().username}@${hostname()})`;
  expect(ok(await cli('ack', 'web-1', '--condition', 'offline', '--by', 'someone else'))).toMatch(new RegExp(`^host "web-1" offline \\(since .*\\) was already acknowledged by ${by.replace(/[().]/g, '\\$&')} at `));

  const [listed] = JSON.parse(ok(await cli('list', '--json'))) as { alerts: { condition: string; start: string; acked?: { at: string; by: string } }[] }[];
  expect(listed!.alerts).toEqual([{ condition: 'offline', start: new Date(last).toISOString(), sent: {}, acked: { at: expect.stringMatching(/^\d{4}-.*Z$/), by } }]);

  const table = ok(await cli('list')).split('\n');
  const column = table[0]!.indexOf('ALERT STEP');
  expect(table.find((l) => l.startsWith('web-1 '))!.slice(column).split('  ')[0]).toBe('acked');

  const json = JSON.parse(ok(await cli('ack', 'web-1', '--json'))) as { host: string; acknowledged: { already: boolean }[] };
  expect(json).toMatchObject({ host: 'web-1', acknowledged: [{ condition: 'offline', already: true, ack: { by } }] });
});

test('refusals exit 2 naming the problem, and nothing changes', async () => {
  await addReportedHost(hosts, 'ok-1', Date.now());
  const before = await snapshot();
  usage(await cli('ack', 'nope'), 'no host named "nope"');
  usage(await cli('ack', 'ok-1', '--condition', 'disk'), 'host "ok-1" has no active condition "disk"');
  usage(await cli('ack', 'ok-1'), 'host "ok-1" has no active condition');
  usage(await cli('ack', 'ok-1', '--by', ''), 'by must be 1 to 200 characters without control characters');
  const missing = await cli('ack');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("missing required argument 'name'");
  expect(await snapshot()).toBe(before);
});

test('--help explains it', async () => {
  const help = ok(await cli('ack', '--help'));
  expect(help).toContain('Usage: hostwatch hosts ack [options] <name>');
  expect(help).toContain('--condition <condition>');
  expect(help).toContain('--by <text>');
  expect(help).toContain('hostwatch hosts ack web-1 --condition offline');
  expect(ok(await cli('--help'))).toMatch(/\n {2}ack \[options\] <name> +acknowledge what a host is alerting for/);
});
