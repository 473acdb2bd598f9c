/**
 * Seeds one host's history as hostwatch would have kept it after `days` days, for the host page's bench, its
 * route tests and its screenshots: metric buckets in the store's layout (src/history/metric-rollup.ts: minute points
 * for the last day, 10-minute points for the last week, hourly points for the whole span, the rollup state), outage
 * records (offline silences, where the metric points stop, a disk rule and a reboot) and notices. Deterministic.
 */
import type { Db } from 'mongodb';
import { bucketId, bucketStart, encodePoint, LEVELS, slotOf, type Level, type StoredPoint } from '../../src/history/metric-rollup.js';
import { HISTORY_COLLECTIONS, type NoticeLogEntry, type OutageRecord } from '../../src/history/types.js';
import { OutageStore } from '../../src/store/outages-store.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface HistorySeed {
  hostId: string;
  host: string;
  /** Epoch ms of "now": the newest point is the minute before it. */
  now: number;
  /** Days of history (at most 90 are kept at the hourly level). */
  days: number;
  /** Retention of the minute and 10-minute levels in days (defaults 1 and 7, as HISTORY_MINUTE_DAYS / HISTORY_10MIN_DAYS). */
  minuteDays?: number;
  tenMinuteDays?: number;
  /** Notices to write (default 40). */
  notices?: number;
}

