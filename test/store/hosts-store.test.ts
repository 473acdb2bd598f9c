import { afterAll, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { DEFAULT_STEPS, evaluateHosts } from '../../src/alerting/policy.js';
import { DuplicateHostError, type HostStore } from '../../src/store/hosts-store.js';
import { hashSecret, secretMatches } from '../../src/store/credentials.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { addReportedHost, freshStore } from '../support/db.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
let mongo: MongoHandle;
let hosts: HostStore;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

async function loadAll(cutoff: number, limit = 1000) {
  const out = [];
  let afterId: string | undefined;
  do {
    const page = await hosts.loadCheckPage({ cutoff, limit, ...(afterId && { afterId }) });
    out.push(...page.hosts);
    afterId = page.nextAfterId;
  } while (afterId);
  return out;
}

test('add stores only a hash of the secret and rejects a duplicate name', async () => {
  const created = await hosts.add('store-dup');
  const doc = await hosts.collection.findOne({ name: 'store-dup' });
  expect(doc?.secretHash).toBe(hashSecret(created.secret));
  expect(JSON.stringify(doc)).not.toContain(created.secret);
  expect(secretMatches(created.secret, doc!.secretHash)).toBe(true);
  expect(secretMatches(`${created.secret}x`, doc!.secretHash)).toBe(false);
  await expect(hosts.add('store-dup')).rejects.toThrow(DuplicateHostError);
  await expect(hosts.add('store-dup')).rejects.toThrow('a host named "store-dup" already exists');
});

test('the check reads eligible hosts that are offline or alerted, and nothing else', async () => {
  const offline = await addReportedHost(hosts, 'pg-offline', T - 5 * MIN);
  await addReportedHost(hosts, 'pg-online', T - 10_000);
  await addReportedHost(hosts, 'pg-disabled', T - 5 * MIN, { active: false });
  await addReportedHost(hosts, 'pg-no-alarm', T - 5 * MIN, { alarm: false });
  await hosts.add('pg-never-reported');
  const alerted = await addReportedHost(hosts, 'pg-alerted-back', T - 30 * MIN);
  await hosts.applyStateChanges([{ kind: 'notify', hostId: alerted, outage: T - 30 * MIN, step: 10 }], T);
  await hosts.recordReport(alerted, {}, new Date(T - 10_000));

  const loaded = await loadAll(T - MIN);
  expect(loaded.map((h) => h.name).sort()).toEqual(['pg-alerted-back', 'pg-offline']);
  expect(loaded.find((h) => h.id === offline)).toEqual({ id: offline, name: 'pg-offline', lastReportAt: T - 5 * MIN });
  expect(loaded.find((h) => h.id === alerted)?.alert).toEqual({ outage: T - 30 * MIN, step: 10, backAt: T - 10_000 });
});

test('pages cover every host exactly once, in id order', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 23; i++) ids.push(await addReportedHost(hosts, `page-${i}`, T - 100 * MIN));
  const seen = (await loadAll(T - 90 * MIN, 5)).map((h) => h.id);
  expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
  expect(new Set(seen).size).toBe(seen.length);
});

test('state writes never lower a step and are idempotent; a clear removes the state', async () => {
  const id = await addReportedHost(hosts, 'cond', T - 70 * MIN);
  const outage = T - 70 * MIN;
  expect(await hosts.applyStateChanges([{ kind: 'notify', hostId: id, outage, step: 60 }], T)).toEqual({ applied: 1, skipped: 0 });
  expect(await hosts.applyStateChanges([{ kind: 'notify', hostId: id, outage, step: 60 }], T)).toEqual({ applied: 0, skipped: 1 });
  expect(await hosts.applyStateChanges([{ kind: 'notify', hostId: id, outage, step: 10 }], T)).toEqual({ applied: 0, skipped: 1 });
  expect((await hosts.collection.findOne({ _id: new ObjectId(id) }))?.alert).toEqual({ outage: new Date(outage), step: 60, notifiedAt: new Date(T) });
  expect(await hosts.applyStateChanges([{ kind: 'notify', hostId: id, outage, step: 240 }], T + 170 * MIN)).toEqual({ applied: 1, skipped: 0 });
  expect((await hosts.collection.findOne({ _id: new ObjectId(id) }))?.alert).toMatchObject({ step: 240, notifiedAt: new Date(T + 170 * MIN) });

  expect(await hosts.applyStateChanges([{ kind: 'clear', hostId: id, outage }], T)).toEqual({ applied: 1, skipped: 0 });
  expect((await hosts.collection.findOne({ _id: new ObjectId(id) }))?.alert).toBeUndefined();
  expect(await hosts.applyStateChanges([{ kind: 'clear', hostId: id, outage }], T)).toEqual({ applied: 0, skipped: 1 });
});

