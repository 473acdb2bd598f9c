/**
 * The `maintenance` collection: maintenance windows (src/maintenance/windows.ts), one document each, names unique.
 * A small collection read whole: the check reads it once per page of hosts, the status page once per request.
 */
import { ObjectId, type Collection, type Db } from 'mongodb';
import type { HostSnapshot } from '../alerting/types.js';
import { activeWindows, withMaintenance, type ActiveWindow, type MaintenanceWindow, type Weekday } from '../maintenance/windows.js';
import { isDuplicateKey } from './mongo.js';

/** A window as stored: instants as Dates, the id as the `_id`. */
export interface MaintenanceDoc {
  _id: ObjectId;
  name: string;
  hosts: string[];
  tags: string[];
  timezone: string;
  reason?: string;
  createdAt: Date;
  kind: MaintenanceWindow['kind'];
  from?: Date;
  to?: Date;
  days?: Weekday[];
  start?: string;
  end?: string;
  cron?: string;
  durationMinutes?: number;
}

export class DuplicateWindowError extends Error {
  override name = 'DuplicateWindowError';
  constructor(readonly windowName: string) {
    super(`a maintenance window named "${windowName}" already exists`);
  }
}

export class UnknownWindowError extends Error {
  override name = 'UnknownWindowError';
  constructor(readonly ref: string) {
    super(`no maintenance window "${ref}" (see "hostwatch maintenance list")`);
  }
}

/** The stored form of a window (validated before: windows.ts normalizeWindow). */
export function toDoc(w: MaintenanceWindow): MaintenanceDoc {
  const base = { _id: new ObjectId(w.id), name: w.name, hosts: w.hosts, tags: w.tags, timezone: w.timezone, ...(w.reason !== undefined && { reason: w.reason }), createdAt: new Date(w.createdAt) };
  if (w.kind === 'once') return { ...base, kind: w.kind, from: new Date(w.from), to: new Date(w.to) };
  if (w.kind === 'weekly') return { ...base, kind: w.kind, days: w.days, start: w.start, end: w.end };
  return { ...base, kind: w.kind, cron: w.cron, durationMinutes: w.durationMinutes };
}

/** A document as the pure code reads it; undefined for one this release cannot read (skipped, not fatal). */
export function fromDoc(d: MaintenanceDoc): MaintenanceWindow | undefined {
  const base = { id: d._id.toHexString(), name: d.name, hosts: d.hosts ?? [], tags: d.tags ?? [], timezone: d.timezone, ...(d.reason !== undefined && { reason: d.reason }), createdAt: d.createdAt.getTime() };
  if (d.kind === 'once' && d.from instanceof Date && d.to instanceof Date) return { ...base, kind: 'once', from: d.from.getTime(), to: d.to.getTime() };
  if (d.kind === 'weekly' && d.days && d.start && d.end) return { ...base, kind: 'weekly', days: d.days, start: d.start, end: d.end };
  if (d.kind === 'cron' && d.cron && d.durationMinutes) return { ...base, kind: 'cron', cron: d.cron, durationMinutes: d.durationMinutes };
  return undefined;
}

export class MaintenanceStore {
  readonly collection: Collection<MaintenanceDoc>;

  constructor(db: Db) {
    this.collection = db.collection<MaintenanceDoc>('maintenance');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ name: 1 }, { name: 'name_unique', unique: true });
  }

  /** A fresh id and creation time for a window about to be added. */
  newIds(now = Date.now()): { id: string; createdAt: number } {
    return { id: new ObjectId().toHexString(), createdAt: now };
  }

  async add(w: MaintenanceWindow): Promise<void> {
    try {
      await this.collection.insertOne(toDoc(w));
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateWindowError(w.name);
      throw err;
    }
  }

  /** Every window, by name. */
  async list(): Promise<MaintenanceWindow[]> {
    const docs = await this.collection.find({}).sort({ name: 1 }).toArray();
    return docs.flatMap((d) => fromDoc(d) ?? []);
  }

  /** The windows active at `t` (epoch ms), each with the end of its current occurrence. */
  async activeAt(t: number): Promise<ActiveWindow[]> {
    return activeWindows(await this.list(), t);
  }

  /**
   * The check page's snapshots, each covered by a window active at `checkTime` with `maintenance` set (windows.ts
   * hostMaintenance). The windows are read only for a page with hosts and a run that says its check time.
   */
  async mark(snapshots: HostSnapshot[], checkTime: number | undefined): Promise<HostSnapshot[]> {
    if (checkTime === undefined || snapshots.length === 0) return snapshots;
    const active = await this.activeAt(checkTime);
    return active.length === 0 ? snapshots : snapshots.map((s) => withMaintenance(s, active)!);
  }

  /** Removes a window by name, or by id (24 hex digits) when no window has that name; returns it. */
  async remove(ref: string): Promise<MaintenanceWindow> {
    const byName = await this.collection.findOneAndDelete({ name: ref });
    const doc = byName ?? (/^[0-9a-f]{24}$/i.test(ref) ? await this.collection.findOneAndDelete({ _id: new ObjectId(ref) }) : null);
    const w = doc && fromDoc(doc);
    if (!doc) throw new UnknownWindowError(ref);
    return w ?? ({ id: doc._id.toHexString(), name: doc.name } as MaintenanceWindow);
  }
}