export interface SeededHistory {
  outages: OutageRecord[];
  notices: NoticeLogEntry[];
  /** Bucket documents written. */
  buckets: number;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/** The offline silences of the seed: [start, end] pairs, newest first (one 3 hours long, three days ago). */
export function seededSilences(now: number, days: number): [number, number][] {
  const out: [number, number][] = [
    [now - 3 * DAY - 5 * HOUR, now - 3 * DAY - 2 * HOUR],
    [now - 9 * DAY + 2 * HOUR, now - 9 * DAY + 2 * HOUR + 25 * MIN],
    [now - 21 * DAY, now - 21 * DAY + 7 * MIN],
    [now - 40 * DAY + 10 * HOUR, now - 40 * DAY + 10 * HOUR + 14 * HOUR],
    [now - 75 * DAY, now - 75 * DAY + 50 * MIN],
  ];
  return out.filter(([s]) => s > now - days * DAY);
}

/** The host's numbers at instant `t`: a daily CPU wave, memory and disks filling slowly, /var faster. */
function pointAt(t: number, now: number, rnd: () => number): StoredPoint {
  const dayPhase = ((t % DAY) / DAY) * 2 * Math.PI;
  const age = (now - t) / DAY;
  const cpu = Math.min(100, Math.max(0, 22 + 18 * Math.sin(dayPhase - 1.2) + rnd() * 12 + (rnd() < 0.01 ? 45 : 0)));
  const mem = Math.min(100, 48 + 10 * Math.sin(dayPhase) + (90 - age) * 0.1 + rnd() * 3);
  return { c: r2(cpu), m: r2(mem), l: r2(cpu / 20 + rnd() * 0.3), dk: ['/', '/var'], dv: [r2(40 + (90 - age) * 0.15), r2(Math.min(99, 70 + (90 - age) * 0.25))] };
}

async function writeLevel(db: Db, o: HistorySeed, level: Level, from: number, silences: [number, number][], rnd: () => number): Promise<number> {
  const { stepMs } = LEVELS[level];
  const docs = new Map<number, Record<string, string>>();
  for (let t = Math.ceil(from / stepMs) * stepMs; t < o.now; t += stepMs) {
    if (silences.some(([s, e]) => t + stepMs > s && t < e)) continue;
    const start = bucketStart(level, t);
    let p = docs.get(start);
    if (!p) docs.set(start, (p = {}));
    // Each slot as the store writes it: one JSON string (metric-rollup.ts encodePoint).
    p[String(slotOf(level, t))] = encodePoint({ ...pointAt(t, o.now, rnd), ...(level !== 'm' && { n: stepMs / MIN }) });
  }
  const coll = db.collection(HISTORY_COLLECTIONS.metrics);
  // Upserts by `_id` slot by slot, as the ingest writes them: the host's own reports may already have made a bucket.
  const all = [...docs].map(([start, p]) => ({
    updateOne: {
      filter: { _id: bucketId(o.hostId, level, start) },
      update: { $set: { h: o.hostId, l: level, t: new Date(start), ...Object.fromEntries(Object.entries(p).map(([slot, v]) => [`p.${slot}`, v])) } },
      upsert: true,
    },
  }));
  for (let i = 0; i < all.length; i += 200) await coll.bulkWrite(all.slice(i, i + 200) as never[], { ordered: true });
  return all.length;
}

/** Writes the whole seed. The host document itself is the caller's (its `createdAt` decides where the bar starts). */
export async function seedHistory(db: Db, o: HistorySeed): Promise<SeededHistory> {
  const rnd = random(7);
  const silences = seededSilences(o.now, o.days);
  const minuteFrom = o.now - Math.min(o.days, o.minuteDays ?? 1) * DAY;
  const tenFrom = o.now - Math.min(o.days, o.tenMinuteDays ?? 7) * DAY;
  // Housekeeping has rolled up every hour up to two hours ago; series() completes the rest from the minute level.
  const rolled = bucketStart('m', o.now) - 2 * HOUR;
  let buckets = 0;
  buckets += await writeLevel(db, o, 'm', minuteFrom, silences, rnd);
  buckets += await writeLevel(db, o, 't', Math.max(tenFrom, o.now - o.days * DAY), silences, rnd);
  buckets += await writeLevel(db, o, 'h', o.now - o.days * DAY, silences, rnd);
  await db.collection(HISTORY_COLLECTIONS.metrics).insertOne({ _id: `${o.hostId}:s`, h: o.hostId, l: 's', t: new Date(rolled), rolled: new Date(rolled) } as never);

  const dests = ['ops@example.com', 'oncall (slack)'];
  const outages: OutageRecord[] = silences.map(([s, e]) => {
    const minutes = (e - s) / MIN;
    const steps = [1, 10, 60, 240, 1440].filter((x) => x <= minutes);
    const top = steps.at(-1);
    return { id: `${o.hostId}:offline_${s}`, hostId: o.hostId, host: o.host, condition: 'offline', start: new Date(s), end: new Date(e), notified: top === undefined ? {} : Object.fromEntries(dests.map((d) => [d, top])) };
  });
  if (o.days > 12) {
    const s = o.now - 12 * DAY;
    outages.push({ id: `${o.hostId}:metric_rule-var_${s}_a1`, hostId: o.hostId, host: o.host, condition: 'metric', rule: 'rule-var', ruleName: 'var-full', metric: 'disk', item: '/var', peak: 93.4, start: new Date(s), end: new Date(s + 6 * HOUR), notified: { 'ops@example.com': 60 } });
    outages.push({ id: `${o.hostId}:reboot_rule-boot_${s - DAY}`, hostId: o.hostId, host: o.host, condition: 'reboot', rule: 'rule-boot', ruleName: 'reboots', start: new Date(s - DAY), end: new Date(s - DAY), notified: { 'oncall (slack)': 0 } });
  }
  await new OutageStore(db).insertRecords(outages);

  const notices: NoticeLogEntry[] = [];
  const count = o.notices ?? 40;
  for (let i = 0; i < count; i++) {
    const [s, e] = silences[Math.floor(i / 4) % Math.max(1, silences.length)] ?? [o.now - DAY, o.now - DAY + HOUR];
    const back = i % 4 >= 2;
    const dest = dests[i % 2]!;
    const at = back ? e + MIN : s + 2 * MIN + (i % 4) * 1000;
    notices.push({
      id: `wf-check.run-${i}.d${i % 2}`,
      run: `wf-check.run-${i}`,
      checkTime: new Date(at - Math.floor(i / 8) * 1000),
      destination: { key: i % 2 ? 'slack:oncall' : `mailto:${dest}`, label: dest, kind: i % 2 ? 'slack' : 'mailto' },
      accepted: i % 7 !== 3,
      ...(i % 7 === 3 && { error: 'HTTP 503 from the webhook; retried in the next run' }),
      hosts: [o.host, 'db-1'],
      lines: [
        { host: o.host, kind: back ? 'recovered' : 'offline', text: back ? `${o.host} back online after ${Math.round((e - s) / MIN)} minutes` : `${o.host} offline 1 minute (since ${new Date(s).toISOString().slice(11, 16)} UTC)` },
        { host: 'db-1', kind: 'offline', text: 'db-1 offline 10 minutes' },
      ],
      more: 0,
    });
  }
  await new NoticeLogStore(db).record(notices);
  return { outages, notices, buckets };
}
