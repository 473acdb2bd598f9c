/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) for recurring maintenance windows: `*`,
 * values, ranges `a-b`, steps `*\/n`, `a-b/n`, `a/n`, and comma lists of those; month names `jan`..`dec` and day
 * names `sun`..`sat`; day of week 0-7 with 0 and 7 both Sunday. As in Vixie cron, when both day fields are
 * restricted (neither starts with `*`) a day matches if either does; otherwise it must match both (`*\/2` in the
 * day of month: odd days). Pure: fire times are computed in a time zone
 * with wall-clock.ts.
 */
import { utcOffsetMinutes } from '../alerting/local-time.js';
import { dateOfDay, instantOf, localDay, wallOn, weekdayOfDay } from './wall-clock.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A parsed expression: the allowed values of each field. */
export interface CronSchedule {
  minutes: readonly number[];
  hours: readonly number[];
  /** Days of the month allowed (1-31). */
  monthDays: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** Days of the week allowed, 0 = Sunday .. 6 = Saturday. */
  weekdays: ReadonlySet<number>;
  /** The day-of-month / day-of-week fields start with `*` (then a day must match both fields, else either). */
  anyMonthDay: boolean;
  anyWeekday: boolean;
}

/** The expression is not one: says which field and why. */
export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

type Field = (typeof FIELDS)[number];

function value(text: string, f: Field, where: string): number {
  const names: readonly string[] | undefined = 'names' in f ? f.names : undefined;
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  // Month names count from 1, day names from 0 (Sunday).
  if (named >= 0) return f.name === 'month' ? named + 1 : named;
  if (!/^\d{1,2}$/.test(text)) throw new CronSyntaxError(`${where}: "${text}" is not a number${names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new CronSyntaxError(`${where}: ${n} is out of range ${f.min}-${f.max}`);
  return n;
}

function parseField(text: string, f: Field, index: number): Set<number> {
  const where = `field ${index + 1} (${f.name})`;
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^([^/]+)(?:\/(.+))?$/.exec(item);
    if (!m) throw new CronSyntaxError(`${where}: "${item}" is empty or malformed`);
    const [, range, stepText] = m;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0) throw new CronSyntaxError(`${where}: step "${stepText}" must be a whole number from 1`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [f.min, f.max];
    else if (range!.includes('-')) {
      const [a, b, ...rest] = range!.split('-');
      if (rest.length > 0 || !a || !b) throw new CronSyntaxError(`${where}: "${range}" is not a range a-b`);
      [lo, hi] = [value(a, f, where), value(b, f, where)];
      if (lo > hi) throw new CronSyntaxError(`${where}: range "${range}" runs backwards`);
    } else {
      lo = value(range!, f, where);
      hi = stepText === undefined ? lo : f.max; // `a/n`: from a to the end
    }
    for (let v = lo; v <= hi; v += step) out.add(f.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return out;
}

/** Parses an expression; throws CronSyntaxError naming the field at fault. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') {
    throw new CronSyntaxError(`needs 5 fields (minute hour day-of-month month day-of-week), got ${parts[0] === '' ? 0 : parts.length}`);
  }
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!, i));
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return {
    minutes: sorted(sets[0]!),
    hours: sorted(sets[1]!),
    monthDays: sets[2]!,
    months: sets[3]!,
    weekdays: sets[4]!,
    anyMonthDay: parts[2]!.startsWith('*'),
    anyWeekday: parts[4]!.startsWith('*'),
  };
}

/** Whether the schedule fires on the (local) day with this day number. */
export function firesOnDay(s: CronSchedule, day: number): boolean {
  const { m, d } = dateOfDay(day);
  if (!s.months.has(m)) return false;
  const dom = s.monthDays.has(d);
  const dow = s.weekdays.has(weekdayOfDay(day));
  return s.anyMonthDay || s.anyWeekday ? dom && dow : dom || dow;
}

/**
 * The instants a day's fire times name in `timezone`, in order. A fire time skipped by a clock change fires at the
 * jump; one repeated fires once, the first time; two that land on the same instant fire once.
 */
export function firesOn(s: CronSchedule, day: number, timezone: string): number[] {
  const out: number[] = [];
  // A day without a clock change (nearly all) maps wall times by one offset: no Intl call per fire time.
  const midnight = day * DAY;
  const offset = utcOffsetMinutes(midnight - 14 * HOUR, timezone);
  const steady = offset === utcOffsetMinutes(midnight + DAY + 14 * HOUR, timezone);
  for (const h of s.hours) {
    for (const min of s.minutes) out.push(steady ? midnight + (h * 60 + min - offset) * 60_000 : instantOf(wallOn(day, h * 60 + min), timezone, 'first'));
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The latest fire time at or before `t` and after `notBefore`, or undefined. */
export function previousFire(s: CronSchedule, timezone: string, t: number, notBefore: number): number | undefined {
  // One local day of slack either side: a day's fire times may fall a clock change away from it.
  for (let day = localDay(t, timezone) + 1; day >= localDay(notBefore, timezone) - 1; day--) {
    if (!firesOnDay(s, day)) continue;
    const fires = firesOn(s, day, timezone).filter((f) => f <= t && f > notBefore);
    if (fires.length > 0) return fires.at(-1);
  }
  return undefined;
}

/** Days searched ahead for the next fire time: eight years (a 29 February comes within it, 2100 aside). */
export const NEXT_FIRE_HORIZON_DAYS = 8 * 366;

/** The first fire time after `t`, within {@link NEXT_FIRE_HORIZON_DAYS}; undefined when there is none. */
export function nextFire(s: CronSchedule, timezone: string, t: number): number | undefined {
  const first = localDay(t, timezone) - 1;
  for (let day = first; day <= first + NEXT_FIRE_HORIZON_DAYS; day++) {
    if (!firesOnDay(s, day)) continue;
    const fire = firesOn(s, day, timezone).find((f) => f > t);
    if (fire !== undefined) return fire;
  }
  return undefined;
}
