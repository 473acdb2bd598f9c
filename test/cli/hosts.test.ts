/** `hostwatch hosts ...` as real processes against a fresh FerretDB database. */
import { beforeAll, expect, test } from 'vitest';
import { formatLocalTime } from '../../src/alerting/local-time.js';
import { secretMatches } from '../../src/store/credentials.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';
import { freshStore } from '../support/db.js';

const MIN = 60_000;
const TZ = 'Asia/Kolkata'; // a half-hour offset: a UTC time printed by mistake cannot pass for local time
let hosts: HostStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  hosts = store.hosts;
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: TZ };
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['hosts', ...args], env);

/** The key and secret `add` or `rotate-secret` printed. */
function credentials(stdout: string): { key: string; secret: string } {
  const key = /^ {2}key: {4}(\S+)$/m.exec(stdout)?.[1];
  const secret = /^ {2}secret: (\S+)$/m.exec(stdout)?.[1];
  expect(key).toMatch(/^hk_/);
  expect(secret).toMatch(/^[\w-]{40,}$/);
  return { key: key!, secret: secret! };
}

async function stored(name: string) {
  const doc = await hosts.collection.findOne({ name });
  expect(doc, `host ${name} in the database`).not.toBeNull();
  return doc!;
}

test('hosts add prints the key and secret once with agent instructions; only the hash is stored', async () => {
  const out = ok(await cli('add', 'web-1'));
  const { key, secret } = credentials(out);
  expect(out.split('\n')[0]).toBe('added host "web-1"');
  expect(out).toContain('The secret cannot be shown again');
  expect(out).toContain(`HOSTWATCH_KEY=${key} HOSTWATCH_SECRET=${secret} hostwatch agent --url `);

  const doc = await stored('web-1');
  expect(doc).toMatchObject({ secretKey: key, active: true, alarm: true, lastReportAt: null });
  expect(doc.secretHash).not.toBe(secret);
  expect(secretMatches(secret, doc.secretHash)).toBe(true);
  expect(JSON.stringify(doc)).not.toContain(secret);

  ok(await cli('add', 'quiet.box_2', '--no-alarm'));
  expect(await stored('quiet.box_2')).toMatchObject({ alarm: false, active: true });
});

test('hosts add refuses a duplicate and invalid names, naming them', async () => {
  await hosts.add('dup-1');
  const [dup, spaced, long, empty] = await Promise.all([cli('add', 'dup-1'), cli('add', 'web 1'), cli('add', 'x'.repeat(101)), cli('add', '')]);
  usage(dup, 'a host named "dup-1" already exists');
  usage(spaced, 'invalid host name "web 1": use 1 to 100 characters of letters, digits, ".", "_" and "-"');
  expect(long.code).toBe(2);
  expect(long.stderr).toContain(`invalid host name "${'x'.repeat(101)}"`);
  usage(empty, 'invalid host name "": use 1 to 100 characters of letters, digits, ".", "_" and "-"');
  expect(await hosts.collection.countDocuments({ name: { $in: ['web 1', 'x'.repeat(101), ''] } })).toBe(0);
  ok(await cli('add', 'x'.repeat(100)));
});