test('rule 4: a host that reports between the check\'s read and its write keeps the announced outage, and the next check sends its recovery', async () => {
  const outage = T - 20 * MIN;
  const id = await addReportedHost(hosts, 'racer', outage);
  const snapshotOf = async (cutoff: number) => (await hosts.loadCheckPage({ cutoff, limit: 1000 })).hosts.filter((h) => h.id === id);
  const first = evaluateHosts(await snapshotOf(T - MIN), T, { steps: DEFAULT_STEPS });
  expect(first.offline.map((l) => l.name)).toEqual(['racer']);
  await hosts.recordReport(id, {}, new Date(T + 5_000)); // back before the state is written
  await hosts.applyStateChanges(first.changes, T);
  const next = evaluateHosts(await snapshotOf(T - 30_000), T + 30_000, { steps: DEFAULT_STEPS });
  expect(next.offline).toEqual([]);
  expect(next.recoveries).toMatchObject([{ name: 'racer', wentSilentAt: outage, seenAgainAt: T + 5_000 }]);
});

test('a report records when an alerted host was first seen again, once', async () => {
  const id = await addReportedHost(hosts, 'back', T - 20 * MIN);
  await hosts.applyStateChanges([{ kind: 'notify', hostId: id, outage: T - 20 * MIN, step: 10 }], T);
  await hosts.recordReport(id, { n: 1 }, new Date(T + MIN));
  await hosts.recordReport(id, { n: 2 }, new Date(T + 2 * MIN));
  const doc = await hosts.collection.findOne({ _id: new ObjectId(id) });
  expect(doc?.alert?.backAt).toEqual(new Date(T + MIN));
  expect(doc?.lastReportAt).toEqual(new Date(T + 2 * MIN));
  expect(doc?.data).toEqual({ n: 2 });
});

test('rule 4 with a new outage: the clear, then the new outage\'s notice, in one call', async () => {
  const first = T - 300 * MIN;
  const id = await addReportedHost(hosts, 'flap', first);
  await hosts.applyStateChanges([{ kind: 'notify', hostId: id, outage: first, step: 240 }], T - 30 * MIN);
  const second = T - 20 * MIN;
  await hosts.recordReport(id, {}, new Date(second)); // back, then silent again
  const result = await hosts.applyStateChanges(
    [
      { kind: 'clear', hostId: id, outage: first },
      { kind: 'notify', hostId: id, outage: second, step: 10 },
    ],
    T,
  );
  expect(result).toEqual({ applied: 2, skipped: 0 });
  // The new outage starts from its own step, not the old outage's 240.
  expect((await hosts.collection.findOne({ _id: new ObjectId(id) }))?.alert).toEqual({ outage: new Date(second), step: 10, notifiedAt: new Date(T) });
});

test('ensureIndexes can run again on a database that has them (every worker start after the first)', async () => {
  await hosts.ensureIndexes();
  await hosts.ensureIndexes();
  const names = (await hosts.collection.indexes()).map((i) => i.name).sort();
  expect(names).toEqual(['_id_', 'alert_outage', 'lastReportAt', 'name_unique', 'secretKey_unique']);
});

test('paging: a page that ends the hosts says so, so 6 offline hosts in pages of 3 take two queries, not three', async () => {
  const own = await freshStore();
  try {
    for (let i = 0; i < 6; i++) await addReportedHost(own.hosts, `six-${i}`, T - 30 * MIN);
    const first = await own.hosts.loadCheckPage({ cutoff: T - MIN, limit: 3 });
    expect(first.hosts).toHaveLength(3);
    expect(first.nextAfterId).toBe(first.hosts[2]!.id);
    const second = await own.hosts.loadCheckPage({ cutoff: T - MIN, limit: 3, afterId: first.nextAfterId! });
    expect(second.hosts.map((h) => h.name)).toEqual(['six-3', 'six-4', 'six-5']);
    expect('nextAfterId' in second).toBe(false);
  } finally {
    await own.mongo.db.dropDatabase();
    await own.mongo.close();
  }
});
