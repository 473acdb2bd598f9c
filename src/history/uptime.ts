/**
 * Uptime from the outage log (issue 13 point 1). Pure. A host is monitored from its first report (or its creation,
 * for hosts that reported before first reports were kept), and from its last enabling if later (ALERTING.md rule
 * 9), until now; a disabled host until its last report. It is down during every ended offline record (start to
 * end) and during a silence going on now that is longer than its interval plus the default grace (outage-records.ts
 * offlineThresholdMs); an open record is that silence, dated by the host document. Metric conditions and reboots do
 * not count as downtime.
 */
import { utcOffsetMinutes } from '../alerting/local-time.js';
import { reportingInterval } from '../store/host-status.js';
import { offlineThresholdMs } from './outage-records.js';
import type { OutageRecord, Uptime } from './types.js';

const DAY_MS = 86_400_000;

/** What uptime needs of a host (a subset of the hosts collection's HostView). */
export interface UptimeHost {
  createdAt: Date;
  enabledAt?: Date;
  active: boolean;
  lastReportAt: Date | null;
  firstReportAt?: Date;
  /** Interval set on the host, in seconds; a stated `data.interval` wins. */
  interval?: number;
  data?: Record<string, unknown> | null;
}

export interface DayUptime {
  /** `YYYY-MM-DD` in the time zone asked for. */
  day: string;
  /** 0..1, or null when the host was not monitored at all that day. */
  uptime: number | null;
  downMs: number;
}

/** The span the host was monitored in, or undefined if it never reported. */
export function monitoredSpan(host: UptimeHost, now: number): { from: number; to: number } | undefined {
  if (!host.lastReportAt) return undefined;
  const first = (host.firstReportAt ?? host.createdAt).getTime();
  const from = Math.max(first, host.enabledAt?.getTime() ?? -Infinity);
  const to = host.active ? now : Math.min(now, host.lastReportAt.getTime());
  return from < to ? { from, to } : undefined;
}

/** Down spans, merged and sorted: offline records and the silence going on now, if it is long enough. */
export function downSpans(host: UptimeHost, records: readonly OutageRecord[], now: number): [number, number][] {
  const spans: [number, number][] = [];
  for (const r of records) {
    // An open record is the silence going on now (below), which the host document dates: counted from there.
    if (r.condition !== 'offline' || r.end === null) continue;
    const end = r.end.getTime();
    if (end > r.start.getTime()) spans.push([r.start.getTime(), Math.min(end, now)]);
  }
  if (host.active && host.lastReportAt) {
    const since = Math.max(host.lastReportAt.getTime(), host.enabledAt?.getTime() ?? -Infinity);
    const interval = reportingInterval(host);
    const silence = now - since;
    if (interval === undefined ? silence >= offlineThresholdMs(undefined) : silence > offlineThresholdMs(interval)) spans.push([since, now]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

/** Milliseconds of `spans` within [from, to). */
function downWithin(spans: readonly [number, number][], from: number, to: number): number {
  let down = 0;
  for (const [a, b] of spans) down += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return down;
}

/** Fraction of [from, to) the host was up, within its monitored span; null if it was not monitored then. */
function uptimeBetween(span: { from: number; to: number } | undefined, spans: readonly [number, number][], from: number, to: number): { uptime: number | null; downMs: number } {
  if (!span) return { uptime: null, downMs: 0 };
  const a = Math.max(from, span.from);
  const b = Math.min(to, span.to);
  if (a >= b) return { uptime: null, downMs: 0 };
  const down = downWithin(spans, a, b);
  return { uptime: 1 - down / (b - a), downMs: down };
}

/** Uptime over the last 24 hours, 7, 30 and 90 days. */
export function uptimeOf(host: UptimeHost, records: readonly OutageRecord[], now: number): Uptime {
  const span = monitoredSpan(host, now);
  const spans = downSpans(host, records, now);
  const over = (days: number) => uptimeBetween(span, spans, now - days * DAY_MS, now).uptime;
  return { d1: over(1), d7: over(7), d30: over(30), d90: over(90) };
}

/** The instant local midnight began the day that holds `t`, in `timezone`. */
export function localMidnight(t: number, timezone: string): number {
  const offset = utcOffsetMinutes(t, timezone) * 60_000;
  const localDay = Math.floor((t + offset) / DAY_MS) * DAY_MS;
  const guess = localDay - offset;
  // Across a change of offset (DST) the midnight has the other offset.
  const actual = localDay - utcOffsetMinutes(guess, timezone) * 60_000;
  return actual <= t ? actual : guess;
}

function dayLabel(t: number, timezone: string): string {
  return new Date(t + utcOffsetMinutes(t, timezone) * 60_000).toISOString().slice(0, 10);
}

/** Uptime per local day for the last `days` days (today last, up to now), oldest first. */
export function dailyUptime(host: UptimeHost, records: readonly OutageRecord[], now: number, days: number, timezone: string): DayUptime[] {
  const span = monitoredSpan(host, now);
  const spans = downSpans(host, records, now);
  const out: DayUptime[] = [];
  let end = now;
  let start = localMidnight(now, timezone);
  for (let i = 0; i < days; i++) {
    out.push({ day: dayLabel(start, timezone), ...uptimeBetween(span, spans, start, end) });
    end = start;
    // Noon of the day before, then its midnight: right across 23- and 25-hour days.
    start = localMidnight(start - DAY_MS / 2, timezone);
  }
  return out.reverse();
}
