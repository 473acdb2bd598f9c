/**
 * Maintenance windows (ALERTING.md rule 6, issue 14 point 2): named spans of time, one-off or recurring in an IANA
 * time zone, during which the hosts they name (by host name or tag) are held like a mute. Pure: validated here,
 * stored by src/store/maintenance-store.ts, decided at the check time by the host-loading activity.
 *
 * Kinds:
 * - `once`: from `from` to `to` (instants).
 * - `weekly`: on each of `days`, from `start` to `end` local wall time; `end <= start` runs past midnight into the
 *   next day (`22:00`-`02:00`; equal: 24 hours). By wall clock: on a DST day its length in real time changes.
 * - `cron`: from each fire time of a 5-field expression (local, cron.ts) for `durationMinutes` real minutes.
 *
 * DST (wall-clock.ts): a start or end that does not exist that day (clocks going forward) is the instant of the
 * jump (02:30 on the spring-forward day in Europe/Berlin is 03:00 local); one that exists twice (clocks going back)
 * is the first occurrence for a start, the second for an end, so a window never loses the repeated hour.
 */
import { isValidTimezone } from '../alerting/local-time.js';
import { invalid } from '../ops/errors.js';
import { normalizeTag, TAG_RULE } from '../store/tags.js';
import { CronSyntaxError, nextFire, parseCron, previousFire } from './cron.js';
import { dateOfDay, dayNumber, instantOf, localDay, parseClock, wallOn, weekdayOfDay } from './wall-clock.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const FULL_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface WindowBase {
  id: string;
  /** Unique among windows: 1 to 64 letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
  name: string;
  /** Host names it covers. */
  hosts: string[];
  /** Hosts carrying any of these tags are covered too (normalized like host tags). */
  tags: string[];
  timezone: string;
  reason?: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export type MaintenanceWindow = WindowBase &
  ({ kind: 'once'; from: number; to: number } | { kind: 'weekly'; days: Weekday[]; start: string; end: string } | { kind: 'cron'; cron: string; durationMinutes: number });

export type WindowKind = MaintenanceWindow['kind'];

/** One occurrence: epoch milliseconds, `to` exclusive. */
export interface Occurrence {
  from: number;
  to: number;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NAME_RULE = '1 to 64 letters, digits, ".", "_" and "-", starting with a letter or digit';
/** The longest cron duration: 31 days. */
export const MAX_DURATION_MINUTES = 31 * 24 * 60;
const MAX_REASON = 500;
const MAX_TARGETS = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(field, `${field} must be a list of strings`);
  if (v.length > MAX_TARGETS) throw invalid(field, `${field} may hold at most ${MAX_TARGETS} entries`);
  return v.map((s, i) => {
    if (typeof s !== 'string' || s.trim() === '' || s.length > 200) throw invalid(`${field}[${i}]`, `${field}[${i}] must be a non-empty string of at most 200 characters`);
    return s.trim();
  });
}

/**
 * An instant from epoch milliseconds or an ISO 8601 time. Without an offset or `Z` (`2026-12-24T22:00`) it is a
 * wall time in `timezone`.
 */
export function parseInstant(v: unknown, timezone: string, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
    if (local) {
      const [y, m, d, hour, minute, sec] = local.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
      const w = { y, m, d, hour, minute };
      const real = dateOfDay(dayNumber(w)); // 2026-02-30 would roll over into March
      if (real.m === m && real.d === d && hour <= 23 && minute <= 59 && sec <= 59) return instantOf(w, timezone, 'first') + sec * 1000;
    } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(v.trim())) {
      const t = Date.parse(v.trim());
      if (Number.isFinite(t)) return t;
    }
  }
  throw invalid(field, `${field} must be an ISO 8601 time such as 2026-12-24T22:00 (in the window's time zone) or 2026-12-24T21:00:00Z, got ${JSON.stringify(v)}`);
}

/**
 * Validates a window as given (by the CLI or the API) and returns it as stored. `id` and `createdAt` are the
 * store's; `now` refuses a one-off window that is already over. Throws OpError `invalid` naming the field
 * (`name`, `hosts`, `tags[1]`, `timezone`, `kind`, `from`, `to`, `days[2]`, `start`, `end`, `cron`,
 * `durationMinutes`, `reason`).
 */
