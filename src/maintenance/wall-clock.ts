/**
 * Local wall-clock times in an IANA zone and the instants they name, with Intl only (alerting/local-time.ts), so it runs
 * unchanged inside workflow code. Calendar dates are plain proleptic-Gregorian arithmetic on UTC fields.
 *
 * DST: a wall time that does not exist (skipped when clocks go forward) names the instant the clocks jumped, so a
 * 02:30 in Europe/Berlin on the last Sunday of March is 03:00 local; a wall time that exists twice (repeated when
 * clocks go back) names its first or its second occurrence as the caller asks (window starts take the first, ends
 * the second: docs/operations.md "Maintenance windows").
 */
import { utcOffsetMinutes } from '../alerting/local-time.js';

const MIN = 60_000;
const DAY = 86_400_000;

/** A calendar date: year, month 1-12, day 1-31. */
export interface CivilDate {
  y: number;
  m: number;
  d: number;
}

/** A wall-clock reading in some zone. */
export interface WallTime extends CivilDate {
  hour: number;
  minute: number;
}

/** Day number of a date (days since 1970-01-01). */
export function dayNumber(c: CivilDate): number {
  return Math.floor(Date.UTC(c.y, c.m - 1, c.d) / DAY);
}

/** The date of a day number. */
export function dateOfDay(n: number): CivilDate {
  const d = new Date(n * DAY);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
}

/** Day of the week of a day number: 0 = Sunday .. 6 = Saturday. */
export function weekdayOfDay(n: number): number {
  return (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** The wall-clock reading of `instant` in `timezone` (seconds dropped). */
export function wallTimeAt(instant: number, timezone: string): WallTime {
  const local = new Date(Math.floor(instant / MIN) * MIN + utcOffsetMinutes(instant, timezone) * MIN);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

/** The local day number of `instant` in `timezone`. */
export function localDay(instant: number, timezone: string): number {
  return dayNumber(wallTimeAt(instant, timezone));
}

/**
 * The instant a wall time names in `timezone`. `occurrence` picks between the two instants of a repeated wall time
 * (clocks going back); a skipped wall time (clocks going forward) gives the instant of the jump.
 */
export function instantOf(w: WallTime, timezone: string, occurrence: 'first' | 'second' = 'first'): number {
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.hour, w.minute);
  // The offsets in force around that wall time; a zone changes its offset at most once within a day either side.
  const before = utcOffsetMinutes(asUtc - DAY, timezone);
  const after = utcOffsetMinutes(asUtc + DAY, timezone);
  if (before === after) return asUtc - before * MIN; // no clock change near: one offset (nearly always)
  const offsets = [...new Set([before, utcOffsetMinutes(asUtc, timezone), after])];
  const valid = offsets
    .map((o) => asUtc - o * MIN)
    .filter((t) => utcOffsetMinutes(t, timezone) * MIN === asUtc - t)
    .sort((a, b) => a - b);
  if (valid.length > 0) return occurrence === 'first' ? valid[0]! : valid.at(-1)!;
  // Skipped: the jump lies between the wall time read with the larger offset (before it) and the smaller one.
  let lo = asUtc - Math.max(...offsets) * MIN;
  let hi = asUtc - Math.min(...offsets) * MIN;
  const later = utcOffsetMinutes(hi, timezone);
  while (hi - lo > 1_000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (utcOffsetMinutes(mid, timezone) === later) hi = mid;
    else lo = mid;
  }
  return Math.ceil(hi / 1_000) * 1_000;
}

/** `HH:MM` (00:00-23:59) -> minutes since midnight, or undefined. */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** The wall time `minutes` after midnight of day number `day`. */
export function wallOn(day: number, minutes: number): WallTime {
  return { ...dateOfDay(day), hour: Math.floor(minutes / 60), minute: minutes % 60 };
}
