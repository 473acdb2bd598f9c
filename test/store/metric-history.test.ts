/**
 * Metric history on the real database (FerretDB): points recorded at known times, rolled up by housekeeping, read at
 * each resolution and compared with a brute-force mean (cpu, memory, load1) and max (disks) over the minute points;
 * and at ingest, at most one extra write per report, filtered by `_id` alone.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { bucketStart, DAY_MS, HOUR_MS, MINUTE_MS, pointFromReport, slotOf, type StoredPoint } from '../../src/history/metric-rollup.js';
import type { MetricPoint } from '../../src/history/types.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { MetricHistoryStore } from '../../src/store/metric-history.js';
import { freshStore } from '../support/db.js';
import { reportHeaders } from '../api/support.js';

const NOW = Date.UTC(2026, 10, 20, 15, 7, 30);
const RETENTION = { minuteDays: 10, tenMinuteDays: 10, hourlyDays: 30 };
let client: MongoClient;
let db: Db;
let dbName: string;
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  const fresh = await freshStore();
  await fresh.mongo.close();
  dbName = fresh.dbName;
  client = new MongoClient(fresh.uri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e) => {
    if (['find', 'update', 'insert', 'delete', 'aggregate', 'findAndModify'].includes(e.commandName)) commands.push(e);
  });
  db = client.db(dbName);
});
afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

/** A report body with the given cpu %, memory used %, load1 and disk used % per mount. */
function report(cpu: number | undefined, mem: number, load1: number, disks: Record<string, number>): Record<string, unknown> {
  return {
    ...(cpu !== undefined && { cpu }),
    memory: { used: mem * 10, total: 1000 },
    load: [load1, 0, 0],
    disk: Object.entries(disks).map(([mount, pct]) => ({ mount, used: pct * 10, total: 1000 })),
  };
}

/** Deterministic pseudo-random values. */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Brute force: the minute points grouped by span, mean per value over the points carrying it, max per disk. */
function expected(minutes: Map<number, StoredPoint>, stepMs: number, from: number, to: number): MetricPoint[] {
  const spans = new Map<number, StoredPoint[]>();
  for (const [t, p] of [...minutes].sort((a, b) => a[0] - b[0])) {
    const span = Math.floor(t / stepMs) * stepMs;
    if (span < Math.floor(from / stepMs) * stepMs || span > to) continue;
    spans.set(span, [...(spans.get(span) ?? []), p]);
  }
  const mean = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 100) / 100 : null;
  };
  return [...spans].map(([t, ps]) => {
    const disks: Record<string, number> = {};
    for (const p of ps) p.dk?.forEach((k, i) => (disks[k] = Math.max(disks[k] ?? -Infinity, p.dv![i]!)));
    return { t: new Date(t), cpu: mean(ps.map((p) => p.c)), memory: mean(ps.map((p) => p.m)), load1: mean(ps.map((p) => p.l)), disks };
  });
}

function expectSame(actual: MetricPoint[], wanted: MetricPoint[]): void {
  expect(actual.map((p) => p.t.getTime())).toEqual(wanted.map((p) => p.t.getTime()));
  actual.forEach((p, i) => {
    const w = wanted[i]!;
    for (const k of ['cpu', 'memory', 'load1'] as const) {
      if (w[k] === null) expect(p[k], `${k} at ${p.t.toISOString()}`).toBeNull();
      else expect(Math.abs(p[k]! - w[k]!), `${k} at ${p.t.toISOString()}: ${p[k]} vs ${w[k]}`).toBeLessThanOrEqual(0.011);
    }
    expect(p.disks).toEqual(w.disks);
  });
}

