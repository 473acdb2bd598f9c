/**
 * `hostwatch hosts grace`, `hostwatch tags grace|list` and the grace and clock notes of `hosts list`, as real
 * processes against a fresh FerretDB database (issue 14 point 4).
 */
import { beforeAll, expect, test } from 'vitest';
import type { HostStore } from '../../src/store/hosts-store.js';
import { expectOk as ok, expectUsage as usage, hostwatchCli, type CliResult } from '../support/cli.js';
import { addReportedHost, freshStore } from '../support/db.js';

let hosts: HostStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  hosts = store.hosts;
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: 'UTC' };
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(args, env);
const snapshot = async () => JSON.stringify([await hosts.collection.find({}).sort({ name: 1 }).toArray(), await hosts.tagSettings.collection.find({}).toArray()]);

test('hosts grace and tags grace set and clear; tags list and hosts list show them, with a clock ahead', async () => {
  const at = Date.now() - 5_000;
  await addReportedHost(hosts, 'flaky-1', at);
  await addReportedHost(hosts, 'edge-1', at);
  await hosts.addTags('edge-1', ['flaky', 'eu']);
  await hosts.addTags('flaky-1', ['flaky']);
  // A report whose clock was 45 s ahead of the server's.
  const edge = await hosts.byName('edge-1');
  await hosts.recordReport(edge._id.toHexString(), { hostname: 'edge-1', time: new Date(at + 45_000).toISOString() }, new Date(at));

  expect(ok(await cli('hosts', 'grace', 'flaky-1', '15m'))).toBe('host "flaky-1" grace 15 min: offline only once silent longer than its reporting interval plus this\n');
  expect((await hosts.byName('flaky-1')).grace).toBe(900);
  expect(ok(await cli('tags', 'grace', 'FLAKY', '20m'))).toBe('tag "flaky" grace 20 min\n');
  expect(ok(await cli('tags', 'grace', 'spare', '0'))).toBe('tag "spare" grace 0 s\n');

  expect(ok(await cli('tags', 'list'))).toBe(['TAG    HOSTS  GRACE', 'eu     1      -', 'flaky  2      20 min', 'spare  0      0 s', ''].join('\n'));
  expect(JSON.parse(ok(await cli('tags', 'list', '--json')))).toEqual([
    { tag: 'eu', hosts: 1, grace: null },
    { tag: 'flaky', hosts: 2, grace: 1200 },
    { tag: 'spare', hosts: 0, grace: 0 },
  ]);

  const list = ok(await cli('hosts', 'list'));
  expect(list.slice(list.indexOf('\n\nnotes:'))).toBe('\n\nnotes:\n  edge-1: grace 20 min (tag flaky); clock 45 s ahead of the server at its last report\n  flaky-1: grace 15 min\n');
  const json = JSON.parse(ok(await cli('hosts', 'list', '--json'))) as { name: string; grace: unknown; clockAheadMs: unknown }[];
  expect(json.map((h) => [h.name, h.grace, h.clockAheadMs])).toEqual([
    ['edge-1', { seconds: 1200, from: 'tag flaky' }, 45_000],
    ['flaky-1', { seconds: 900, from: 'host' }, null],
  ]);

  expect(ok(await cli('hosts', 'grace', 'flaky-1', 'off'))).toBe('cleared the grace of host "flaky-1" (its tags\' grace, or the check\'s, applies)\n');
  expect(ok(await cli('tags', 'grace', 'spare', 'off'))).toBe('cleared the grace of tag "spare"\n');
  expect(ok(await cli('tags', 'grace', 'spare', 'off'))).toBe('tag "spare" had no grace\n');
  expect(JSON.parse(ok(await cli('hosts', 'list', '--json'))).find((h: { name: string }) => h.name === 'flaky-1').grace).toEqual({ seconds: 1200, from: 'tag flaky' });
}, 120_000);

test('refusals exit 2 naming the field, and change nothing; --help on each command', async () => {
  if (!(await hosts.collection.findOne({ name: 'keep-1' }))) await hosts.add('keep-1');
  const before = await snapshot();
  usage(await cli('hosts', 'grace', 'keep-1', '2d'), 'grace must be at most 1d, got "2d"');
  usage(await cli('hosts', 'grace', 'keep-1', 'soon'), 'grace must be a duration from 0s to 1d like 90s, 15m or 2h, or "off", got "soon"');
  usage(await cli('hosts', 'grace', 'nope-1', '5m'), 'no host named "nope-1"');
  usage(await cli('tags', 'grace', 'a b', '5m'), 'invalid tag "a b": use 1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit');
  expect(await snapshot()).toBe(before);
  for (const args of [['hosts', 'grace'], ['tags', 'grace'], ['tags', 'list']]) {
    const help = await cli(...args, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hostwatch /);
  }
}, 120_000);
