/**
 * Rule 3's state write (ALERTING.md): records a check run after delivery, one update per host whatever the number of
 * destinations, keeping only what the destinations in `accepted` were told (alert-state.ts hostUpdate builds each
 * update). Used by HostStore.applyHostWrites.
 */
import { ObjectId, type Collection } from 'mongodb';
import type { HostWrite } from '../alerting/types.js';
import { hostUpdate, type AlertDoc } from './alert-state.js';
import type { OutageStore } from './outages-store.js';

/** The part of a host document the state write reads back. */
export type AlertsDoc = { _id: ObjectId; alerts?: Record<string, AlertDoc> };

export interface StateWriteResult {
  /** Host documents changed. */
  applied: number;
  /** Changes whose condition no longer held (a newer report or a higher step already recorded). */
  skipped: number;
}

/**
 * Every write filters by `_id` alone: FerretDB 1.x pushes only a filter that is exactly `{_id}` down to its storage
 * and reads the whole collection for any other. Each update names the instances it changes by their field paths, so
 * it applies only to them, and `$max` never lowers a step: re-applying the same writes (a retried activity) changes
 * nothing. One write at a time: FerretDB's SQLite backend answers concurrent writes with SQLITE_BUSY. `onProgress`
 * is called after each write (the activity heartbeats with it); if it throws, writing stops there.
 */
export async function applyHostWrites(
  hosts: Collection<AlertsDoc>,
  outages: OutageStore,
  writes: readonly HostWrite[],
  accepted: readonly string[],
  checkTime: number,
  onProgress?: (done: number) => void,
): Promise<StateWriteResult> {
  const notifiedAt = new Date(checkTime);
  const ok = new Set(accepted);
  let applied = 0;
  let skipped = 0;
  for (const [i, w] of writes.entries()) {
    const update = hostUpdate(w, ok, notifiedAt);
    if (update) {
      const _id = new ObjectId(w.hostId);
      // hostUpdate unsets the whole `alerts` field when nothing is left of the instances the check read. Applied as
      // such, the same write landing again after a later run wrote a new instance (a retried or late attempt)
      // would erase that one too (rule 4: a write applies only to the instances it names). So the instances are
      // unset by their paths, and `alerts` goes (the host leaves the check's query) only once read back empty.
      const whole = update.$unset?.alerts === '';
      if (whole) {
        const { alerts: _whole, ...rest } = update.$unset!;
        update.$unset = { ...rest, ...Object.fromEntries(w.keys.filter((k) => k !== w.legacyKey).map((k) => [`alerts.${k}`, ''] as const)) };
      }
      const result = await hosts.updateOne({ _id }, update);
      if (whole) await removeEmptyAlerts(hosts, _id);
      if (result.modifiedCount > 0) applied++;
      else skipped++;
    } else skipped++;
    onProgress?.(i + 1);
  }
  // The outage log keeps what was notified after the host's state forgets it (an idempotent $max per instance).
  await outages.recordNotified(writes, accepted);
  return { applied, skipped };
}

/**
 * Unsets `alerts` if it holds no instance (two more `_id` operations, only when a host's last instance goes). A
 * report that opens a metric instance in the milliseconds between the two loses it; the next breaching report
 * opens it again (its steps then count from that report). A conditional unset would need a filter beyond `{_id}`,
 * which FerretDB answers by reading the whole collection.
 */
async function removeEmptyAlerts(hosts: Collection<AlertsDoc>, _id: ObjectId): Promise<void> {
  const doc = await hosts.findOne({ _id }, { projection: { alerts: 1 } });
  if (doc?.alerts && Object.keys(doc.alerts).length === 0) await hosts.updateOne({ _id }, { $unset: { alerts: '' } });
}
