/**
 * The housekeeping workflow on the time-skipping test server with the real activities on FerretDB: metric rollups,
 * retention of every kind (metric levels, orphaned rollup state, ended outages, the notification log), open outages
 * kept, a second run changing nothing, and bad input refused.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from 'mongodb';
import { bucketId, bucketStart, DAY_MS, encodePoint, HOUR_MS, hourStart, MINUTE_MS } from '../../src/history/metric-rollup.js';
import { HISTORY_COLLECTIONS } from '../../src/history/types.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { MetricHistoryStore, type MetricBucketDoc } from '../../src/store/metric-history.js';
import type { HousekeepingSummary } from '../../src/workflows/index.js';
import { freshStore } from '../support/db.js';
import { hostwatchWorker, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let seq = 0;

beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const report = (cpu: number) => ({ cpu, memory: { used: 50, total: 100 }, load: [cpu / 100, 0, 0], disk: [{ mount: '/', used: cpu, total: 100 }] });

function run(taskQueue: string, input: object = {}): Promise<HousekeepingSummary> {
  return new Client({ connection: env.connection }).workflow.execute('housekeeping', { taskQueue, workflowId: `hk-${taskQueue}-${++seq}`, args: [input] });
}

/** An old bucket of `level` for `host` `ageMs` before `now`. */
function bucket(host: string, level: 'm' | 't' | 'h', now: number, ageMs: number): MetricBucketDoc {
  const s = bucketStart(level, now - ageMs);
  return { _id: bucketId(host, level, s), h: host, l: level, t: new Date(s), p: { '0': encodePoint({ c: 1, n: 1 }) } };
}

