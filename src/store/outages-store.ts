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
import { bulkWriteInBatches } from './mongo.js';

/** One instance as stored in its bucket (`r.<instance key>`). */
interface StoredRecord {
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

/**
 * A host's records of one UTC month: `<host id>:<YYYY-MM>`. An ended record sits in the month it ended in, the
 * steps a check recorded while it held in the month it began in (the two merge when read). `end` is the end of the
 * month: housekeeping deletes a bucket once that is older than OUTAGE_RETENTION_DAYS.
 */
export interface OutageBucket {
  _id: string;
  hostId: string;
  month: string;
  end: Date;
  r: Record<string, StoredRecord>;
}

/** The UTC month of an instant and the instant it ends. */
export function monthOf(t: number): { month: string; end: Date } {
  const d = new Date(t);
  return { month: d.toISOString().slice(0, 7), end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) };
}

const bucketId = (hostId: string, month: string) => `${hostId}:${month}`;

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

function toRecord(hostId: string, key: string, d: StoredRecord): OutageRecord | undefined {
  const fromKey = instanceOfKey(key);
  const start = d.start ?? fromKey?.start;
  const condition = d.condition ?? fromKey?.condition;
  if (!start || !condition) return undefined;
  const rule = d.rule ?? fromKey?.rule;
  return {
    id: `${hostId}:${key}`,
    hostId,
    host: d.host ?? '',
    condition,
    ...(rule !== undefined && { rule }),
    ...(d.ruleName !== undefined && { ruleName: d.ruleName }),
    ...(d.metric !== undefined && { metric: d.metric }),
    ...(d.item !== undefined && { item: d.item }),
    ...(d.peak !== undefined && { peak: d.peak }),
    start,
    end: d.end ?? null,
    notified: Object.fromEntries(Object.entries(d.notified ?? {}).map(([k, v]) => [decodeDestKey(k), v])),
  };
}

/** The records of some buckets, each instance once: the parts in two months merged (its end, the highest steps). */
export function recordsOf(buckets: readonly OutageBucket[]): OutageRecord[] {
  const byId = new Map<string, OutageRecord>();
  for (const b of buckets) {
    for (const [key, stored] of Object.entries(b.r ?? {})) {
      const r = toRecord(b.hostId, key, stored);
      if (!r) continue;
      const seen = byId.get(r.id);
      if (!seen) {
        byId.set(r.id, r);
        continue;
      }
      const notified = { ...seen.notified };
      for (const [d, step] of Object.entries(r.notified)) notified[d] = Math.max(notified[d] ?? 0, step);
      byId.set(r.id, { ...seen, ...r, host: r.host || seen.host, end: r.end ?? seen.end, notified });
    }
  }
  return [...byId.values()];
}

/** `$set` paths of a record's fields (never `notified`, which only the check raises). */
function fieldPaths(key: string, w: OutageWrite): Record<string, unknown> {
  const { id: _id, hostId: _host, notified: _notified, ...fields } = w as OutageWrite & { notified?: unknown };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined).map(([f, v]) => [`r.${key}.${f}`, v]));
}

export class OutageStore {
  readonly collection: Collection<OutageBucket>;

  constructor(db: Db) {
    this.collection = db.collection<OutageBucket>(HISTORY_COLLECTIONS.outages);
  }

  /** For MongoDB: buckets by the end of their month (overview and retention); pages read by `_id`. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ end: 1 });
  }

  /** Records from the ingest, in the bucket of the month they ended in: one upsert by `_id` per bucket. */
  async recordEnds(writes: readonly OutageWrite[]): Promise<void> {
    const buckets = new Map<string, { hostId: string; month: string; end: Date; $set: Record<string, unknown> }>();
    for (const w of writes) {
      const { month, end } = monthOf((w.end ?? w.start).getTime());
      const id = bucketId(w.hostId, month);
      const b = buckets.get(id) ?? { hostId: w.hostId, month, end, $set: {} };
      Object.assign(b.$set, fieldPaths(w.id.slice(w.id.indexOf(':') + 1), w));
      buckets.set(id, b);
    }
    if (buckets.size === 0) return;
    await bulkWriteInBatches(this.collection, 
      [...buckets].map(([_id, b]) => ({ updateOne: { filter: { _id }, update: { $set: { hostId: b.hostId, month: b.month, end: b.end, ...b.$set } }, upsert: true } })),
    );
  }

