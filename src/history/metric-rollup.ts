/**
 * Metric history (docs/history.md "Metric history"): the point a report becomes, the three levels and their
 * buckets, and the rollup arithmetic. Pure: no I/O. Stored by src/store/metric-history.ts.
 *
 * Levels, each stored as bucket documents of a fixed span counted from the Unix epoch (UTC):
 * - `m`: one point a minute (the latest report of the minute), in 15-minute buckets of 15 slots (written at
 *   ingest: FerretDB re-encodes a whole document per update, so ingest's documents are kept small);
 * - `t`: one point per 10 minutes, in day buckets of 144 slots;
 * - `h`: one point an hour, in 7-day buckets of 168 slots.
 * A rolled-up point is the mean of the minute points of its span for cpu, memory and load1 (each over the points
 * that carry it) and the maximum for each disk, so a disk filling up is never hidden by an average.
 */
import { readMetric } from '../rules/rule.js';
import type { MetricPoint } from './types.js';

export const MINUTE_MS = 60_000;
export const TEN_MINUTES_MS = 600_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type Level = 'm' | 't' | 'h';

/** Each level's point spacing and bucket span, in milliseconds. */
export const LEVELS: Readonly<Record<Level, { stepMs: number; bucketMs: number }>> = Object.freeze({
  m: { stepMs: MINUTE_MS, bucketMs: 15 * MINUTE_MS },
  t: { stepMs: TEN_MINUTES_MS, bucketMs: DAY_MS },
  h: { stepMs: HOUR_MS, bucketMs: 7 * DAY_MS },
});

/**
 * A point: `c` cpu %, `m` memory used %, `l` load1, `dk`/`dv` disk mounts and their used % (two arrays: a mount
 * is not a safe field name), `n` the minute points a rolled-up point was made of. Stored encoded
 * ({@link encodePoint}).
 */
export interface StoredPoint {
  c?: number;
  m?: number;
  l?: number;
  dk?: string[];
  dv?: number[];
  n?: number;
}

/**
 * The point of a report, read the way metric rules read it (src/rules/rule.ts readMetric): cpu as reported, memory
 * and disks as used / total in percent, load1. Null when the report carries none of them (nothing to store).
 */
export function pointFromReport(data: Record<string, unknown>): StoredPoint | null {
  const p: StoredPoint = {};
  const one = (metric: string): number | undefined => readMetric({ metric }, data).get('');
  const c = one('cpu');
  const m = one('memory');
  const l = one('load1');
  if (c !== undefined) p.c = c;
  if (m !== undefined) p.m = m;
  if (l !== undefined) p.l = l;
  const disks = readMetric({ metric: 'disk' }, data);
  if (disks.size > 0) {
    p.dk = [...disks.keys()];
    p.dv = [...disks.values()];
  }
  return Object.keys(p).length > 0 ? p : null;
}

/**
 * A point as a bucket's `p.<slot>` holds it: one JSON string `[c, m, l, [mounts], [disk %], n]`, null where a value
 * is missing. FerretDB 1.x keeps a type entry for every field of a document and re-encodes the whole document on
 * each update; one string per slot instead of an object made buckets four times smaller and their reads and
 * updates two to three times faster (docs/benchmarks.md, metric history).
 */
export function encodePoint(p: StoredPoint): string {
  return JSON.stringify([p.c ?? null, p.m ?? null, p.l ?? null, p.dk ?? [], p.dv ?? [], p.n ?? null]);
}

/** A point written as a plain object (`{c, m, l, dk, dv, n}`), as code seeding buckets directly may write it. */
function objectPoint(v: object): StoredPoint {
  const o = v as Record<string, unknown>;
  return decodePoint(JSON.stringify([o.c ?? null, o.m ?? null, o.l ?? null, o.dk ?? [], o.dv ?? [], o.n ?? null])) ?? {};
}

/** The point of a stored slot (encoded, or a plain {@link StoredPoint} object); null for anything else. */
export function decodePoint(v: unknown): StoredPoint | null {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return objectPoint(v);
  if (typeof v !== 'string') return null;
  let a: unknown;
  try {
    a = JSON.parse(v);
  } catch {
    return null;
  }
  if (!Array.isArray(a) || a.length !== 6) return null;
  const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const p: StoredPoint = {};
  const [c, m, l, dk, dv, n] = a as unknown[];
  if (num(c) !== undefined) p.c = num(c)!;
  if (num(m) !== undefined) p.m = num(m)!;
  if (num(l) !== undefined) p.l = num(l)!;
  if (Array.isArray(dk) && Array.isArray(dv) && dk.length > 0 && dk.length === dv.length && dk.every((k) => typeof k === 'string') && dv.every((x) => num(x) !== undefined)) {
    p.dk = dk as string[];
    p.dv = dv as number[];
  }
  if (num(n) !== undefined) p.n = num(n)!;
  return p;
}