async function ids(db: Db, name: string): Promise<string[]> {
  return (await db.collection<{ _id: string }>(name).find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort();
}

test('one run rolls up every host and deletes exactly what is beyond each retention; a second run changes nothing', async () => {
  const { hosts, mongo } = await freshStore();
  const db = mongo.db;
  const taskQueue = uniqueTaskQueue('housekeeping');
  const now = await env.currentTimeMs();
  const history = new MetricHistoryStore(db);
  await history.ensureIndexes();

  // Two hosts reporting over three whole hours that end an hour before this one (so an hour boundary passing
  // between the runs adds no hour with data), one host without history.
  const a = (await hosts.add('hk-a')).id;
  const b = (await hosts.add('hk-b')).id;
  await hosts.add('hk-silent');
  const thisHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  for (let t = thisHour - 4 * HOUR_MS; t < thisHour - HOUR_MS; t += 5 * MINUTE_MS) {
    await history.recordPoint(a, report(10), new Date(t));
    await history.recordPoint(b, report(30), new Date(t));
  }
  // Buckets just beyond each retention (defaults: 1, 7 and 90 days), deleted by id in the host's pass; buckets far
  // beyond (removed by the sweep); buckets within; and a removed host's rollup state (the sweep too).
  const justOld = [bucket(a, 'm', now, DAY_MS + 20 * MINUTE_MS), bucket(b, 't', now, 8 * DAY_MS), bucket(a, 'h', now, 97 * DAY_MS)];
  const farOld = [bucket(a, 'm', now, 3 * DAY_MS), bucket(a, 't', now, 12 * DAY_MS), bucket(b, 'h', now, 130 * DAY_MS)];
  const young = [bucket(a, 'm', now, 20 * HOUR_MS), bucket(a, 't', now, 5 * DAY_MS), bucket(b, 'h', now, 80 * DAY_MS)];
  const orphan: MetricBucketDoc = { _id: 'f'.repeat(24) + ':s', h: 'f'.repeat(24), l: 's', t: new Date(now - 95 * DAY_MS), rolled: new Date(now - 95 * DAY_MS) };
  await history.collection.insertMany([...justOld, ...farOld, ...young, orphan]);
  const outages = db.collection(HISTORY_COLLECTIONS.outages);
  await outages.insertMany([
    { _id: 'x:ended-401d', hostId: a, start: new Date(now - 402 * DAY_MS), end: new Date(now - 401 * DAY_MS) },
    { _id: 'x:ended-399d', hostId: a, start: new Date(now - 400 * DAY_MS), end: new Date(now - 399 * DAY_MS) },
    { _id: 'x:open-500d', hostId: a, start: new Date(now - 500 * DAY_MS), end: null },
  ] as never[]);
  const notices = db.collection(HISTORY_COLLECTIONS.notices);
  await notices.insertMany([
    ...[91, 92, 93, 94, 95].map((d) => ({ _id: `n-${d}d`, checkTime: new Date(now - d * DAY_MS) })),
    { _id: 'n-89d', checkTime: new Date(now - 89 * DAY_MS) },
  ] as never[]);

  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts: hosts as HostStore, smtpUrl: 'smtp://127.0.0.1:9' });
  await worker.runUntil(async () => {
    // batches of 2: the notices take several delete calls
    const first = await run(taskQueue, { batch: 2, pageSize: 2, sweep: false });
    expect(first).toMatchObject({
      hosts: 3,
      retention: { minuteDays: 1, tenMinuteDays: 7, hourlyDays: 90, outageDays: 400, noticeDays: 90 },
      deleted: { m: 1, t: 1, h: 1, swept: 0, outages: 1, notices: 5 },
      swept: false,
      unfinished: [],
    });
    // 3 hours of 2 hosts, the young minute bucket of 20 hours ago, and the just-old one (its point 1 day 20 minutes
    // ago) when it lies in the first hour still within the minute retention (in the first 20 minutes of an hour, not)
    const justOldRolled = bucketStart('m', now - DAY_MS - 20 * MINUTE_MS) >= hourStart(now - DAY_MS) ? 1 : 0;
    expect(first.hoursRolled).toBe(7 + justOldRolled);
    expect(first.message).toMatch(/^Rolled up \d+ host-hours of 3 hosts; deleted 1 minute buckets, 1 10-minute buckets, 1 hourly buckets, 1 outages, 5 notices$/);
    let remaining = await ids(db, HISTORY_COLLECTIONS.metrics);
    for (const d of justOld) expect(remaining).not.toContain(d._id);
    for (const d of [...farOld, ...young, orphan]) expect(remaining).toContain(d._id);
    expect(remaining).toEqual(expect.arrayContaining([`${a}:s`, `${b}:s`, bucketId(a, 't', bucketStart('t', now)), bucketId(b, 'h', bucketStart('h', now))]));
    expect(await ids(db, HISTORY_COLLECTIONS.outages)).toEqual(['x:ended-399d', 'x:open-500d']);
    expect(await ids(db, HISTORY_COLLECTIONS.notices)).toEqual(['n-89d']);
    const week = await history.series(b, new Date(now - 7 * DAY_MS), new Date(now));
    expect(week.points.length).toBeGreaterThanOrEqual(18);
    expect(week.points.every((p) => p.cpu === 30 && p.disks['/'] === 30)).toBe(true);

    const swept = await run(taskQueue, { sweep: true });
    expect(swept).toMatchObject({ hoursRolled: 0, deleted: { m: 0, t: 0, h: 0, swept: 4, outages: 0, notices: 0 }, swept: true });
    expect(swept.message).toBe('Rolled up 0 host-hours of 3 hosts; deleted 4 swept metric documents');
    remaining = await ids(db, HISTORY_COLLECTIONS.metrics);
    for (const d of [...farOld, orphan]) expect(remaining).not.toContain(d._id);
    for (const d of young) expect(remaining).toContain(d._id);

    const before = JSON.stringify(await history.collection.find({}).sort({ _id: 1 }).toArray());
    const again = await run(taskQueue, { sweep: true });
    expect(again).toMatchObject({ hosts: 3, hoursRolled: 0, writes: 0, deleted: { m: 0, t: 0, h: 0, swept: 0, outages: 0, notices: 0 }, message: 'Rolled up 0 host-hours of 3 hosts; deleted nothing' });
    expect(JSON.stringify(await history.collection.find({}).sort({ _id: 1 }).toArray())).toBe(before);

    const bad = await run(taskQueue, { batch: 0 }).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(WorkflowFailedError);
    expect((bad as WorkflowFailedError).cause?.message).toBe('invalid housekeeping input batch: must be a whole number from 1 to 5000');
  });
  await mongo.db.dropDatabase();
  await mongo.close();
});