/** Records reports for `hostId` every `everyMs` in [from, to), several per minute at times; returns the minute points kept. */
async function seed(store: MetricHistoryStore, hostId: string, from: number, to: number, everyMs: number, seedNo: number): Promise<Map<number, StoredPoint>> {
  const r = rng(seedNo);
  const minutes = new Map<number, StoredPoint>();
  const writes: [Record<string, unknown>, number][] = [];
  for (let t = from; t < to; t += everyMs + Math.floor(r() * 20_000)) {
    const data = report(r() < 0.1 ? undefined : Math.round(r() * 1000) / 10, Math.round(r() * 1000) / 10, Math.round(r() * 400) / 100, { '/': Math.round(r() * 1000) / 10, ...(r() < 0.7 && { '/var/lib.d': Math.round(r() * 1000) / 10 }) });
    writes.push([data, t]);
    minutes.set(Math.floor(t / MINUTE_MS) * MINUTE_MS, pointFromReport(data)!); // the latest of the minute
  }
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < writes.length; i = next++) await store.recordPoint(hostId, writes[i]![0], new Date(writes[i]![1]));
  };
  // In order within a lane is not guaranteed across lanes: one lane keeps "the latest of the minute" well defined.
  await lane();
  return minutes;
}

test('minute level: the latest report of each minute, read back over a day; reports without metrics write nothing', async () => {
  const store = new MetricHistoryStore(db);
  await store.ensureIndexes();
  const host = 'a'.repeat(24);
  const minutes = await seed(store, host, NOW - 26 * HOUR_MS, NOW, 40_000, 1);
  const s = await store.series(host, new Date(NOW - DAY_MS), new Date(NOW));
  expect(s.resolutionMs).toBe(60_000);
  expectSame(s.points, expected(minutes, MINUTE_MS, NOW - DAY_MS, NOW));
  expect(s.points.length).toBeGreaterThan(1000);
  commands = [];
  await store.recordPoint(host, { hostname: 'x', extra: 1 }, new Date(NOW));
  expect(commands).toHaveLength(0);
});

test('rollups: 10-minute and hourly points equal the brute-force mean and max of the minute points, before and after housekeeping', async () => {
  const store = new MetricHistoryStore(db);
  const hosts = new HostStore(db);
  const { id } = await hosts.add('rolled');
  // every ~2.5 minutes for 9 days (about 5,000 minute points)
  const minutes = await seed(store, id, NOW - 9 * DAY_MS, NOW, 140_000, 2);

  // before housekeeping: coarser levels are completed from the minute level for the newest 48 hours only
  const before = await store.series(id, new Date(NOW - 2 * DAY_MS + HOUR_MS), new Date(NOW));
  expect(before.resolutionMs).toBe(600_000);
  expectSame(before.points, expected(minutes, 600_000, NOW - 2 * DAY_MS + HOUR_MS, NOW));

  const r1 = await store.rollup(new Date(NOW), RETENTION);
  expect(r1).toMatchObject({ hosts: 1 });
  expect(r1.hours).toBeGreaterThan(200);
  const again = await store.rollup(new Date(NOW), RETENTION);
  expect(again).toMatchObject({ hosts: 1, hours: 0, writes: 0 });

  const week = await store.series(id, new Date(NOW - 7 * DAY_MS), new Date(NOW));
  expect(week.resolutionMs).toBe(600_000);
  expectSame(week.points, expected(minutes, 600_000, NOW - 7 * DAY_MS, NOW));
  const month = await store.series(id, new Date(NOW - 9 * DAY_MS), new Date(NOW));
  expect(month.resolutionMs).toBe(3_600_000);
  expectSame(month.points, expected(minutes, HOUR_MS, NOW - 9 * DAY_MS, NOW));
  // the current hour is not rolled yet: it comes from the minute level
  expect(month.points.at(-1)!.t.getTime()).toBe(Math.floor(NOW / HOUR_MS) * HOUR_MS);

  // the next hour: new points are rolled up by the next run, and nothing else changes
  const later = NOW + HOUR_MS;
  for (const [t, p] of (await seed(store, id, NOW, later, 50_000, 3)).entries()) minutes.set(t, p);
  const r2 = await store.rollup(new Date(later), RETENTION);
  expect(r2.hours).toBe(1); // 15:00-16:00; 16:00-16:07 is not complete yet
  expectSame((await store.series(id, new Date(later - 7 * DAY_MS), new Date(later))).points, expected(minutes, 600_000, later - 7 * DAY_MS, later));

  const many = await store.seriesMany([id, 'f'.repeat(24)], new Date(NOW - DAY_MS), new Date(NOW));
  expect(many.get(id)!.points.length).toBeGreaterThan(400);
  expect(many.get('f'.repeat(24))).toMatchObject({ resolutionMs: 60_000, points: [] });
});

