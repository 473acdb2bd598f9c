/**
 * The outage log (issue 13 point 1): one document per condition instance in the `outages` collection, by
 * `<host id>:<instance key>`. Two writers complete it, each with upserts that can be repeated:
 * - the ingest, when a report ends an instance (outage-records.ts): host, condition, start, end, rule fields;
 * - the check's state write, for the destinations that accepted a step: `notified.<destination>` raised with `$max`.
 * So a record may first exist with only its steps (an outage still going on, notified), or only its end (one
 * nobody was told of). Housekeeping deletes records whose `end` is older than OUTAGE_RETENTION_DAYS.
 */
import type { Collection, Db } from 'mongodb';
import type { HostWrite } from '../alerting/types.js';
import { HISTORY_COLLECTIONS, type OutageRecord } from '../history/types.js';
import type { OutageWrite } from '../history/outage-records.js';
import { decodeDestKey, encodeDestKey } from './alert-state.js';

export interface OutageDoc {
  _id: string;
  hostId: string;
  host?: string;
  condition?: OutageRecord['condition'];
  rule?: string;
  ruleName?: string;
  metric?: string;
  item?: string;
  peak?: number;
  start?: Date;
  end?: Date | null;
  /** Destination keys escaped as field names (alert-state.ts encodeDestKey). */
  notified?: Record<string, number>;
}

/** What an instance key says of itself: `offline_<start>`, `metric_<rule>_<start>_<hash>`, `reboot_<rule>_<start>`. */
export function instanceOfKey(key: string): { condition: OutageRecord['condition']; start: Date; rule?: string } | undefined {
  const parts = key.split('_');
  const [kind, a, b] = parts;
  if (kind === 'offline' && parts.length === 2) return { condition: 'offline', start: new Date(Number(a)) };
  if (kind === 'metric' && parts.length === 4) return { condition: 'metric', start: new Date(Number(b)), rule: a! };
  if (kind === 'reboot' && parts.length === 3) return { condition: 'reboot', start: new Date(Number(b)), rule: a! };
  return undefined;
}

/** The steps accepted destinations got in a run's host writes, per instance (only what was accepted). */
export function notifiedSteps(writes: readonly HostWrite[], accepted: ReadonlySet<string>): { hostId: string; key: string; steps: Record<string, number> }[] {
  const out: { hostId: string; key: string; steps: Record<string, number> }[] = [];
  const keep = (steps: Record<string, number>) => Object.fromEntries(Object.entries(steps).filter(([d]) => accepted.has(d)));
  for (const w of writes) {
    const items = [...(w.notify ? [{ key: w.notify.key, steps: { ...keep(w.notify.steps), ...w.notify.carried } }] : []), ...(w.conditions ?? []).map((c) => ({ key: c.key, steps: keep(c.steps) }))];
    for (const item of items) if (Object.keys(item.steps).length > 0) out.push({ hostId: w.hostId, ...item });
  }
  return out;
}

export function toRecord(d: OutageDoc): OutageRecord | undefined {
  const fromKey = instanceOfKey(d._id.slice(d._id.indexOf(':') + 1));
  const start = d.start ?? fromKey?.start;
  const condition = d.condition ?? fromKey?.condition;
  if (!start || !condition) return undefined;
  return {
    id: d._id,
    hostId: d.hostId,
    host: d.host ?? '',
    condition,
    ...(d.rule !== undefined ? { rule: d.rule } : fromKey?.rule !== undefined && { rule: fromKey.rule }),
    ...(d.ruleName !== undefined && { ruleName: d.ruleName }),
    ...(d.metric !== undefined && { metric: d.metric }),
    ...(d.item !== undefined && { item: d.item }),
    ...(d.peak !== undefined && { peak: d.peak }),
    start,
    end: d.end ?? null,
    notified: Object.fromEntries(Object.entries(d.notified ?? {}).map(([k, v]) => [decodeDestKey(k), v])),
  };
}

export class OutageStore {
  readonly collection: Collection<OutageDoc>;

  constructor(db: Db) {
    this.collection = db.collection<OutageDoc>(HISTORY_COLLECTIONS.outages);
  }

  /** For MongoDB: a host's records by start, and retention by end (FerretDB reads the collection either way). */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ hostId: 1, start: -1 });
    await this.collection.createIndex({ end: 1 });
  }

  /** Records from the ingest: their fields set, `notified` left as the check wrote it. */
  async recordEnds(writes: readonly OutageWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.collection.bulkWrite(
      writes.map(({ id, ...fields }) => ({ updateOne: { filter: { _id: id }, update: { $set: fields }, upsert: true } })),
      { ordered: true },
    );
  }

  /** Steps the check's destinations accepted, never lowered; the record is created if the ingest has not yet. */
  async recordNotified(writes: readonly HostWrite[], accepted: readonly string[]): Promise<number> {
    const items = notifiedSteps(writes, new Set(accepted));
    if (items.length === 0) return 0;
    await this.collection.bulkWrite(
      items.map((n) => {
        const of = instanceOfKey(n.key);
        return {
          updateOne: {
            filter: { _id: `${n.hostId}:${n.key}` },
            update: {
              $max: Object.fromEntries(Object.entries(n.steps).map(([d, s]) => [`notified.${encodeDestKey(d)}`, s])),
              $setOnInsert: { hostId: n.hostId, ...(of && { condition: of.condition, start: of.start, ...(of.rule !== undefined && { rule: of.rule }) }) },
            },
            upsert: true,
          },
        };
      }),
      { ordered: true },
    );
    return items.length;
  }

  /** One host's records, newest start first. */
  async forHost(hostId: string, q: { since?: Date; limit?: number } = {}): Promise<OutageRecord[]> {
    const docs = await this.collection
      .find({ hostId, ...(q.since && { $or: [{ end: { $gte: q.since } }, { end: null }] }) })
      .sort({ start: -1 })
      .limit(q.limit ?? 0)
      .toArray();
    return docs.flatMap((d) => toRecord(d) ?? []);
  }

  /** Every host's records that ended at or after `from`, or have not ended: one query for the overview. */
  async since(from: Date): Promise<OutageRecord[]> {
    const docs = await this.collection.find({ $or: [{ end: { $gte: from } }, { end: null }] }).toArray();
    return docs.flatMap((d) => toRecord(d) ?? []);
  }
}
