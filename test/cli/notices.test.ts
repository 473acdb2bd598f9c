/** `hostwatch notices list` as real processes against a fresh FerretDB database holding a notification log. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatLocalTime } from '../../src/alerting/local-time.js';
import type { NoticeLogEntry } from '../../src/history/types.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';
import { hostwatchCli, type CliResult, expectOk as ok } from '../support/cli.js';
import { freshStore } from '../support/db.js';

/** About 1.5 s per CLI process on an idle machine. */
const SLOW = 180_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const TZ = 'Europe/Berlin';

let mongo: MongoHandle;
let log: NoticeLogStore;
let env: Record<string, string>;
let now: number;

const OPS = { key: 'mailto:ops@example.com', label: 'ops@example.com', kind: 'mailto' };
const HOOK = { key: 'hook', label: 'hook (webhook)', kind: 'webhook' };

function entry(id: string, agoMs: number, destination: NoticeLogEntry['destination'], hosts: string[], extra: Partial<NoticeLogEntry> = {}): NoticeLogEntry {
  return {
    id,
    run: id.replace(/\.d\d+$/, ''),
    checkTime: new Date(now - agoMs),
    destination,
    accepted: true,
    hosts,
    lines: hosts.map((h) => ({ host: h, kind: 'offline', text: `OFFLINE  ${h}: offline 12 minutes, last report 2026-11-23 09:48:00 +01:00` })),
    more: 0,
    ...extra,
  };
}

let entries: NoticeLogEntry[];

beforeAll(async () => {
  const store = await freshStore();
  mongo = store.mongo;
  log = new NoticeLogStore(mongo.db);
  await log.ensureIndexes();
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: TZ };
  now = Date.now();
  entries = [
    entry('hostwatch-check-a.r1.d0', 3 * 24 * HOUR, OPS, ['web-1']),
    entry('hostwatch-check-b.r2.d0', 2 * HOUR, OPS, ['web-1', 'db-1', 'files-1', 'app-1'], { more: 7 }),
    entry('hostwatch-check-b.r2.d1', 2 * HOUR, HOOK, ['web-1', 'db-1', 'files-1', 'app-1'], {
      accepted: false,
      error: 'hook (webhook): webhook 127.0.0.1:8080 answered HTTP 400:\n{"error":"bad request"}',
    }),
    entry('hostwatch-check-c.r3.d0', 5 * MIN, OPS, ['db-1']),
  ];
  await log.record(entries);
});

afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['notices', ...args], env);

const ids = (json: string) => (JSON.parse(json) as { id: string }[]).map((e) => e.id);

test('the table: newest first, local time with its offset, destination, accepted or failed with the reason on one line, hosts, first line', async () => {
  const lines = ok(await cli('list')).trimEnd().split('\n');
  expect(lines[0]).toMatch(/^TIME \(Europe\/Berlin\) +DESTINATION +RESULT +HOSTS +FIRST LINE$/);
  expect(lines).toHaveLength(5);
  const time = (agoMs: number) => formatLocalTime(now - agoMs, TZ);
  const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(lines[1]).toMatch(new RegExp(`^${re(time(5 * MIN))} +ops@example\\.com +accepted +db-1 +OFFLINE  db-1: offline 12 minutes, last report 2026-11-23 09:48:00 \\+01:00$`));
  expect(lines[1]).toMatch(/ \+0[12]:00 /);
  // One run's destinations in order; a long host list and the lines beyond the first are counted.
  expect(lines[2]).toMatch(/^\S+ \S+ \S+ +ops@example\.com +accepted +web-1,db-1,files-1 \+1 +OFFLINE  web-1: .* \(\+10 more\)$/);
  expect(lines[3]).toMatch(/ hook \(webhook\) +failed: hook \(webhook\): webhook 127\.0\.0\.1:8080 answered HTTP 400: \{"error":"bad request"\} +web-1,/);
  expect(lines[4]).toContain(time(3 * 24 * HOUR));
}, SLOW);