  /** Steps the check's destinations accepted, in the bucket of the month the instance began in, never lowered. */
  async recordNotified(writes: readonly HostWrite[], accepted: readonly string[]): Promise<number> {
    const items = notifiedSteps(writes, new Set(accepted));
    const buckets = new Map<string, { hostId: string; month: string; end: Date; $max: Record<string, number> }>();
    for (const n of items) {
      const of = instanceOfKey(n.key);
      if (!of) continue;
      const { month, end } = monthOf(of.start.getTime());
      const id = bucketId(n.hostId, month);
      const b = buckets.get(id) ?? { hostId: n.hostId, month, end, $max: {} };
      for (const [d, step] of Object.entries(n.steps)) b.$max[`r.${n.key}.notified.${encodeDestKey(d)}`] = Math.max(b.$max[`r.${n.key}.notified.${encodeDestKey(d)}`] ?? 0, step);
      buckets.set(id, b);
    }
    if (buckets.size === 0) return 0;
    await bulkWriteInBatches(this.collection, 
      [...buckets].map(([_id, b]) => ({ updateOne: { filter: { _id }, update: { $set: { hostId: b.hostId, month: b.month, end: b.end }, $max: b.$max }, upsert: true } })),
    );
    return items.length;
  }

  /**
   * One host's records that ended at or after `since` (default 90 days ago) or have not ended, newest start first:
   * one read by `_id` per month, which FerretDB answers from its primary key whatever the size of the collection.
   */
  async forHost(hostId: string, q: { since?: Date; limit?: number; now?: Date } = {}): Promise<OutageRecord[]> {
    const now = (q.now ?? new Date()).getTime();
    const since = (q.since ?? new Date(now - 90 * 86_400_000)).getTime();
    const ids: string[] = [];
    for (let t = Date.UTC(new Date(since).getUTCFullYear(), new Date(since).getUTCMonth(), 1); t <= now; t = monthOf(t).end.getTime()) ids.push(bucketId(hostId, monthOf(t).month));
    const buckets = (await Promise.all(ids.map((_id) => this.collection.findOne({ _id })))).filter((b): b is OutageBucket => b !== null);
    const records = recordsOf(buckets)
      .filter((r) => r.end === null || r.end.getTime() >= since)
      .sort((a, b) => b.start.getTime() - a.start.getTime());
    return q.limit ? records.slice(0, q.limit) : records;
  }

  /** Every host's records that ended at or after `from`, or have not ended: one query for the overview. */
  async since(from: Date): Promise<OutageRecord[]> {
    const buckets = await this.collection.find({ end: { $gt: from } }).toArray();
    return recordsOf(buckets).filter((r) => r.end === null || r.end.getTime() >= from.getTime());
  }

  /** Writes whole records (seeding history for tests and benchmarks; the live writers are the two above). */
  async insertRecords(records: readonly OutageRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 1000) {
      const chunk = records.slice(i, i + 1000);
      await this.recordEnds(chunk);
      // Each bucket once per command: FerretDB stalls on a batch that upserts one new `_id` twice.
      const buckets = new Map<string, { hostId: string; month: string; end: Date; $max: Record<string, number> }>();
      for (const r of chunk) {
        const { month, end } = monthOf(r.start.getTime());
        const id = bucketId(r.hostId, month);
        const b = buckets.get(id) ?? { hostId: r.hostId, month, end, $max: {} };
        for (const [d, step] of Object.entries(r.notified)) b.$max[`r.${r.id.slice(r.id.indexOf(':') + 1)}.notified.${encodeDestKey(d)}`] = step;
        if (Object.keys(b.$max).length > 0) buckets.set(id, b);
      }
      if (buckets.size === 0) continue;
      await bulkWriteInBatches(this.collection, 
        [...buckets].map(([_id, b]) => ({ updateOne: { filter: { _id }, update: { $set: { hostId: b.hostId, month: b.month, end: b.end }, $max: b.$max }, upsert: true } })),
      );
    }
  }
}