test('hosts list: table and --json with online, offline and never-reported hosts; no key or hash', async () => {
  const store = await freshStore();
  const listEnv = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: TZ };
  const now = Date.now();
  const online = await store.hosts.add('a-online');
  const offline = await store.hosts.add('b-offline', { alarm: false });
  const never = await store.hosts.add('c-never');
  await store.hosts.recordReport(online.id, { hostname: 'a' }, new Date(now - 10_000));
  const offlineAt = new Date(now - 125 * MIN);
  await store.hosts.recordReport(offline.id, { hostname: 'b' }, offlineAt);
  await store.hosts.collection.updateOne({ name: 'b-offline' }, { $set: { alert: { outage: offlineAt, step: 60, notifiedAt: new Date(now - 65 * MIN) } } });
  // Alert state left from an outage that a report has since ended: not the current step.
  await store.hosts.collection.updateOne({ name: 'a-online' }, { $set: { alert: { outage: new Date(now - 99 * MIN), step: 10, notifiedAt: new Date(now - 89 * MIN) } } });
  const mutedUntil = new Date(now + 3 * 3_600_000);
  await store.hosts.update('c-never', { mutedUntil, active: false });

  const [table, json] = await Promise.all([hostwatchCli(['hosts', 'list'], listEnv), hostwatchCli(['hosts', 'list', '--json'], listEnv)]);
  const lines = ok(table).trimEnd().split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/^NAME +STATE +LAST SEEN \(Asia\/Kolkata\) +OFFLINE FOR +ALERT STEP +MUTED UNTIL +ACTIVE +ALARM +TAGS +CONDITIONS$/);
  const cells = lines.slice(1).map((l) => l.split(/ {2,}/));
  expect(cells[0]).toEqual(['a-online', 'online', formatLocalTime(now - 10_000, TZ), '-', '-', '-', 'yes', 'on', '-', '-']);
  expect(cells[1]).toEqual(['b-offline', 'offline', formatLocalTime(offlineAt.getTime(), TZ), '2 h 5 min', '60 min', '-', 'yes', 'off', '-', '-']);
  expect(cells[2]).toEqual(['c-never', 'never reported', '-', '-', '-', formatLocalTime(mutedUntil.getTime(), TZ), 'no', 'on', '-', '-']);

  const rows = JSON.parse(ok(json)) as Record<string, unknown>[];
  expect(rows.map((r) => [r.name, r.state])).toEqual([
    ['a-online', 'online'],
    ['b-offline', 'offline'],
    ['c-never', 'never reported'],
  ]);
  expect(rows[1]).toMatchObject({ id: offline.id, active: true, alarm: false, lastReportAt: offlineAt.toISOString(), alertStep: 60, mutedUntil: null, data: { hostname: 'b' }, conditions: [] });
  expect(rows[1]!.offlineMs).toBeGreaterThanOrEqual(125 * MIN);
  expect(rows[0]).toMatchObject({ state: 'online', alertStep: null, offlineMs: null, muted: false });
  expect(rows[2]).toMatchObject({ active: false, lastReportAt: null, offlineMs: null, mutedUntil: mutedUntil.toISOString(), muted: true });
  for (const out of [table.stdout, json.stdout]) {
    for (const c of [online, offline, never]) expect(out).not.toContain(c.key);
    expect(out).not.toMatch(/secret/i);
  }

  const empty = await freshStore();
  expect(ok(await hostwatchCli(['hosts', 'list', '--json'], { MONGODB_URI: empty.uri, MONGODB_DB: empty.dbName }))).toBe('[]\n');
});

test('hosts list: active metric conditions and reboots in the table and in --json; instances of a removed rule left out', async () => {
  const store = await freshStore();
  const listEnv = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: TZ };
  const rules = new RuleStore(store.mongo.db);
  await rules.ensureIndexes();
  const varFull = await rules.add({ name: 'var-full', metric: 'disk', op: 'above', threshold: 90, steps: [1, 10] });
  await rules.add({ name: 'reboots', metric: 'reboot', steps: [] });
  const gone = await rules.add({ name: 'busy', metric: 'cpu', op: 'above', threshold: 50, steps: [5] });
  const now = Date.now();
  const GIB = 1024 ** 3;
  const disks = (varPct: number) => [{ mount: '/', total: 100 * GIB, used: 40 * GIB }, { mount: '/var', total: 100 * GIB, used: varPct * GIB }];
  const web = await store.hosts.add('web-1');
  const since = new Date(now - 20 * MIN);
  const live = await rules.all();
  await store.hosts.recordReport(web.id, { uptime: 50_000, cpu: 80, disk: disks(95) }, since, live);
  await store.hosts.recordReport(web.id, { uptime: 120, cpu: 85, disk: disks(93) }, new Date(now - 30_000), live);
  await store.hosts.add('calm');
  await store.hosts.recordReport((await store.hosts.byName('calm'))._id.toHexString(), { uptime: 9, cpu: 10, disk: disks(50) }, new Date(now - 10_000), live);
  // The disk instance was notified of step 10 on one destination; the cpu rule is removed before the next check.
  const doc = await store.hosts.collection.findOne({ name: 'web-1' });
  const diskKey = Object.keys(doc!.alerts!).find((k) => k.startsWith(`metric_${varFull.id}_`))!;
  await store.hosts.collection.updateOne({ name: 'web-1' }, { $set: { [`alerts.${diskKey}.sent`]: { 'mailto:ops@example%2Ecom': 10, 'slack:team': 1 } } });
  await rules.remove('busy');

  const [table, json] = await Promise.all([hostwatchCli(['hosts', 'list'], listEnv), hostwatchCli(['hosts', 'list', '--json'], listEnv)]);
  const lines = ok(table).trimEnd().split('\n');
  const cells = lines.slice(1).map((l) => l.split(/ {2,}/));
  expect(cells.map((c) => [c[0], c[1], c.at(-1)])).toEqual([
    ['calm', 'online', '-'],
    ['web-1', 'online', 'disk /var 93 % > 90 %, reboot: up 2 minutes (was up 13 h 53 min)'],
  ]);

  const rows = JSON.parse(ok(json)) as { name: string; alerts: Record<string, unknown>[]; conditions: unknown[] }[];
  const webRow = rows.find((r) => r.name === 'web-1')!;
  expect(webRow.conditions).toEqual([
    { condition: 'metric', rule: 'var-full', metric: 'disk', item: '/var', op: 'above', threshold: 90, value: 93, peak: 95, since: since.toISOString(), step: 10, text: 'disk /var 93 % > 90 %' },
    { condition: 'reboot', rule: 'reboots', at: new Date(now - 30_000).toISOString(), uptime: 120, previousUptime: 50_000, text: 'reboot: up 2 minutes (was up 13 h 53 min)' },
  ]);
  // `alerts` is the stored state: every instance, labelled by its condition, the removed rule's one too until a check drops it.
  const byRule = (a: Record<string, unknown>) => String(a.rule);
  expect([...webRow.alerts].sort((a, b) => byRule(a).localeCompare(byRule(b)))).toEqual([
    { condition: 'metric', rule: 'busy', ruleId: gone.id, metric: 'cpu', start: since.toISOString(), sent: {} },
    { condition: 'reboot', rule: 'reboots', ruleId: expect.any(String), metric: 'reboot', start: new Date(now - 30_000).toISOString(), sent: {} },
    { condition: 'metric', rule: 'var-full', ruleId: varFull.id, metric: 'disk', item: '/var', start: since.toISOString(), sent: { 'mailto:ops@example.com': 10, 'slack:team': 1 } },
  ]);
  expect(rows.find((r) => r.name === 'calm')).toMatchObject({ alerts: [], conditions: [] });
});

