/** The pure part of metric history: points from reports, their stored form, buckets, rollups and levels. */
import { expect, test } from 'vitest';
import { bucketId, bucketStart, bucketStarts, combine, decodePoint, encodePoint, levelFor, pointFromReport, rollUp, slotOf, toMetricPoint } from '../../src/history/metric-rollup.js';

const T = Date.UTC(2026, 10, 20, 15, 7, 30);

test('a report becomes cpu, memory used %, load1 and disk used % per mount, as metric rules read them; none: no point', () => {
  const p = pointFromReport({ cpu: 12.5, memory: { used: 3, total: 8 }, load: [0.42, 0.3, 0.2], disk: [{ mount: '/', used: 40, total: 100 }, { mount: '/var.d', used: 1, total: 3 }, { mount: '', used: 1, total: 2 }] });
  expect(p).toEqual({ c: 12.5, m: 37.5, l: 0.42, dk: ['/', '/var.d'], dv: [40, 33.3] });
  expect(pointFromReport({ hostname: 'x', uptime: 5 })).toBeNull();
  expect(pointFromReport({ cpu: 'high', memory: { used: 1, total: 0 } })).toBeNull();
});

test('stored form: one JSON string per slot, decoded back; objects are read too, anything else is not a point', () => {
  const p = { c: 1.5, l: 0.2, dk: ['/'], dv: [90], n: 6 };
  expect(encodePoint(p)).toBe('[1.5,null,0.2,["/"],[90],6]');
  expect(decodePoint(encodePoint(p))).toEqual(p);
  expect(decodePoint(p)).toEqual(p);
  for (const bad of [null, 3, '[1,2]', 'not json', [1, 2, 3, [], [], null]]) expect(decodePoint(bad), String(bad)).toBeNull();
  expect(decodePoint('[1,2,3,["/"],[],null]')).toEqual({ c: 1, m: 2, l: 3 }); // mounts without values: no disks
});

test('buckets: 15-minute, day and 7-day spans from the epoch, slots by minute, 10 minutes and hour', () => {
  expect(bucketStart('m', T)).toBe(Date.UTC(2026, 10, 20, 15));
  expect(slotOf('m', T)).toBe(7);
  expect(bucketStart('t', T)).toBe(Date.UTC(2026, 10, 20));
  expect(slotOf('t', T)).toBe(90);
  expect(bucketStart('h', T) % (7 * 86_400_000)).toBe(0);
  expect(slotOf('h', T)).toBe((T - bucketStart('h', T)) / 3_600_000 | 0);
  expect(bucketId('abc', 'm', 5)).toBe('abc:m:5');
  expect(bucketStart('m', T + 8 * 60_000)).toBe(Date.UTC(2026, 10, 20, 15, 15));
  expect(bucketStarts('m', T - 2 * 3_600_000, T)).toHaveLength(9);
});

test('rollups: mean per value over the points carrying it, max per disk, counts; levels by range', () => {
  expect(combine([{ c: 10, dk: ['/'], dv: [50] }, { c: 20, m: 30, dk: ['/', '/b'], dv: [40, 1] }, { m: 31 }])).toEqual({ n: 3, c: 15, m: 30.5, dk: ['/', '/b'], dv: [50, 1] });
  const spans = rollUp([{ t: T, p: { c: 1 } }, { t: T + 60_000, p: { c: 2 } }, { t: T + 600_000, p: { c: 9 } }], 600_000);
  expect([...spans.keys()]).toEqual([Math.floor(T / 600_000) * 600_000, Math.floor(T / 600_000) * 600_000 + 600_000]);
  expect([...spans.values()].map((p) => p.c)).toEqual([1.5, 9]);
  expect(toMetricPoint(T, { c: 1, dk: ['/'], dv: [2] })).toEqual({ t: new Date(T), cpu: 1, memory: null, load1: null, disks: { '/': 2 } });
  expect(levelFor(0, 86_400_000)).toBe('m');
  expect(levelFor(0, 86_400_001)).toBe('t');
  expect(levelFor(0, 7 * 86_400_000)).toBe('t');
  expect(levelFor(0, 7 * 86_400_000 + 1)).toBe('h');
});
