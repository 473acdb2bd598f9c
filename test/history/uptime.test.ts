/** Uptime arithmetic (src/history/uptime.ts): worked examples, then a property test against a brute-force minute count. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { dailyUptime, localMidnight, uptimeOf, type UptimeHost } from '../../src/history/uptime.js';
import type { OutageRecord } from '../../src/history/types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function host(over: Partial<UptimeHost> = {}): UptimeHost {
  return { createdAt: new Date(NOW - 100 * DAY), active: true, lastReportAt: new Date(NOW - 10_000), ...over };
}

function offline(start: number, end: number | null, id = `h:offline_${start}`): OutageRecord {
  return { id, hostId: 'h', host: 'web-1', condition: 'offline', start: new Date(start), end: end === null ? null : new Date(end), notified: {} };
}

describe('uptimeOf', () => {
  test('no outage: 100 % over every window; never reported: null', () => {
    expect(uptimeOf(host(), [], NOW)).toEqual({ d1: 1, d7: 1, d30: 1, d90: 1 });
    expect(uptimeOf(host({ lastReportAt: null }), [], NOW)).toEqual({ d1: null, d7: null, d30: null, d90: null });
  });

  test('a 72-minute outage yesterday: 95 % of the last 24 h, 99.93 % of 7 days', () => {
    const u = uptimeOf(host(), [offline(NOW - 20 * HOUR, NOW - 20 * HOUR + 72 * MIN)], NOW);
    expect(u.d1).toBeCloseTo(1 - 72 / 1440, 12);
    expect(u.d7).toBeCloseTo(1 - 72 / (7 * 1440), 12);
    expect(u.d90).toBeCloseTo(1 - 72 / (90 * 1440), 12);
  });

  test('a host created 2 days ago is not down for the days before it existed', () => {
    const u = uptimeOf(host({ createdAt: new Date(NOW - 2 * DAY) }), [offline(NOW - DAY + HOUR, NOW - DAY + HOUR + 144 * MIN)], NOW);
    expect(u.d1).toBeCloseTo(0.9, 12); // 144 minutes of 1,440
    expect(u.d7).toBeCloseTo(0.95, 12); // of the 2 days it existed, not of 7
    expect(u.d90).toBe(u.d7);
  });

  test('windows count from the first report, or from the last enabling if later', () => {
    const firstReportAt = new Date(NOW - 3 * DAY);
    const u = uptimeOf(host({ createdAt: new Date(NOW - 10 * DAY), firstReportAt }), [offline(NOW - 2 * DAY, NOW - 2 * DAY + 3 * HOUR)], NOW);
    expect(u.d30).toBeCloseTo(1 - 3 / 72, 12); // 3 h down of 3 days monitored
    const enabled = uptimeOf(host({ enabledAt: new Date(NOW - DAY) }), [offline(NOW - 2 * DAY, NOW - 2 * DAY + 3 * HOUR)], NOW);
    expect(enabled).toEqual({ d1: 1, d7: 1, d30: 1, d90: 1 });
  });

  test('a silence going on now counts once it is past the interval plus the grace', () => {
    expect(uptimeOf(host({ lastReportAt: new Date(NOW - 59_000) }), [], NOW).d1).toBe(1);
    expect(uptimeOf(host({ lastReportAt: new Date(NOW - 2 * HOUR) }), [], NOW).d1).toBeCloseTo(1 - 2 / 24, 12);
    // A host that reports every 5 minutes is not down 4 minutes after its last report, and is 7 minutes after.
    expect(uptimeOf(host({ lastReportAt: new Date(NOW - 4 * MIN), data: { interval: 300 } }), [], NOW).d1).toBe(1);
    expect(uptimeOf(host({ lastReportAt: new Date(NOW - 7 * MIN), data: { interval: 300 } }), [], NOW).d1).toBeCloseTo(1 - 7 / 1440, 12);
  });

  test('an open record and the current silence are the same downtime, counted once; metric records are not downtime', () => {
    const since = NOW - 2 * HOUR;
    const metric: OutageRecord = { ...offline(NOW - 5 * HOUR, NOW - 4 * HOUR, 'h:metric_x'), condition: 'metric' };
    expect(uptimeOf(host({ lastReportAt: new Date(since) }), [offline(since, null), metric], NOW).d1).toBeCloseTo(1 - 2 / 24, 12);
    // An open record the host has reported after (its end lost to a race) is not downtime.
    expect(uptimeOf(host(), [offline(NOW - 5 * HOUR, null)], NOW).d1).toBe(1);
  });

  test('a disabled host is monitored until its last report', () => {
    const last = NOW - 12 * HOUR;
    const u = uptimeOf(host({ active: false, lastReportAt: new Date(last), createdAt: new Date(NOW - 36 * HOUR) }), [offline(last - 6 * HOUR, last - 3 * HOUR)], NOW);
    expect(u.d1).toBeCloseTo(1 - 3 / 12, 12); // 12 h of the last day monitored, 3 of them down
    expect(u.d7).toBeCloseTo(1 - 3 / 24, 12);
  });
});

describe('dailyUptime', () => {
  test('90 days, oldest first, today last; days before monitoring are null', () => {
    const days = dailyUptime(host({ createdAt: new Date(NOW - 10 * DAY) }), [offline(Date.UTC(2026, 10, 30, 6), Date.UTC(2026, 10, 30, 12))], NOW, 90, 'UTC');
    expect(days).toHaveLength(90);
    expect(days.at(-1)).toEqual({ day: '2026-12-01', uptime: 1, downMs: 0 });
    expect(days.at(-2)).toEqual({ day: '2026-11-30', uptime: 0.75, downMs: 6 * HOUR });
    expect(days.filter((d) => d.uptime === null)).toHaveLength(79);
    expect(days[0]!.day).toBe('2026-09-03');
  });

  test('local days across a DST change in Europe/Berlin: 23 and 25 hours long', () => {
    const now = Date.UTC(2026, 10, 1, 12); // 1 Nov 2026; DST ended 25 Oct 2026 at 03:00 local
    const days = dailyUptime(host({ createdAt: new Date(now - 60 * DAY) }), [offline(Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 25, 23))], now, 10, 'Europe/Berlin');
    const oct25 = days.find((d) => d.day === '2026-10-25')!;
    expect(oct25).toEqual({ day: '2026-10-25', uptime: 0, downMs: 25 * HOUR });
    expect(localMidnight(Date.UTC(2026, 2, 29, 12), 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 23)); // 29 Mar: CEST from 02:00
  });
});

test('property: uptime equals a brute-force count of monitored minutes that were down', () => {
  const minute = fc.integer({ min: 0, max: 100 * 1440 });
  fc.assert(
    fc.property(
      fc.record({
        created: minute,
        first: fc.option(minute, { nil: undefined }),
        enabled: fc.option(minute, { nil: undefined }),
        active: fc.boolean(),
        last: minute,
        interval: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
        outages: fc.array(fc.tuple(minute, fc.integer({ min: 0, max: 5000 }), fc.boolean()), { maxLength: 8 }),
      }),
      (g) => {
        // Minutes back from NOW, so that every boundary falls on a whole minute.
        const at = (m: number) => NOW - m * MIN;
        const h: UptimeHost = {
          createdAt: new Date(at(g.created)),
          ...(g.first !== undefined && { firstReportAt: new Date(at(g.first)) }),
          ...(g.enabled !== undefined && { enabledAt: new Date(at(g.enabled)) }),
          active: g.active,
          lastReportAt: new Date(at(g.last)),
          ...(g.interval !== undefined && { interval: g.interval * 60 }),
        };
        const records = g.outages.map(([start, length, open], i) => offline(at(start), open ? null : Math.min(NOW, at(start) + length * MIN), `h:o${i}`));
        const u = uptimeOf(h, records, NOW);
        for (const [days, got] of [[1, u.d1], [7, u.d7], [30, u.d30], [90, u.d90]] as const) {
          let monitored = 0;
          let down = 0;
          const from = Math.max(at(g.first ?? g.created), g.enabled === undefined ? -Infinity : at(g.enabled));
          const to = g.active ? NOW : Math.min(NOW, at(g.last));
          const silentFrom = Math.max(at(g.last), g.enabled === undefined ? -Infinity : at(g.enabled));
          const threshold = g.interval === undefined ? MIN : (g.interval * 60 + 60) * 1000;
          const silenceCounts = g.active && (g.interval === undefined ? NOW - silentFrom >= threshold : NOW - silentFrom > threshold);
          for (let t = NOW - days * DAY; t < NOW; t += MIN) {
            if (t < from || t >= to) continue;
            monitored++;
            // Open records are not counted on their own: the current silence is what the host document says.
            const inRecord = records.some((r) => r.end !== null && t >= r.start.getTime() && t < r.end.getTime());
            if (inRecord || (silenceCounts && t >= silentFrom)) down++;
          }
          expect(got, `${days} days`).toBe(monitored === 0 ? null : 1 - down / monitored);
        }
      },
    ),
    { numRuns: 200 },
  );
});