/** Start (epoch ms) of the hour that holds instant `t`: the unit of rollups. */
export function hourStart(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

/** Start (epoch ms) of the level's bucket that holds instant `t`. */
export function bucketStart(level: Level, t: number): number {
  const span = LEVELS[level].bucketMs;
  return Math.floor(t / span) * span;
}

/** The `_id` of a bucket document: `<host id>:<level>:<bucket start ms>`. */
export function bucketId(hostId: string, level: Level, start: number): string {
  return `${hostId}:${level}:${start}`;
}

/** The slot of instant `t` in its bucket of the level. */
export function slotOf(level: Level, t: number): number {
  return Math.floor((t - bucketStart(level, t)) / LEVELS[level].stepMs);
}

/** Bucket starts of the level that overlap `[from, to]`, oldest first. */
export function bucketStarts(level: Level, from: number, to: number): number[] {
  const out: number[] = [];
  for (let s = bucketStart(level, from); s <= to; s += LEVELS[level].bucketMs) out.push(s);
  return out;
}

/** The points of a bucket document's `p`, with their instants, in time order. */
export function bucketPoints(level: Level, start: number, p: Record<string, string> | undefined): { t: number; p: StoredPoint }[] {
  if (!p) return [];
  const step = LEVELS[level].stepMs;
  return Object.entries(p)
    .flatMap(([slot, stored]) => {
      const point = decodePoint(stored);
      const t = start + Number(slot) * step;
      return point && Number.isInteger(t) ? [{ t, p: point }] : [];
    })
    .sort((a, b) => a.t - b.t);
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** One rolled-up point from minute points: means for c, m, l over the points carrying each, max per disk. */
export function combine(points: readonly StoredPoint[]): StoredPoint {
  const out: StoredPoint = { n: points.length };
  for (const key of ['c', 'm', 'l'] as const) {
    const values = points.flatMap((p) => (p[key] === undefined ? [] : [p[key]!]));
    if (values.length > 0) out[key] = round2(values.reduce((a, b) => a + b, 0) / values.length);
  }
  const disks = new Map<string, number>();
  for (const p of points) {
    p.dk?.forEach((mount, i) => {
      const v = p.dv?.[i];
      if (v !== undefined) disks.set(mount, Math.max(disks.get(mount) ?? -Infinity, v));
    });
  }
  if (disks.size > 0) {
    out.dk = [...disks.keys()];
    out.dv = [...disks.values()];
  }
  return out;
}

/** Minute points grouped into spans of `stepMs` (600,000 or 3,600,000) and combined; keyed by span start. */
export function rollUp(minutes: readonly { t: number; p: StoredPoint }[], stepMs: number): Map<number, StoredPoint> {
  const spans = new Map<number, StoredPoint[]>();
  for (const { t, p } of minutes) {
    const span = Math.floor(t / stepMs) * stepMs;
    const list = spans.get(span);
    if (list) list.push(p);
    else spans.set(span, [p]);
  }
  return new Map([...spans].sort((a, b) => a[0] - b[0]).map(([span, list]) => [span, combine(list)]));
}

/** A stored point as the contract shows it (src/history/types.ts MetricPoint). */
export function toMetricPoint(t: number, p: StoredPoint): MetricPoint {
  const disks: Record<string, number> = {};
  p.dk?.forEach((mount, i) => {
    const v = p.dv?.[i];
    if (v !== undefined) disks[mount] = v;
  });
  return { t: new Date(t), cpu: p.c ?? null, memory: p.m ?? null, load1: p.l ?? null, disks };
}

/** The level a series over `[from, to]` is read at: a day or less by the minute, a week or less by 10 minutes, else hourly. */
export function levelFor(from: number, to: number): Level {
  const range = to - from;
  if (range <= DAY_MS) return 'm';
  if (range <= 7 * DAY_MS) return 't';
  return 'h';
}