export function normalizeWindow(input: unknown, ids: { id: string; createdAt: number }, now: number): MaintenanceWindow {
  if (!isObject(input)) throw invalid('window', 'a maintenance window must be an object');
  const { name, timezone, reason, kind } = input;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw invalid('name', `name must be ${NAME_RULE}, got ${JSON.stringify(name)}`);
  const hosts = [...new Set(stringList(input.hosts, 'hosts'))].sort();
  const tags = [
    ...new Set(
      stringList(input.tags, 'tags').map((t, i) => {
        const n = normalizeTag(t);
        if (n === undefined) throw invalid(`tags[${i}]`, `tags[${i}] "${t.slice(0, 80)}" is not a tag: use ${TAG_RULE}`);
        return n;
      }),
    ),
  ].sort();
  if (hosts.length === 0 && tags.length === 0) throw invalid('hosts', 'a maintenance window needs at least one host or tag (hosts, tags)');
  if (typeof timezone !== 'string' || !isValidTimezone(timezone)) throw invalid('timezone', `timezone must be an IANA time zone such as Europe/Berlin, got ${JSON.stringify(timezone)}`);
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) throw invalid('reason', `reason must be text of at most ${MAX_REASON} characters`);
  const base: WindowBase = { ...ids, name, hosts, tags, timezone, ...(typeof reason === 'string' && reason.trim() !== '' && { reason: reason.trim() }) };

  if (kind === 'once') {
    const from = parseInstant(input.from, timezone, 'from');
    const to = parseInstant(input.to, timezone, 'to');
    if (to <= from) throw invalid('to', 'to must be after from');
    if (to <= now) throw invalid('to', 'to is in the past: the window would never be active');
    return { ...base, kind, from, to };
  }
  if (kind === 'weekly') {
    if (!Array.isArray(input.days) || input.days.length === 0) throw invalid('days', `days must be a non-empty list of ${WEEKDAYS.join(', ')}`);
    const days = input.days.map((d: unknown, i) => {
      const text = typeof d === 'string' ? d.trim().toLowerCase() : '';
      const day = WEEKDAYS.find((w, n) => text === w || text === FULL_DAYS[n]);
      if (!day) throw invalid(`days[${i}]`, `days[${i}] must be one of ${WEEKDAYS.join(', ')}, got ${JSON.stringify(d)}`);
      return day;
    });
    for (const f of ['start', 'end'] as const) {
      if (typeof input[f] !== 'string' || parseClock(input[f] as string) === undefined) throw invalid(f, `${f} must be a local time HH:MM from 00:00 to 23:59, got ${JSON.stringify(input[f])}`);
    }
    const sorted = [...new Set(days)].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
    return { ...base, kind, days: sorted, start: input.start as string, end: input.end as string };
  }
  if (kind === 'cron') {
    const cron = input.cron;
    if (typeof cron !== 'string') throw invalid('cron', 'cron must be a 5-field cron expression such as "0 2 * * 0"');
    let schedule;
    try {
      schedule = parseCron(cron);
    } catch (err) {
      if (err instanceof CronSyntaxError) throw invalid('cron', `cron "${cron.slice(0, 100)}": ${err.message}`);
      throw err;
    }
    const d = input.durationMinutes;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DURATION_MINUTES) throw invalid('durationMinutes', `durationMinutes must be a whole number of minutes from 1 to ${MAX_DURATION_MINUTES} (31 days)`);
    if (nextFire(schedule, timezone, now) === undefined) throw invalid('cron', `cron "${cron}" never fires (no such date in the next 8 years)`);
    return { ...base, kind, cron: cron.trim().split(/\s+/).join(' '), durationMinutes: d };
  }
  throw invalid('kind', `kind must be once, weekly or cron, got ${JSON.stringify(kind)}`);
}

/** A weekly window's occurrence starting on local day `day`, or undefined when `day` is not one of its days. */
function weeklyOn(w: Extract<MaintenanceWindow, { kind: 'weekly' }>, day: number): Occurrence | undefined {
  if (!w.days.includes(WEEKDAYS[weekdayOfDay(day)]!)) return undefined;
  const start = parseClock(w.start)!;
  const end = parseClock(w.end)!;
  const from = instantOf(wallOn(day, start), w.timezone, 'first');
  const to = instantOf(wallOn(end <= start ? day + 1 : day, end), w.timezone, 'second');
  return { from, to };
}

