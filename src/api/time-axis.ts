/**
 * The host page's ranges and the time axis of its charts: ticks at local hour and day boundaries of the configured
 * time zone (Intl only, so summer-time changes move the ticks with the wall clock), and the labels under them.
 */
import { utcOffsetMinutes } from '../alerting/local-time.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The ranges the host page and the history API offer, and their length in milliseconds. */
export const RANGES = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY } as const;
export type RangeName = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeName = '24h';

/** The range named by a `range` query parameter; undefined for anything else (the caller answers 400). */
export function parseRange(v: unknown): RangeName | undefined {
  if (v === undefined) return DEFAULT_RANGE;
  return typeof v === 'string' && Object.hasOwn(RANGES, v) ? (v as RangeName) : undefined;
}

/** One labelled tick of a time axis. */
export interface Tick {
  t: number;
  label: string;
}

const partFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function cached(map: Map<string, Intl.DateTimeFormat>, timezone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = map.get(timezone);
  if (!f) {
    f = make();
    map.set(timezone, f);
  }
  return f;
}

function wall(instant: number, timezone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const f = cached(partFormats, timezone, () => new Intl.DateTimeFormat('en-CA', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }));
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(instant))) p[part.type] = part.value;
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute) };
}

/** The instant the local hour (or day) holding `instant` began, in `timezone`. */
export function localStart(instant: number, timezone: string, unit: 'hour' | 'day'): number {
  const w = wall(instant, timezone);
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, unit === 'day' ? 0 : w.hour);
  const guess = wallMs - utcOffsetMinutes(instant, timezone) * 60_000;
  return wallMs - utcOffsetMinutes(guess, timezone) * 60_000;
}

/** `Nov 23` in `timezone`. */
export function dayLabel(instant: number, timezone: string): string {
  return cached(dayFormats, timezone, () => new Intl.DateTimeFormat('en-US', { timeZone: timezone, month: 'short', day: 'numeric' })).format(new Date(instant));
}

/** `14:05` in `timezone`. */
export function clockLabel(instant: number, timezone: string): string {
  const w = wall(instant, timezone);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

/** The local day number of `instant` (days since 1970-01-01 on the wall clock), for ticks every n days. */
function localDayNumber(instant: number, timezone: string): number {
  const w = wall(instant, timezone);
  return Math.round(Date.UTC(w.year, w.month - 1, w.day) / DAY);
}

/**
 * Ticks between `from` and `to`: every 3 local hours for a day or less (midnight labelled with its date), else
 * local midnights, every day up to a week, every 5th day up to 30 days, every 15th beyond.
 */
export function timeTicks(from: number, to: number, timezone: string): Tick[] {
  const span = to - from;
  const out: Tick[] = [];
  if (span <= DAY) {
    for (let t = localStart(from, timezone, 'hour'); t <= to; t = localStart(t + 1.5 * HOUR, timezone, 'hour')) {
      if (t < from) continue;
      const w = wall(t, timezone);
      if (w.hour % 3 !== 0) continue;
      out.push({ t, label: w.hour === 0 ? dayLabel(t, timezone) : clockLabel(t, timezone) });
    }
    return out;
  }
  const every = span <= 7 * DAY ? 1 : span <= 30 * DAY ? 5 : 15;
  for (let t = localStart(from, timezone, 'day'); t <= to; t = localStart(t + 1.5 * DAY, timezone, 'day')) {
    if (t < from || localDayNumber(t, timezone) % every !== 0) continue;
    out.push({ t, label: dayLabel(t, timezone) });
  }
  return out;
}