test('--json prints every field of every entry; --host and --since filter, --limit caps', async () => {
  const [all, web, recent, webRecent, one] = await Promise.all([
    cli('list', '--json'),
    cli('list', '--host', 'web-1', '--json'),
    cli('list', '--since', '24h', '--json'),
    cli('list', '--host', 'web-1', '--since', new Date(now - 3 * HOUR).toISOString(), '--json'),
    cli('list', '--limit', '1', '--json'),
  ]);
  const full = JSON.parse(ok(all)) as Record<string, unknown>[];
  expect(full).toHaveLength(4);
  expect(full[2]).toEqual({
    id: 'hostwatch-check-b.r2.d1',
    run: 'hostwatch-check-b.r2',
    checkTime: new Date(now - 2 * HOUR).toISOString(),
    destination: HOOK,
    accepted: false,
    error: entries[2]!.error,
    hosts: ['web-1', 'db-1', 'files-1', 'app-1'],
    lines: entries[2]!.lines,
    more: 0,
  });
  expect(full[0]).toMatchObject({ id: 'hostwatch-check-c.r3.d0', accepted: true, error: null });
  expect(ids(ok(web))).toEqual(['hostwatch-check-b.r2.d0', 'hostwatch-check-b.r2.d1', 'hostwatch-check-a.r1.d0']);
  expect(ids(ok(recent))).toEqual(['hostwatch-check-c.r3.d0', 'hostwatch-check-b.r2.d0', 'hostwatch-check-b.r2.d1']);
  expect(ids(ok(webRecent))).toEqual(['hostwatch-check-b.r2.d0', 'hostwatch-check-b.r2.d1']);
  expect(ids(ok(one))).toEqual(['hostwatch-check-c.r3.d0']);
}, SLOW);

test('nothing matches: the table says so (naming the filter); --json prints []', async () => {
  const [table, json, since] = await Promise.all([cli('list', '--host', 'nobody'), cli('list', '--host', 'nobody', '--json'), cli('list', '--since', '1m')]);
  expect(ok(table)).toBe('no notices logged for host nobody\n');
  expect(JSON.parse(ok(json))).toEqual([]);
  expect(ok(since)).toMatch(/^no notices logged for since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0[12]:00\n$/);
}, SLOW);

test('bad --since, --limit and --host exit 2 naming the option; --help has examples', async () => {
  const cases: [string[], string][] = [
    [['--since', 'yesterday'], '--since must be an ISO time like 2026-11-23T10:00:00Z or a duration like 24h or 7d, got "yesterday"'],
    [['--since', '0h'], '--since must be a positive duration like 30s, 1m, 2h or 1d, got "0h"'],
    [['--since', '2026-13-45'], '--since must be an ISO time like 2026-11-23T10:00:00Z or a duration like 24h or 7d, got "2026-13-45"'],
    [['--limit', '0'], '--limit must be a whole number from 1 to 10000, got "0"'],
    [['--limit', 'ten'], '--limit must be a whole number from 1 to 10000, got "ten"'],
    [['--limit', '10001'], '--limit must be a whole number from 1 to 10000, got "10001"'],
    [['--host', 'no such/host'], '--host: invalid host name "no such/host": use 1 to 100 characters of letters, digits, ".", "_" and "-"'],
  ];
  const results = await Promise.all(cases.map(([args]) => cli('list', ...args)));
  for (const [i, r] of results.entries()) {
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`hostwatch: ${cases[i]![1]}\n`);
    expect(r.code).toBe(2);
  }
  const [unknown, help] = await Promise.all([cli('list', '--bogus'), cli('list', '--help')]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("unknown option '--bogus'");
  expect(ok(help)).toContain('hostwatch notices list --host web-1 --since 7d');
  expect(help.stdout).toContain('--since <time>');
}, SLOW);
