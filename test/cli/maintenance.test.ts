/** `hostwatch maintenance add|list|remove` as real processes against a fresh FerretDB database. */
import { beforeAll, expect, test } from 'vitest';
import { windowInput, type AddFlags } from '../../src/cli/maintenance.js';
import type { MaintenanceView } from '../../src/ops/maintenance.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';
import { freshStore } from '../support/db.js';

let hosts: HostStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  hosts = store.hosts;
  await hosts.add('db-1');
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: 'Europe/Berlin' };
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['maintenance', ...args], env);

test('add (one-off, weekly, cron), list as a table and JSON, remove', async () => {
  expect(ok(await cli('add', 'db-upgrade', '--host', 'db-1', '--from', '2099-12-24T22:00', '--to', '2099-12-25T02:00', '--reason', 'PostgreSQL 18'))).toBe(
    'added maintenance window "db-upgrade" (once): 2099-12-24 22:00 +01:00 to 2099-12-25 02:00 +01:00 in Europe/Berlin, holds db-1; next 2099-12-24 22:00 +01:00 to 2099-12-25 02:00 +01:00\n',
  );
  expect(ok(await cli('add', 'nightly', '--tag', 'Backup', '--days', 'mon,fri', '--between', '23:30-00:30', '--timezone', 'America/New_York'))).toMatch(
    /^added maintenance window "nightly" \(weekly\): mon,fri 23:30-00:30 \(next day\) in America\/New_York, holds tag:backup; (next|active now until) \d{4}-\d\d-\d\d \d\d:\d\d -0[45]:00/,
  );
  ok(await cli('add', 'patch-sunday', '--tag', 'prod', '--host', 'db-1', '--cron', '0 2 * * 0', '--duration', '2h'));

  const table = ok(await cli('list')).split('\n');
  expect(table[0]).toMatch(/^NAME\s+KIND\s+WHEN\s+TIME ZONE\s+HOSTS\s+NOW\s+NEXT\s+REASON$/);
  expect(table[1]).toMatch(/^db-upgrade\s+once\s+2099-12-24 22:00 \+01:00 to 2099-12-25 02:00 \+01:00\s+Europe\/Berlin\s+db-1\s+-\s+2099-12-24 22:00 \+01:00 to 2099-12-25 02:00 \+01:00\s+PostgreSQL 18$/);
  expect(table[3]).toMatch(/^patch-sunday\s+cron\s+cron "0 2 \* \* 0" for 120 min\s+Europe\/Berlin\s+db-1,tag:prod\s+(-|active until \S+ \S+ \S+)\s+\d{4}-\d\d-\d\d \d\d:\d\d \+0[12]:00 to \d{4}-\d\d-\d\d \d\d:\d\d \+0[12]:00\s+-$/);
  const json = JSON.parse(ok(await cli('list', '--json'))) as MaintenanceView[];
  expect(json.map((w) => w.name)).toEqual(['db-upgrade', 'nightly', 'patch-sunday']);
  expect(json[0]).toMatchObject({ kind: 'once', hosts: ['db-1'], tags: [], from: '2099-12-24T21:00:00.000Z', to: '2099-12-25T01:00:00.000Z', active: null, next: { from: '2099-12-24T21:00:00.000Z' } });
  expect(json[2]).toMatchObject({ kind: 'cron', cron: '0 2 * * 0', durationMinutes: 120, timezone: 'Europe/Berlin' });

  expect(ok(await cli('remove', 'nightly'))).toBe('removed maintenance window "nightly"\n');
  usage(await cli('remove', 'nightly'), 'no maintenance window "nightly" (see "hostwatch maintenance list")');
  expect((await hosts.maintenance.list()).map((w) => w.name)).toEqual(['db-upgrade', 'patch-sunday']);
});