test('registry edits work and none of them changes lastReportAt', async () => {
  const { id } = await hosts.add('edit-me');
  const reportedAt = new Date(Date.now() - 7 * MIN);
  await hosts.recordReport(id, { hostname: 'edit-me' }, reportedAt);
  const lastReport = async (name: string) => (await stored(name)).lastReportAt?.getTime();
  expect(await lastReport('edit-me')).toBe(reportedAt.getTime());

  expect(ok(await cli('disable', 'edit-me'))).toBe('disabled host "edit-me"\n');
  expect(await stored('edit-me')).toMatchObject({ active: false });
  const enabling = Date.now();
  expect(ok(await cli('enable', 'edit-me'))).toBe('enabled host "edit-me"\n');
  expect(await stored('edit-me')).toMatchObject({ active: true });
  // Rule 9: its offline time now counts from here; enabling an enabled host changes nothing.
  const enabledAt = (await stored('edit-me')).enabledAt!.getTime();
  expect(enabledAt).toBeGreaterThanOrEqual(enabling);
  ok(await cli('enable', 'edit-me'));
  expect((await stored('edit-me')).enabledAt?.getTime()).toBe(enabledAt);
  expect(ok(await cli('interval', 'edit-me', '5m'))).toBe('host "edit-me" reports every 300 s\n');
  expect(await stored('edit-me')).toMatchObject({ interval: 300 });
  usage(await cli('interval', 'edit-me', 'often'), 'interval must be a positive duration like 30s, 1m, 2h or 1d, got "often"');
  expect(ok(await cli('interval', 'edit-me', 'off'))).toBe('forgot the reporting interval of host "edit-me"\n');
  expect(await stored('edit-me')).not.toHaveProperty('interval');
  expect(ok(await cli('alarm', 'edit-me', 'off'))).toBe('alarm off for host "edit-me"\n');
  expect(await stored('edit-me')).toMatchObject({ alarm: false });
  expect(ok(await cli('alarm', 'edit-me', 'on'))).toBe('alarm on for host "edit-me"\n');
  expect(await stored('edit-me')).toMatchObject({ alarm: true });
  usage(await cli('alarm', 'edit-me', 'maybe'), 'alarm must be "on" or "off", got "maybe"');
  expect(await lastReport('edit-me')).toBe(reportedAt.getTime());

  const muteStart = Date.now();
  const muted = ok(await cli('mute', 'edit-me', '--for', '2h'));
  const until = (await stored('edit-me')).mutedUntil!.getTime();
  expect(until).toBeGreaterThanOrEqual(muteStart + 2 * 3_600_000);
  expect(until).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
  expect(muted).toBe(`muted host "edit-me" until ${formatLocalTime(until, TZ)} ${TZ} (${new Date(until).toISOString()})\n`);

  const at = new Date(Date.now() + 86_400_000);
  at.setUTCMilliseconds(0);
  ok(await cli('mute', 'edit-me', '--until', at.toISOString()));
  expect((await stored('edit-me')).mutedUntil?.getTime()).toBe(at.getTime());
  const past = '2020-01-01T00:00:00Z';
  usage(await cli('mute', 'edit-me', '--until', past), `--until must be in the future, got "${past}" (2020-01-01T00:00:00.000Z)`);
  usage(await cli('mute', 'edit-me', '--until', 'tomorrow'), '--until must be an ISO time like 2026-11-23T18:00:00Z, got "tomorrow"');
  usage(await cli('mute', 'edit-me'), 'mute needs exactly one of --for <duration> or --until <ISO time>');
  usage(await cli('mute', 'edit-me', '--for', '1h', '--until', at.toISOString()), 'mute needs exactly one of --for <duration> or --until <ISO time>');
  usage(await cli('mute', 'edit-me', '--for', '2 hours'), '--for must be a positive duration like 30s, 1m, 2h or 1d, got "2 hours"');
  expect((await stored('edit-me')).mutedUntil?.getTime()).toBe(at.getTime());
  expect(ok(await cli('unmute', 'edit-me'))).toBe('unmuted host "edit-me"\n');
  expect(await stored('edit-me')).not.toHaveProperty('mutedUntil');

  const before = await stored('edit-me');
  const rotated = ok(await cli('rotate-secret', 'edit-me'));
  expect(rotated).toContain('The secret cannot be shown again');
  const fresh = credentials(rotated);
  const after = await stored('edit-me');
  expect(after.secretKey).toBe(fresh.key);
  expect(fresh.key).not.toBe(before.secretKey);
  expect(secretMatches(fresh.secret, after.secretHash)).toBe(true);
  expect(after.secretHash).not.toBe(before.secretHash);
  expect(await hosts.byKey(before.secretKey)).toBeNull();

  await hosts.add('taken');
  usage(await cli('rename', 'edit-me', 'taken'), 'a host named "taken" already exists');
  usage(await cli('rename', 'edit-me', 'bad/name'), 'invalid host name "bad/name": use 1 to 100 characters of letters, digits, ".", "_" and "-"');
  expect(ok(await cli('rename', 'edit-me', 'edited'))).toBe('renamed host "edit-me" to "edited"\n');
  expect(await hosts.collection.countDocuments({ name: 'edit-me' })).toBe(0);
  const renamed = await stored('edited');
  expect(renamed._id.toHexString()).toBe(id);
  expect(renamed.secretKey).toBe(fresh.key);
  expect(renamed.lastReportAt?.getTime()).toBe(reportedAt.getTime());
  expect(renamed.data).toEqual({ hostname: 'edit-me' });

  usage(await cli('remove', 'edited'), 'remove deletes host "edited" for good; add --yes to confirm');
  expect(await hosts.collection.countDocuments({ name: 'edited' })).toBe(1);
  expect(ok(await cli('remove', 'edited', '--yes'))).toBe('removed host "edited"\n');
  expect(await hosts.collection.countDocuments({ _id: renamed._id })).toBe(0);
}, 180_000); // about 25 CLI processes, one after the other

test('every edit of an unknown host exits 2 with `no host named "x"`', async () => {
  const results = await Promise.all([
    cli('enable', 'ghost'),
    cli('disable', 'ghost'),
    cli('alarm', 'ghost', 'off'),
    cli('rename', 'ghost', 'spirit'),
    cli('remove', 'ghost', '--yes'),
    cli('rotate-secret', 'ghost'),
    cli('mute', 'ghost', '--for', '2h'),
    cli('unmute', 'ghost'),
    cli('interval', 'ghost', '1m'),
  ]);
  for (const r of results) usage(r, 'no host named "ghost"');
  expect(await hosts.collection.countDocuments({ name: { $in: ['ghost', 'spirit'] } })).toBe(0);
});

test('an unreachable database is a one-line usage error that does not print the URI', async () => {
  const r = await hostwatchCli(['hosts', 'list'], { MONGODB_URI: 'mongodb://admin:hunter2@127.0.0.1:1/?serverSelectionTimeoutMS=500', MONGODB_DB: 'x' });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^hostwatch: cannot reach MongoDB \(MONGODB_URI\): .*\n$/);
  expect(r.stderr).not.toContain('hunter2');
}, 30_000);