test('ingest: a report with metrics costs exactly one extra write, an upsert filtered by _id alone; a failed one is logged, not lost', async () => {
  const hosts = new HostStore(db);
  const h = await hosts.add('ingest-one');
  let clock = NOW;
  const app = buildApi({ hosts, now: () => new Date(clock), authLimits: { perSource: 10_000, perKey: 10_000, windowMs: 60_000 } });
  try {
    const post = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(h.key, h.secret), payload: JSON.stringify(payload) });
    expect((await post(report(10, 20, 0.5, { '/': 30 }))).statusCode).toBe(204);
    commands = [];
    clock += 20_000;
    expect((await post(report(11, 21, 0.6, { '/': 31 }))).statusCode).toBe(204);
    const writes = commands.filter((c) => c.commandName !== 'find');
    const history = writes.filter((c) => c.command[c.commandName] === 'metric_history');
    expect(history).toHaveLength(1);
    expect(writes).toHaveLength(2); // the host's update and the history upsert
    const u = (history[0]!.command.updates as { q: unknown; u: { $set: object }; upsert: boolean }[])[0]!;
    expect(u.q).toEqual({ _id: `${h.id}:m:${bucketStart('m', clock)}` });
    expect(u.upsert).toBe(true);
    expect(Object.keys(u.u.$set)).toEqual([`p.${slotOf('m', clock)}`]);
    const s = await hosts.history!.series(h.id, new Date(NOW - HOUR_MS), new Date(clock));
    expect(s.points.map((p) => p.cpu)).toEqual([11]); // same minute: the latest report kept

    commands = [];
    expect((await post({ hostname: 'bare' })).statusCode).toBe(204);
    expect(commands.filter((c) => c.command[c.commandName] === 'metric_history')).toHaveLength(0);
  } finally {
    await app.close();
  }

  // concurrent points share commands (group commit): 40 hosts at once, and the same minute twice keeps the latest
  const store = new MetricHistoryStore(db);
  commands = [];
  const ids = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}${'c'.repeat(22)}`);
  await Promise.all([...ids.map((id) => store.recordPoint(id, report(1, 2, 3, { '/': 4 }), new Date(NOW))), store.recordPoint(ids[0]!, report(9, 2, 3, { '/': 4 }), new Date(NOW + 1000))]);
  const batched = commands.filter((c) => c.command[c.commandName] === 'metric_history');
  expect(batched.length).toBeLessThanOrEqual(2);
  expect(batched.flatMap((c) => c.command.updates as { q: { _id: string } }[]).map((u) => Object.keys(u.q))).toEqual(Array(40).fill(['_id']));
  expect((await store.series(ids[0]!, new Date(NOW - MINUTE_MS), new Date(NOW + MINUTE_MS))).points.map((p) => p.cpu)).toEqual([9]);

  // HISTORY_METRICS=false: no history at all
  const off = new HostStore(db, { history: false });
  commands = [];
  await off.recordReport(h.id, report(1, 2, 3, { '/': 4 }), new Date(NOW + 5 * MINUTE_MS));
  expect(commands.filter((c) => c.command[c.commandName] === 'metric_history')).toHaveLength(0);

  // a failing history write: the report is stored, the failure counted and reported to onError
  const errors: string[] = [];
  const broken = new MetricHistoryStore(db, { onError: (err, hostId) => errors.push(`${hostId}: ${(err as Error).message}`) });
  broken.recordPoint = async () => {
    throw new Error('disk full');
  };
  const withBroken = new HostStore(db, { history: broken });
  expect(await withBroken.recordReport(h.id, report(5, 6, 7, { '/': 8 }), new Date(NOW + 6 * MINUTE_MS))).toBe(true);
  expect((await withBroken.collection.findOne({ name: 'ingest-one' }))!.lastReportAt).toEqual(new Date(NOW + 6 * MINUTE_MS));
  expect(broken.failures).toBe(1);
  expect(errors).toEqual([`${h.id}: disk full`]);
});
