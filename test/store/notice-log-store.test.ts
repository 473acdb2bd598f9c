/** The notification log (`notice_log`) on the real database: idempotent writes, newest-first listing and its filters. */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { NoticeLogEntry } from '../../src/history/types.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { InvalidNoticeQueryError, NoticeLogStore } from '../../src/store/notice-log-store.js';
import { freshStore } from '../support/db.js';

let mongo: MongoHandle;
let log: NoticeLogStore;

beforeAll(async () => {
  ({ mongo } = await freshStore());
  log = new NoticeLogStore(mongo.db);
  await log.ensureIndexes();
});
afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});
beforeEach(async () => {
  await log.collection.deleteMany({});
  await log.hostBuckets.deleteMany({});
});

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MIN = 60_000;

function entry(run: number, d: number, hosts: string[], opts: { accepted?: boolean; error?: string; minute?: number } = {}): NoticeLogEntry {
  const accepted = opts.accepted ?? true;
  return {
    id: `check-${run}.run-${run}.d${d}`,
    run: `check-${run}.run-${run}`,
    checkTime: new Date(T0 + (opts.minute ?? run) * MIN),
    destination: d === 0 ? { key: 'mailto:ops@example.com', label: 'ops@example.com', kind: 'mailto' } : { key: 'hook', label: 'hook (webhook)', kind: 'webhook' },
    accepted,
    ...(!accepted && { error: opts.error ?? 'hook (webhook): webhook 127.0.0.1 answered HTTP 400' }),
    hosts,
    lines: hosts.map((h) => ({ host: h, kind: 'offline', text: `OFFLINE  ${h}: offline 1 minute, last report 2026-11-23 09:58:40 +00:00` })),
    more: 0,
  };
}

test('recording the same entries twice (a retried activity) leaves one document each, the second write replacing the first', async () => {
  const a = entry(1, 0, ['web-1']);
  const b = entry(1, 1, ['web-1'], { accepted: false });
  await log.record([a, b]);
  await log.record([a, { ...b, error: 'hook (webhook): answered HTTP 401' }]);
  expect(await log.collection.countDocuments()).toBe(2);
  expect(await log.collection.findOne({ _id: b.id })).toMatchObject({ _id: b.id, accepted: false, error: 'hook (webhook): answered HTTP 401' });
  const listed = await log.list();
  expect(listed).toEqual([a, { ...b, error: 'hook (webhook): answered HTTP 401' }]);
  await log.record([]);
  expect(await log.collection.countDocuments()).toBe(2);
});

test('an accepted entry is stored without an error field, and comes back exactly as recorded', async () => {
  const a = { ...entry(2, 0, ['web-1', 'db-1']), more: 12 };
  await log.record([a]);
  const raw = await log.collection.findOne({ _id: a.id });
  expect(raw).not.toHaveProperty('error');
  expect(raw?.checkTime).toBeInstanceOf(Date);
  expect(await log.list()).toEqual([a]);
});

test('list: newest first (one run in notice id order), by host name, since and until, and at most limit', async () => {
  await log.record([entry(1, 0, ['web-1']), entry(1, 1, ['web-1'], { accepted: false })]);
  await log.record([entry(3, 0, ['db-1', 'web-1'])]);
  await log.record([entry(2, 0, ['db-1'])]);
  await log.record([entry(4, 1, ['files-1'])]);
  const ids = (xs: NoticeLogEntry[]) => xs.map((e) => e.id);
  expect(ids(await log.list())).toEqual(['check-4.run-4.d1', 'check-3.run-3.d0', 'check-2.run-2.d0', 'check-1.run-1.d0', 'check-1.run-1.d1']);
  expect(ids(await log.list({ host: 'web-1' }))).toEqual(['check-3.run-3.d0', 'check-1.run-1.d0', 'check-1.run-1.d1']);
  expect(ids(await log.list({ host: 'db-1', limit: 1 }))).toEqual(['check-3.run-3.d0']);
  expect(ids(await log.list({ host: 'nobody' }))).toEqual([]);
  // since is inclusive, until exclusive
  expect(ids(await log.list({ since: new Date(T0 + 2 * MIN) }))).toEqual(['check-4.run-4.d1', 'check-3.run-3.d0', 'check-2.run-2.d0']);
  expect(ids(await log.list({ since: new Date(T0 + 2 * MIN), until: new Date(T0 + 4 * MIN) }))).toEqual(['check-3.run-3.d0', 'check-2.run-2.d0']);
  expect(ids(await log.list({ host: 'web-1', until: new Date(T0 + 3 * MIN) }))).toEqual(['check-1.run-1.d0', 'check-1.run-1.d1']);
  expect(ids(await log.list({ limit: 2 }))).toEqual(['check-4.run-4.d1', 'check-3.run-3.d0']);
});

test("one host's notices are read through its month buckets by _id, across months, without a query over the log", async () => {
  const months = [Date.UTC(2026, 8, 30, 23, 59), Date.UTC(2026, 9, 15), Date.UTC(2026, 10, 1)];
  await log.record(months.map((t, i) => ({ ...entry(10 + i, 0, ['web-9']), checkTime: new Date(t) })));
  expect((await log.hostBuckets.find({ host: 'web-9' }).toArray()).map((b) => b._id).sort()).toEqual(['web-9:2026-09', 'web-9:2026-10', 'web-9:2026-11']);
  const seen: string[] = [];
  const spy = log.collection.find.bind(log.collection);
  log.collection.find = ((...args: Parameters<typeof spy>) => {
    seen.push(JSON.stringify(args[0]));
    return spy(...args);
  }) as typeof log.collection.find;
  try {
    const got = await log.list({ host: 'web-9', until: new Date(Date.UTC(2026, 11, 1)) });
    expect(got.map((e) => e.checkTime.getTime())).toEqual([...months].reverse());
    // The entries are read by `_id` alone (findOne goes through find), never by a query over the log.
    expect(seen.length).toBe(3);
    for (const f of seen) expect(Object.keys(JSON.parse(f) as object)).toEqual(['_id']);
    expect((await log.list({ host: 'web-9', limit: 1, until: new Date(Date.UTC(2026, 11, 1)) })).map((e) => e.checkTime.getTime())).toEqual([months[2]]);
    expect(await log.list({ host: 'web-9', since: new Date(Date.UTC(2026, 9, 1)), until: new Date(Date.UTC(2026, 10, 1)) })).toHaveLength(1);
  } finally {
    log.collection.find = spy;
  }
});

test('list refuses a limit out of range and an invalid date, naming the field', async () => {
  for (const limit of [0, -1, 1.5, 10_001]) {
    await expect(log.list({ limit })).rejects.toThrow(new InvalidNoticeQueryError('limit', 'must be a whole number from 1 to 10000'));
  }
  await expect(log.list({ since: new Date(Number.NaN) })).rejects.toMatchObject({ name: 'InvalidNoticeQueryError', field: 'since' });
  await expect(log.list({ until: new Date('nope') })).rejects.toMatchObject({ field: 'until' });
});

test('ensureIndexes may run again (each worker start and first write does)', async () => {
  await log.ensureIndexes();
  const names = (await log.collection.listIndexes().toArray()).map((i) => i.name);
  expect(names).toEqual(expect.arrayContaining(['_id_', 'checkTime', 'hosts_checkTime']));
});