/** The occurrence of `w` that holds at `t` (the one ending last when several do), or undefined. */
export function occurrenceAt(w: MaintenanceWindow, t: number): Occurrence | undefined {
  if (w.kind === 'once') return w.from <= t && t < w.to ? { from: w.from, to: w.to } : undefined;
  if (w.kind === 'weekly') {
    const today = localDay(t, w.timezone);
    const holding = [today - 1, today].flatMap((day) => weeklyOn(w, day) ?? []).filter((o) => o.from <= t && t < o.to);
    return holding.sort((a, b) => b.to - a.to)[0];
  }
  const durationMs = w.durationMinutes * 60_000;
  const fire = previousFire(parseCron(w.cron), w.timezone, t, t - durationMs);
  return fire === undefined ? undefined : { from: fire, to: fire + durationMs };
}

/** Whether `w` is active at `t`, and until when that occurrence lasts (epoch ms). */
export function activeAt(w: MaintenanceWindow, t: number): { until: number } | undefined {
  const o = occurrenceAt(w, t);
  return o && { until: o.to };
}

/** The first occurrence starting after `t` (for listing), or undefined when there is none. */
export function nextOccurrence(w: MaintenanceWindow, t: number): Occurrence | undefined {
  if (w.kind === 'once') return w.from > t ? { from: w.from, to: w.to } : undefined;
  if (w.kind === 'weekly') {
    const today = localDay(t, w.timezone);
    for (let day = today - 1; day <= today + 8; day++) {
      const o = weeklyOn(w, day);
      if (o && o.from > t) return o;
    }
    return undefined;
  }
  const fire = nextFire(parseCron(w.cron), w.timezone, t);
  return fire === undefined ? undefined : { from: fire, to: fire + w.durationMinutes * 60_000 };
}

/** A host's maintenance as the check snapshot carries it (HostSnapshot.maintenance). */
export interface HostMaintenance {
  id: string;
  name: string;
  until: number;
}

/** A window active at some instant, with the end of its occurrence then. */
export interface ActiveWindow {
  window: MaintenanceWindow;
  until: number;
}

/** The windows active at `t`, each with the end of its current occurrence. */
export function activeWindows(windows: readonly MaintenanceWindow[], t: number): ActiveWindow[] {
  return windows.flatMap((window) => {
    const a = activeAt(window, t);
    return a ? [{ window, until: a.until }] : [];
  });
}

/** The active window covering a host (by name or any tag) that lasts longest, or undefined. */
export function hostMaintenance(host: { name: string; tags?: readonly string[] }, active: readonly ActiveWindow[]): HostMaintenance | undefined {
  let best: HostMaintenance | undefined;
  for (const { window, until } of active) {
    const covers = window.hosts.includes(host.name) || (host.tags ?? []).some((t) => window.tags.includes(t));
    if (covers && (!best || until > best.until)) best = { id: window.id, name: window.name, until };
  }
  return best;
}

/** One line saying when a window holds (`mon,fri 22:00-02:00 (next day)`), its instants written by `format`. */
export function describeSchedule(w: MaintenanceWindow, format: (t: number) => string): string {
  if (w.kind === 'once') return `${format(w.from)} to ${format(w.to)}`;
  if (w.kind === 'weekly') return `${w.days.join(',')} ${w.start}-${w.end}${parseClock(w.end)! <= parseClock(w.start)! ? ' (next day)' : ''}`;
  return `cron "${w.cron}" for ${w.durationMinutes} min`;
}

/** `snapshot` with the maintenance window that covers it (HostSnapshot.maintenance), if any; undefined stays so. */
export function withMaintenance<T extends { name: string; tags?: readonly string[] }>(snapshot: T | undefined, active: readonly ActiveWindow[]): T | undefined {
  const maintenance = snapshot && active.length > 0 ? hostMaintenance(snapshot, active) : undefined;
  return maintenance ? { ...snapshot!, maintenance } : snapshot;
}
