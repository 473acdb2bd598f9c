/** `hostwatch rules ...` as real processes against a fresh FerretDB database. */
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { MongoHandle } from '../../src/store/mongo.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';
import { freshStore } from '../support/db.js';

/** About 1.5 s per CLI process on an idle machine; these tests start a dozen or more, one after another. */
const SLOW = 180_000;

let mongo: MongoHandle;
let rules: RuleStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  mongo = store.mongo;
  rules = new RuleStore(mongo.db);
  await rules.ensureIndexes();
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName };
});

afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['rules', ...args], env);

/** Every stored document, bookkeeping included: a refusal must leave all of it as it was. */
const snapshot = () => rules.collection.find({}).sort({ name: 1 }).toArray();

/** Runs each refused command, one at a time, and checks its message and that the collection did not change. */
async function refusals(cases: readonly (readonly [args: string[], message: string])[]): Promise<void> {
  const before = await snapshot();
  for (const [args, message] of cases) {
    const r = await cli(...args);
    expect({ args, stderr: r.stderr }).toEqual({ args, stderr: `hostwatch: ${message}\n` });
    usage(r, message);
  }
  expect(await snapshot()).toEqual(before);
}

async function clearRules(): Promise<void> {
  await rules.collection.deleteMany({});
}

test('add, list (table and --json), update and remove', async () => {
  await clearRules();
  expect(ok(await cli('add', 'disk-full', '--metric', 'disk', '--above', '90', '--clear', '85'))).toBe(
    'added rule "disk-full": disk above 90 %, clears at 85 %; steps 5,60,240,1440 min; every host\n',
  );
  expect(ok(await cli('add', 'busy', '--metric', 'load5', '--per-cpu', '--above', '2.5', '--steps', '10, 60', '--host', 'web-1', '--host', 'web-2'))).toBe(
    'added rule "busy": load5 per CPU above 2.5; steps 10,60 min; hosts web-1,web-2\n',
  );
  expect(ok(await cli('add', 'cold', '--metric', 'data.sensors.temperature', '--below', '-5'))).toBe(
    'added rule "cold": data.sensors.temperature below -5; steps 5,60,240,1440 min; every host\n',
  );
  expect(ok(await cli('add', 'rebooted', '--metric', 'reboot'))).toBe('added rule "rebooted": reboot (uptime went backwards); told once per destination; every host\n');

  const disk = await rules.collection.findOne({ name: 'disk-full' });
  expect(disk).toMatchObject({ metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [5, 60, 240, 1440] });
  expect(disk).not.toHaveProperty('hosts');
  expect(disk).not.toHaveProperty('perCpu');
  expect(await rules.collection.findOne({ name: 'busy' })).toMatchObject({ metric: 'load5', op: 'above', threshold: 2.5, perCpu: true, steps: [10, 60], hosts: ['web-1', 'web-2'] });
  const reboot = await rules.collection.findOne({ name: 'rebooted' });
  expect(reboot).toMatchObject({ metric: 'reboot', steps: [] });
  for (const field of ['op', 'threshold', 'clear']) expect(reboot).not.toHaveProperty(field);

  const [table, json] = await Promise.all([cli('list'), cli('list', '--json')]);
  const lines = ok(table).trimEnd().split('\n');
  expect(lines[0]).toMatch(/^NAME +CONDITION +STEPS +HOSTS$/);
  expect(lines.slice(1).map((l) => l.split(/ {2,}/))).toEqual([
    ['busy', 'load5 per CPU above 2.5', '10,60', 'web-1,web-2'],
    ['cold', 'data.sensors.temperature below -5', '5,60,240,1440', 'all'],
    ['disk-full', 'disk above 90 %, clears at 85 %', '5,60,240,1440', 'all'],
    ['rebooted', 'reboot (uptime went backwards)', 'once', 'all'],
  ]);
  const rows = JSON.parse(ok(json)) as Record<string, unknown>[];
  expect(rows.map((r) => r.name)).toEqual(['busy', 'cold', 'disk-full', 'rebooted']);
  const iso = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  expect(rows[2]).toEqual({
    id: disk!._id.toHexString(),
    name: 'disk-full',
    metric: 'disk',
    op: 'above',
    threshold: 90,
    clear: 85,
    perCpu: false,
    steps: [5, 60, 240, 1440],
    hosts: null,
    tags: null,
    condition: 'disk above 90 %, clears at 85 %',
    createdAt: iso,
    updatedAt: iso,
  });
  expect(rows[0]).toMatchObject({ perCpu: true, hosts: ['web-1', 'web-2'], clear: null });
  expect(rows[3]).toEqual({
    id: reboot!._id.toHexString(),
    name: 'rebooted',
    metric: 'reboot',
    op: null,
    threshold: null,
    clear: null,
    perCpu: false,
    steps: [],
    hosts: null,
    tags: null,
    condition: 'reboot (uptime went backwards)',
    createdAt: iso,
    updatedAt: iso,
  });

  expect(ok(await cli('update', 'disk-full', '--above', '95', '--no-clear', '--steps', '15,120', '--host', 'db-1'))).toBe(
    'updated rule "disk-full": disk above 95 %; steps 15,120 min; hosts db-1\n',
  );
  const updated = await rules.collection.findOne({ name: 'disk-full' });
  expect(updated).toMatchObject({ _id: disk!._id, op: 'above', threshold: 95, steps: [15, 120], hosts: ['db-1'], createdAt: disk!.createdAt });
  expect(updated).not.toHaveProperty('clear');
  expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(disk!.updatedAt.getTime());

  expect(ok(await cli('update', 'disk-full', '--name', 'disk-critical', '--below', '10', '--clear', '15', '--all-hosts'))).toBe(
    'updated rule "disk-critical": disk below 10 %, clears at 15 %; steps 15,120 min; every host\n',
  );
  const renamed = await rules.collection.findOne({ _id: disk!._id });
  expect(renamed).toMatchObject({ name: 'disk-critical', op: 'below', threshold: 10, clear: 15 });
  expect(renamed).not.toHaveProperty('hosts');

  expect(ok(await cli('update', 'busy', '--metric', 'cpu', '--no-per-cpu', '--above', '90'))).toBe('updated rule "busy": cpu above 90 %; steps 10,60 min; hosts web-1,web-2\n');
  expect(await rules.collection.findOne({ name: 'busy' })).not.toHaveProperty('perCpu');
  // A metric rule turned into a reboot rule loses its threshold and steps; back again, it gets the default steps.
  expect(ok(await cli('update', 'cold', '--metric', 'reboot'))).toBe('updated rule "cold": reboot (uptime went backwards); told once per destination; every host\n');
  expect(ok(await cli('update', 'cold', '--metric', 'memory', '--above', '80'))).toBe('updated rule "cold": memory above 80 %; steps 5,60,240,1440 min; every host\n');

  expect(ok(await cli('remove', 'disk-critical'))).toBe('removed rule "disk-critical"\n');
  expect(await rules.collection.findOne({ _id: disk!._id })).toBeNull();
  expect(ok(await cli('list')).split('\n').filter((l) => l !== '')).toHaveLength(4);
}, SLOW);

