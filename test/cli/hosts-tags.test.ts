/** `hostwatch hosts add --tag`, `hosts tag|untag` and `hosts list --tag` as real processes against a fresh FerretDB database. */
import { beforeAll, expect, test } from 'vitest';
import type { HostStore } from '../../src/store/hosts-store.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';
import { freshStore } from '../support/db.js';

let hosts: HostStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  hosts = store.hosts;
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: 'UTC' };
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['hosts', ...args], env);

/** The whole collection as it is stored, for "nothing changed" assertions. */
const snapshot = async () => JSON.stringify(await hosts.collection.find({}).sort({ name: 1 }).toArray());
const tagsOf = async (name: string) => (await hosts.byName(name)).tags;

test('add --tag stores the tags normalized and sorted; tag and untag round-trip; list --tag filters', async () => {
  expect(ok(await cli('add', 'web-1', '--tag', 'prod', '--tag', 'EU'))).toMatch(/^added host "web-1" \(tags eu,prod\)\n {2}key: {4}hk_/);
  expect(await tagsOf('web-1')).toEqual(['eu', 'prod']);
  ok(await cli('add', 'lab-1', '--tag', 'lab', '--no-alarm'));
  ok(await cli('add', 'bare-1'));
  expect(await tagsOf('bare-1')).toBeUndefined();

  expect(ok(await cli('tag', 'web-1', 'db', 'prod', 'Zone:a'))).toBe('host "web-1" tags: db,eu,prod,zone:a\n');
  expect(await tagsOf('web-1')).toEqual(['db', 'eu', 'prod', 'zone:a']);
  expect(ok(await cli('untag', 'web-1', 'db', 'zone:a', 'never-had'))).toBe('host "web-1" tags: eu,prod\n');
  expect(await tagsOf('web-1')).toEqual(['eu', 'prod']);
  // The last tag gone: no field at all (hosts without tags stay out of the tags index's matches).
  expect(ok(await cli('untag', 'lab-1', 'lab'))).toBe('host "lab-1" tags: (none)\n');
  expect((await hosts.collection.findOne({ name: 'lab-1' }))!).not.toHaveProperty('tags');
  ok(await cli('tag', 'lab-1', 'lab'));

  const json = JSON.parse(ok(await cli('list', '--json'))) as { name: string; tags: string[] }[];
  expect(json.map((h) => [h.name, h.tags])).toEqual([
    ['bare-1', []],
    ['lab-1', ['lab']],
    ['web-1', ['eu', 'prod']],
  ]);
  const table = ok(await cli('list')).split('\n');
  expect(table[0]).toMatch(/ ALARM {2}TAGS +CONDITIONS$/);
  const column = table[0]!.indexOf('TAGS');
  const tagsCell = (name: string) => table.find((l) => l.startsWith(`${name} `))!.slice(column).split(' ')[0];
  expect(tagsCell('web-1')).toBe('eu,prod');
  expect(tagsCell('lab-1')).toBe('lab');
  expect(tagsCell('bare-1')).toBe('-');

  const only = (out: string) => (JSON.parse(out) as { name: string }[]).map((h) => h.name);
  expect(only(ok(await cli('list', '--json', '--tag', 'prod')))).toEqual(['web-1']);
  expect(only(ok(await cli('list', '--json', '--tag', 'LAB', '--tag', 'prod')))).toEqual(['lab-1', 'web-1']);
  expect(only(ok(await cli('list', '--json', '--tag', 'nobody')))).toEqual([]);
  expect(ok(await cli('list', '--tag', 'lab')).split('\n').filter((l) => l !== '').map((l) => l.split(' ')[0])).toEqual(['NAME', 'lab-1']);
});

test('bad tags are refused with exit 2 naming the tag, and nothing changes; an unknown host is refused like elsewhere', async () => {
  if (!(await hosts.collection.findOne({ name: 'keep-1' }))) ok(await cli('add', 'keep-1', '--tag', 'prod'));
  const before = await snapshot();
  usage(await cli('tag', 'keep-1', 'ok', 'bad tag'), 'invalid tag "bad tag": use 1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit');
  usage(await cli('untag', 'keep-1', '--', '-x'), 'invalid tag "-x": use 1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit');
  usage(await cli('add', 'new-1', '--tag', 'prod', '--tag', 'a/b'), 'invalid tag "a/b": use 1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit');
  usage(await cli('list', '--tag', 'x y'), 'invalid tag "x y": use 1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit');
  const many = Array.from({ length: 32 }, (_, i) => `t${i}`);
  usage(await cli('tag', 'keep-1', ...many), 'invalid tag "t0": host "keep-1" would carry 33 tags, at most 32');
  usage(await cli('add', 'new-2', ...many.flatMap((t) => ['--tag', t]), '--tag', 'x'), 'invalid tag "x": a host carries at most 32 tags');
  usage(await cli('tag', 'ghost', 'prod'), 'no host named "ghost"');
  usage(await cli('untag', 'ghost', 'prod'), 'no host named "ghost"');
  const missing = await cli('tag', 'keep-1');
  expect(missing.code).not.toBe(0); // commander's own refusal, as for every hosts command
  expect(missing.stderr).toContain("missing required argument 'tags'");
  expect(await snapshot()).toBe(before);
});

test('tag and untag have --help', async () => {
  for (const verb of ['tag', 'untag']) {
    const help = ok(await cli(verb, '--help'));
    expect(help).toContain(`Usage: hostwatch hosts ${verb} [options] <name> <tags...>`);
    expect(help).toContain(`hostwatch hosts ${verb} web-1 prod eu`);
  }
  expect(ok(await cli('add', '--help'))).toContain('--tag <tag>');
  expect(ok(await cli('list', '--help'))).toContain('--tag <tag>');
});
