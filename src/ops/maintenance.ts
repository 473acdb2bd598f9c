/**
 * Maintenance windows (issue 14 point 2, ALERTING.md rule 6): the operations `hostwatch maintenance add|list|remove`
 * and the management API call. Input is plain data (the API's JSON body as is; the CLI builds the same from its
 * flags); every refusal is an OpError naming the field, and a refused call has changed nothing.
 */
import { formatLocalTime } from '../alerting/local-time.js';
import { describeSchedule, nextOccurrence, normalizeWindow, occurrenceAt, type MaintenanceWindow, type Occurrence } from '../maintenance/windows.js';
import type { HostStore } from '../store/hosts-store.js';
import { DuplicateWindowError, UnknownWindowError, type MaintenanceStore } from '../store/maintenance-store.js';
import { conflict, invalid, notFound } from './errors.js';

export interface MaintenanceStores {
  maintenance: MaintenanceStore;
  /** To refuse a window naming a host that does not exist (a typo would hold nothing). */
  hosts: HostStore;
}

/** An occurrence as shown: ISO instants and both in the window's zone with their offset. */
export interface OccurrenceView {
  from: string;
  to: string;
  fromLocal: string;
  toLocal: string;
}

/** A window as listed: its fields (instants as ISO), whether it holds now and its next occurrence. */
export type MaintenanceView = Omit<MaintenanceWindow, 'createdAt' | 'from' | 'to'> & {
  createdAt: string;
  from?: string;
  to?: string;
  /** When it holds, in words (`sun 02:00-04:00`, `cron "0 2 * * 0" for 120 min`). */
  schedule: string;
  /** The occurrence holding now, or null. */
  active: OccurrenceView | null;
  /** The next occurrence starting after now, or null (a one-off window that has begun or ended). */
  next: OccurrenceView | null;
};

function occurrenceView(o: Occurrence | undefined, timezone: string): OccurrenceView | null {
  if (!o) return null;
  return { from: new Date(o.from).toISOString(), to: new Date(o.to).toISOString(), fromLocal: formatLocalTime(o.from, timezone, false), toLocal: formatLocalTime(o.to, timezone, false) };
}

/** The view of one window at `now`. */
export function maintenanceView(w: MaintenanceWindow, now: number): MaintenanceView {
  const local = (t: number) => formatLocalTime(t, w.timezone, false);
  return {
    ...w,
    createdAt: new Date(w.createdAt).toISOString(),
    ...(w.kind === 'once' && { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() }),
    schedule: describeSchedule(w, local),
    active: occurrenceView(occurrenceAt(w, now), w.timezone),
    next: occurrenceView(nextOccurrence(w, now), w.timezone),
  } as MaintenanceView;
}

/**
 * Adds a window. `input` as normalizeWindow reads it (`name`, `hosts`, `tags`, `timezone`, `kind` and the kind's
 * fields, `reason`); `timezone` defaults to `defaultTimezone`. Refused: invalid fields, a host that does not exist
 * (`hosts[i]`), a name in use (conflict on `name`).
 */
export async function addMaintenance(stores: MaintenanceStores, input: Record<string, unknown>, opts: { now?: number; defaultTimezone: string }): Promise<MaintenanceView> {
  const now = opts.now ?? Date.now();
  const w = normalizeWindow({ ...input, timezone: input.timezone ?? opts.defaultTimezone }, stores.maintenance.newIds(now), now);
  if (w.hosts.length > 0) {
    const found = new Set((await stores.hosts.collection.find({ name: { $in: w.hosts } }, { projection: { name: 1 } }).toArray()).map((h) => h.name));
    const missing = w.hosts.findIndex((h) => !found.has(h));
    if (missing >= 0) {
      const raw = Array.isArray(input.hosts) ? (input.hosts as unknown[]).findIndex((h) => typeof h === 'string' && h.trim() === w.hosts[missing]) : -1;
      throw invalid(`hosts[${raw >= 0 ? raw : missing}]`, `no host named "${w.hosts[missing]}" (see "hostwatch hosts list")`);
    }
  }
  try {
    await stores.maintenance.add(w);
  } catch (err) {
    if (err instanceof DuplicateWindowError) throw conflict(err.message, 'name');
    throw err;
  }
  return maintenanceView(w, now);
}

/** Every window by name, each with whether it holds at `now` and its next occurrence. */
export async function listMaintenance(stores: Pick<MaintenanceStores, 'maintenance'>, opts: { now?: number } = {}): Promise<MaintenanceView[]> {
  const now = opts.now ?? Date.now();
  return (await stores.maintenance.list()).map((w) => maintenanceView(w, now));
}

/** Removes a window by name (or id); not_found when there is none. */
export async function removeMaintenance(stores: Pick<MaintenanceStores, 'maintenance'>, input: { name: unknown }): Promise<{ id: string; name: string }> {
  if (typeof input.name !== 'string' || input.name === '' || input.name.length > 100) throw invalid('name', 'name must be the name of a maintenance window');
  try {
    const w = await stores.maintenance.remove(input.name);
    return { id: w.id, name: w.name };
  } catch (err) {
    if (err instanceof UnknownWindowError) throw notFound(err.message);
    throw err;
  }
}