test('an empty list says how to add a rule; --json is an empty array', async () => {
  await clearRules();
  const [table, json] = await Promise.all([cli('list'), cli('list', '--json')]);
  expect(ok(table)).toBe('no rules yet; add one with "hostwatch rules add <name> --metric disk --above 90"\n');
  expect(JSON.parse(ok(json))).toEqual([]);
});

test('a stored rule that does not check is listed with its problem, not hidden', async () => {
  await clearRules();
  const now = new Date();
  await rules.collection.insertOne({ _id: new ObjectId(), name: 'by-hand', metric: 'disk', op: 'above', threshold: 190, steps: [5], createdAt: now, updatedAt: now });
  const [table, json] = await Promise.all([cli('list'), cli('list', '--json')]);
  expect(ok(table).trimEnd().split('\n')[1]!.split(/ {2,}/)).toEqual(['by-hand', 'disk above 190 % (not evaluated: invalid rule above: disk is a percentage: give 0 to 100)', '5', 'all']);
  expect(JSON.parse(ok(json))).toEqual([expect.objectContaining({ name: 'by-hand', problem: 'invalid rule above: disk is a percentage: give 0 to 100' })]);
  expect(await rules.all()).toEqual([]); // and it is not evaluated
});

test('add refuses a bad metric, threshold, clear, steps, option or name, naming it, and stores nothing', async () => {
  await clearRules();
  ok(await cli('add', 'disk-full', '--metric', 'disk', '--above', '90'));
  await refusals([
    [['add', 'x', '--metric', 'disks', '--above', '90'], '--metric: invalid rule metric: "disks" is not one of cpu, memory, disk, load1, load5, load15, reboot, nor a report field path like data.temperature'],
    [['add', 'x', '--metric', 'data.', '--above', '1'], '--metric: invalid rule metric: "data." is not one of cpu, memory, disk, load1, load5, load15, reboot, nor a report field path like data.temperature'],
    [['add', 'x', '--metric', 'cpu'], '--above: invalid rule above: give --above X or --below X'],
    [['add', 'x', '--metric', 'cpu', '--clear', '50'], '--above: invalid rule above: give --above X or --below X'],
    [['add', 'x', '--metric', 'cpu', '--above', 'ninety'], '--above must be a number, got "ninety"'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--below', '10'], '--above and --below: give one of them, not both'],
    [['add', 'x', '--metric', 'disk', '--above', '120'], '--above: invalid rule above: disk is a percentage: give 0 to 100'],
    [['add', 'x', '--metric', 'memory', '--below', '-1'], '--below: invalid rule below: memory is a percentage: give 0 to 100'],
    [['add', 'x', '--metric', 'disk', '--above', '90', '--clear', '95'], '--clear: invalid rule clear: must be at or below the threshold (90) of an "above" rule'],
    [['add', 'x', '--metric', 'data.temperature', '--below', '5', '--clear', '0'], '--clear: invalid rule clear: must be at or above the threshold (5) of a "below" rule'],
    [['add', 'x', '--metric', 'reboot', '--above', '1'], '--above: invalid rule above: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [['add', 'x', '--metric', 'reboot', '--below', '1'], '--below: invalid rule below: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [['add', 'x', '--metric', 'reboot', '--steps', '5'], '--steps: invalid rule steps: a reboot rule has no steps: each destination is told once'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--steps', '5,5'], '--steps: invalid rule steps: must be strictly increasing'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--steps', '0,5'], '--steps: invalid rule steps: are whole minutes from 1 to 525600'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--steps', '5m,1h'], '--steps must be a comma-separated list of whole numbers, got "5m"'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--steps', ','], '--steps must name at least one step, e.g. 5,60,240'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--per-cpu'], '--per-cpu: invalid rule per-cpu: applies only to load1, load5 and load15'],
    [['add', 'x', '--metric', 'cpu', '--above', '90', '--host', 'web 1'], '--host: invalid host name "web 1": use 1 to 100 characters of letters, digits, ".", "_" and "-"'],
    [['add', '_bad', '--metric', 'cpu', '--above', '90'], 'NAME: invalid rule name: use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit'],
    [['add', 'disk-full', '--metric', 'cpu', '--above', '90'], 'NAME: a rule named "disk-full" already exists'],
  ]);
}, SLOW);

test('update and remove refuse bad changes and unknown names, naming the field, and change nothing', async () => {
  await clearRules();
  ok(await cli('add', 'disk-full', '--metric', 'disk', '--above', '90', '--clear', '85'));
  ok(await cli('add', 'rebooted', '--metric', 'reboot'));
  await refusals([
    [['update', 'disk-full', '--clear', '95'], '--clear: invalid rule clear: must be at or below the threshold (90) of an "above" rule'],
    [['update', 'disk-full', '--below', '95'], '--clear: invalid rule clear: must be at or above the threshold (95) of a "below" rule'],
    [['update', 'disk-full', '--metric', 'temperature'], '--metric: invalid rule metric: "temperature" is not one of cpu, memory, disk, load1, load5, load15, reboot, nor a report field path like data.temperature'],
    [['update', 'disk-full', '--steps', '60,5'], '--steps: invalid rule steps: must be strictly increasing'],
    [['update', 'disk-full', '--per-cpu'], '--per-cpu: invalid rule per-cpu: applies only to load1, load5 and load15'],
    [['update', 'disk-full', '--host', 'web-1', '--all-hosts'], '--host and --all-hosts: give one of them, not both'],
    [['update', 'disk-full'], 'update: name at least one setting to change (see hostwatch rules update --help)'],
    [['update', 'disk-full', '--name', 'rebooted'], '--name: a rule named "rebooted" already exists'],
    [['update', 'disk-full', '--name', 'a b'], '--name: invalid rule name: use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit'],
    [['update', 'rebooted', '--above', '5'], '--above: invalid rule above: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [['update', 'rebooted', '--clear', '5'], '--clear: invalid rule clear: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [['update', 'disk-full', '--metric', 'reboot', '--below', '5'], '--below: invalid rule below: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [['update', 'rebooted', '--steps', '5'], '--steps: invalid rule steps: a reboot rule has no steps: each destination is told once'],
    [['update', 'rebooted', '--metric', 'cpu'], '--above: invalid rule above: give --above X or --below X'],
    [['update', 'nope', '--above', '5'], 'NAME: no rule named "nope"'],
    [['remove', 'nope'], 'NAME: no rule named "nope"'],
  ]);
}, SLOW);

test("commander's own usage errors exit 2 and --help exits 0 with examples", async () => {
  const missing = await cli('add', 'x', '--above', '90');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("required option '--metric <metric>' not specified");
  const unknown = await cli('update', 'x', '--treshold', '5');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("unknown option '--treshold'");

  const helps = await Promise.all([['--help'], ['add', '--help'], ['list', '--help'], ['update', '--help'], ['remove', '--help']].map((a) => cli(...a)));
  for (const h of helps) expect(h.code).toBe(0);
  expect(helps[0]!.stdout).toContain('See docs/rules.md.');
  expect(helps[1]!.stdout).toContain('hostwatch rules add disk-full --metric disk --above 90 --clear 85');
  expect(helps[2]!.stdout).toContain('hostwatch rules list --json');
  expect(helps[3]!.stdout).toContain('hostwatch rules update disk-full --above 95 --clear 90');
  expect(helps[4]!.stdout).toContain('without telling anyone');
});