test('bad input: exit 2 naming the flag, nothing written', async () => {
  const before = await hosts.maintenance.collection.countDocuments({});
  usage(await cli('add', 'w1', '--from', '2099-01-01T00:00', '--to', '2099-01-02T00:00'), '--host or --tag is required (the hosts the window holds)');
  usage(await cli('add', 'w1', '--tag', 'prod', '--days', 'mon,tue,xmas', '--between', '22:00-23:00'), '--days: days[2] must be one of sun, mon, tue, wed, thu, fri, sat, got "xmas"');
  usage(await cli('add', 'w1', '--tag', 'prod', '--cron', '0 2 * *', '--duration', '1h'), '--cron: cron "0 2 * *": needs 5 fields (minute hour day-of-month month day-of-week), got 4');
  usage(await cli('add', 'w1', '--host', 'db-1', '--host', 'nosuch-1', '--cron', '0 2 * * *', '--duration', '1h'), '--host: no host named "nosuch-1" (see "hostwatch hosts list")');
  usage(await cli('add', 'db-upgrade', '--tag', 'prod', '--cron', '0 2 * * *', '--duration', '1h'), 'a maintenance window named "db-upgrade" already exists');
  const bad = await cli('add', 'w1', '--tag', 'prod', '--cron', '0 2 * * *', '--duration', '1h', '--bogus');
  expect(bad.code).toBe(2);
  expect(await hosts.maintenance.collection.countDocuments({})).toBe(before);
});

test('flag combinations and flag-named refusals (in process: the same code the command runs first)', async () => {
  const refused = async (fn: () => unknown): Promise<string> => {
    try {
      await fn();
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
    return 'accepted';
  };
  const input = (flags: AddFlags) => () => windowInput('w1', { tag: ['prod'], ...flags });
  expect(await refused(input({}))).toBe('UsageError: a window needs a time: give one of --from/--to (one-off), --days/--between (weekly) or --cron/--duration (recurring by cron)');
  expect(await refused(input({ from: '2099-01-01T00:00', cron: '0 2 * * *' }))).toBe('UsageError: --from and --cron: give one of --from/--to (one-off), --days/--between (weekly) or --cron/--duration (recurring by cron), not several');
  expect(await refused(input({ from: '2099-01-01T00:00' }))).toBe('UsageError: --to is required with --from');
  expect(await refused(input({ between: '22:00-23:00' }))).toBe('UsageError: --days is required with --between');
  expect(await refused(input({ days: 'mon', between: '22' }))).toBe('UsageError: --between must be two local times HH:MM-HH:MM, e.g. 22:00-23:30, got "22"');
  expect(await refused(input({ cron: '0 2 * * *', duration: '90s' }))).toBe('UsageError: --duration must be whole minutes, got "90s"');
  expect(await refused(input({ cron: '0 2 * * *', duration: 'soon' }))).toBe('UsageError: --duration must be a positive duration like 30s, 1m, 2h or 1d, got "soon"');
  expect(input({ days: 'mon, fri', between: '22:00 - 02:00', timezone: 'UTC', reason: 'r' })()).toEqual({ name: 'w1', hosts: [], tags: ['prod'], timezone: 'UTC', reason: 'r', kind: 'weekly', days: ['mon', 'fri'], start: '22:00', end: '02:00' });
  expect(input({ cron: '0 2 * * *', duration: '2h' })()).toMatchObject({ kind: 'cron', cron: '0 2 * * *', durationMinutes: 120 });
});

test('--help on each command', async () => {
  const help = ok(await cli('add', '--help'));
  for (const flag of ['--host', '--tag', '--from', '--to', '--days', '--between', '--cron', '--duration', '--timezone', '--reason']) expect(help).toContain(flag);
  expect(help).toContain('hostwatch maintenance add patch-sunday --tag prod --cron "0 2 * * 0" --duration 2h');
  expect(ok(await cli('list', '--help'))).toContain('--json');
  expect(ok(await cli('remove', '--help'))).toContain('<name>');
});
