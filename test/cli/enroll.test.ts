/** `hostwatch enroll create|list|revoke` as real processes against a fresh FerretDB database. */
import { beforeAll, expect, test } from 'vitest';
import { EnrollStore } from '../../src/store/enroll-store.js';
import { hostwatchCli, type CliResult, expectOk as ok, expectUsage as usage } from '../support/cli.js';
import { freshStore } from '../support/db.js';

let enroll: EnrollStore;
let env: Record<string, string>;

beforeAll(async () => {
  const store = await freshStore();
  enroll = new EnrollStore(store.mongo.db);
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, HOSTWATCH_TIMEZONE: 'UTC' };
});

const cli = (...args: string[]): Promise<CliResult> => hostwatchCli(['enroll', ...args], env);

test('create prints the token once with the agent command; list shows it without the token; revoke ends it', async () => {
  const out = ok(await cli('create', '--tag', 'Prod', '--tag', 'eu', '--uses', '3', '--expires', '2d'));
  const token = /^ {2}token: (et_\S+)$/m.exec(out)?.[1];
  expect(token).toMatch(/^et_[0-9a-f]{24}_[\w-]{43}$/);
  const id = token!.slice(3, 27);
  expect(out).toMatch(new RegExp(`^created enrolment token ${id}: 3 uses, expires \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\+00:00$`, 'm'));
  expect(out).toContain(`hostwatch agent --url http://<hostwatch-server>:8080 --enroll ${token}`);
  const doc = await enroll.tokens.findOne({ _id: id });
  expect(doc).toMatchObject({ tags: ['eu', 'prod'], uses: 3 });
  expect(doc!.expiresAt.getTime() - doc!.createdAt.getTime()).toBe(2 * 86_400_000);

  const table = ok(await cli('list'));
  expect(table).not.toContain(token!.slice(28));
  expect(table.split('\n')[0]).toMatch(/^ID\s+STATE\s+USES LEFT\s+EXPIRES \(UTC\)\s+TAGS$/);
  expect(table).toMatch(new RegExp(`^${id}\\s+active\\s+3/3\\s+\\S+ \\S+ \\+00:00\\s+eu,prod$`, 'm'));
  const json = JSON.parse(ok(await cli('list', '--json'))) as { id: string; state: string; usesLeft: number }[];
  expect(json.find((t) => t.id === id)).toMatchObject({ state: 'active', usesLeft: 3, uses: 3, tags: ['eu', 'prod'] });
  expect(JSON.stringify(json)).not.toContain(token!.slice(28));

  expect(ok(await cli('revoke', id))).toBe(`revoked enrolment token ${id}\n`);
  expect(ok(await cli('list'))).toMatch(new RegExp(`^${id}\\s+revoked\\s+3/3`, 'm'));
  usage(await cli('revoke', 'f'.repeat(24)), `no enrolment token "${'f'.repeat(24)}" (see "hostwatch enroll list")`);
});

test('defaults: one use, 7 days, no tags', async () => {
  const out = ok(await cli('create'));
  const id = /token: et_([0-9a-f]{24})_/.exec(out)![1]!;
  expect(out).toContain(': 1 use, expires');
  const doc = await enroll.tokens.findOne({ _id: id });
  expect(doc).toMatchObject({ tags: [], uses: 1 });
  expect(doc!.expiresAt.getTime() - doc!.createdAt.getTime()).toBe(7 * 86_400_000);
});

test('bad settings: exit 2 naming the flag, nothing created', async () => {
  const before = await enroll.tokens.countDocuments({});
  usage(await cli('create', '--uses', '0'), '--uses must be a whole number from 1 to 10000, got "0"');
  usage(await cli('create', '--uses', 'many'), '--uses must be a whole number from 1 to 10000, got "many"');
  usage(await cli('create', '--expires', 'soon'), '--expires must be a positive duration like 30s, 1m, 2h or 1d, got "soon"');
  usage(await cli('create', '--expires', '30s'), '--expires must be between 1m and 365d');
  usage(await cli('create', '--expires', '366d'), '--expires must be between 1m and 365d');
  const bad = await cli('create', '--tag', 'no spaces');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('invalid tag "no spaces"');
  expect(await enroll.tokens.countDocuments({})).toBe(before);
});

test('--help on every enroll command', async () => {
  for (const sub of [[], ['create'], ['list'], ['revoke']]) {
    const r = await hostwatchCli(['enroll', ...sub, '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: hostwatch enroll/);
  }
});
