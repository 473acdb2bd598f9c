/**
 * The notification log (`notice_log`, issue 13 point 3): one document per digest per destination, written by the
 * check after its deliveries (accepted or not), read by `hostwatch notices list`, the read API and the per-host page.
 * Retention (by `checkTime`) is the housekeeping schedule's.
 */
import type { Collection, Db, Filter } from 'mongodb';
import { HISTORY_COLLECTIONS, type NoticeLogEntry } from '../history/types.js';
import { encodeDestKey, decodeDestKey } from './alert-state.js';
import { monthOf } from './outages-store.js';
import { bulkWriteInBatches } from './mongo.js';

/**
 * `<host name>:<YYYY-MM>`: the notices of one UTC month that carried the host, by id (escaped as a field name) with
 * their check time. A host's notices are read through these by `_id` (FerretDB's primary key) instead of a query
 * that would read the whole log. `checkTime` is the month's end, for the same retention as the log.
 */
export interface NoticeHostBucket {
  _id: string;
  host: string;
  month: string;
  checkTime: Date;
  ids: Record<string, Date>;
}

/** How many months back a host's notices are looked for when the query names no `since`. */
const HOST_MONTHS_BACK = 13;

/** A document of `notice_log`: an entry, its notice id as `_id`. */
export type NoticeLogDoc = Omit<NoticeLogEntry, 'id'> & { _id: string };

/** What {@link NoticeLogStore.list} selects. */
export interface NoticeLogQuery {
  /** Entries that carried a line of this host (by name). */
  host?: string;
  /** Entries of checks at or after this instant. */
  since?: Date;
  /** Entries of checks before this instant. */
  until?: Date;
  /** At most this many (default {@link DEFAULT_NOTICE_LIMIT}, at most {@link MAX_NOTICE_LIMIT}). */
  limit?: number;
}

export const DEFAULT_NOTICE_LIMIT = 100;
export const MAX_NOTICE_LIMIT = 10_000;

/** A query the store refuses (a limit out of range, an instant that is not a date), naming the field. */
export class InvalidNoticeQueryError extends Error {
  override name = 'InvalidNoticeQueryError';
  constructor(readonly field: string, message: string) {
    super(`invalid notice query: ${field} ${message}`);
  }
}

function toEntry(d: NoticeLogDoc): NoticeLogEntry {
  return {
    id: d._id,
    run: d.run,
    checkTime: d.checkTime,
    destination: { key: d.destination.key, label: d.destination.label, kind: d.destination.kind },
    accepted: d.accepted,
    ...(d.error !== undefined && d.error !== null && { error: d.error }),
    hosts: d.hosts,
    lines: d.lines.map((l) => ({ host: l.host, kind: l.kind, text: l.text })),
    more: d.more,
  };
}

/** The stored fields of an entry (no undefined values: FerretDB and MongoDB would store them as null). */
function docOf(e: NoticeLogEntry): NoticeLogDoc {
  return {
    _id: e.id,
    run: e.run,
    checkTime: e.checkTime,
    destination: { key: e.destination.key, label: e.destination.label, kind: e.destination.kind },
    accepted: e.accepted,
    ...(e.error !== undefined && { error: e.error }),
    hosts: e.hosts,
    lines: e.lines.map((l) => ({ host: l.host, kind: l.kind, text: l.text })),
    more: e.more,
  };
}

function checkDate(d: Date | undefined, field: string): void {
  if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()))) throw new InvalidNoticeQueryError(field, 'must be a valid date');
}

export class NoticeLogStore {
  readonly collection: Collection<NoticeLogDoc>;
  readonly hostBuckets: Collection<NoticeHostBucket>;

  constructor(db: Db) {
    this.collection = db.collection<NoticeLogDoc>(HISTORY_COLLECTIONS.notices);
    this.hostBuckets = db.collection<NoticeHostBucket>(HISTORY_COLLECTIONS.noticeHosts);
  }

  /**
   * `checkTime` for the newest-first listing and for retention, and `hosts` with `checkTime` for one host's
   * notices. MongoDB serves both queries from them; FerretDB 1.x accepts them but reads the whole collection for
   * any filter other than `{_id}` (bounded by retention). One createIndex per call (FerretDB 1.x, see hosts-store).
   */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ checkTime: -1 }, { name: 'checkTime' });
    await this.collection.createIndex({ hosts: 1, checkTime: -1 }, { name: 'hosts_checkTime' });
    await this.hostBuckets.createIndex({ checkTime: 1 }, { name: 'checkTime' });
  }

  /**
   * Writes entries, each a whole replacement by `_id` (the notice id), so a retried activity writes the same
   * documents again and never a second one. One ordered bulk write: one command, one writer on FerretDB's SQLite.
   */
  async record(entries: readonly NoticeLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await bulkWriteInBatches(this.collection, 
      entries.map((e) => ({ replaceOne: { filter: { _id: e.id }, replacement: docOf(e) as Omit<NoticeLogDoc, '_id'>, upsert: true } })),
    );
    // Then each host's month bucket: one upsert per host and month, the same fields again on a retry.
    const buckets = new Map<string, { host: string; month: string; end: Date; ids: Record<string, Date> }>();
    for (const e of entries) {
      const { month, end } = monthOf(e.checkTime.getTime());
      for (const host of new Set(e.hosts)) {
        const b = buckets.get(`${host}:${month}`) ?? { host, month, end, ids: {} };
        b.ids[`ids.${encodeDestKey(e.id)}`] = e.checkTime;
        buckets.set(`${host}:${month}`, b);
      }
    }
    if (buckets.size === 0) return;
    await bulkWriteInBatches(this.hostBuckets, 
      [...buckets].map(([_id, b]) => ({ updateOne: { filter: { _id }, update: { $set: { host: b.host, month: b.month, checkTime: b.end, ...b.ids } }, upsert: true } })),
    );
  }

  /**
   * The newest notices of one host: its month buckets by `_id`, newest month first until enough are found, then the
   * entries by `_id`. An id whose entry is gone (retention) is skipped.
   */
  private async forHost(host: string, q: NoticeLogQuery, limit: number): Promise<NoticeLogEntry[]> {
    const until = q.until?.getTime() ?? Infinity;
    const since = q.since?.getTime() ?? -Infinity;
    const monthStart = (t: number) => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1);
    let month = monthStart(q.until ? until - 1 : Date.now());
    const oldest = q.since ? monthStart(since) : Date.UTC(new Date(month).getUTCFullYear(), new Date(month).getUTCMonth() - (HOST_MONTHS_BACK - 1), 1);
    const found: [string, Date][] = [];
    for (; month >= oldest && found.length < limit; month = monthStart(month - 1)) {
      const bucket = await this.hostBuckets.findOne({ _id: `${host}:${monthOf(month).month}` });
      for (const [id, at] of Object.entries(bucket?.ids ?? {})) if (at.getTime() >= since && at.getTime() < until) found.push([decodeDestKey(id), at]);
    }
    found.sort((a, b) => b[1].getTime() - a[1].getTime() || a[0].localeCompare(b[0]));
    const docs = await Promise.all(found.slice(0, limit).map(([_id]) => this.collection.findOne({ _id })));
    // An entry written again with other hosts (a replaced document) leaves its old id in a bucket: skipped here.
    return docs.flatMap((d) => (d?.hosts.includes(host) ? [toEntry(d)] : []));
  }

  /** Entries newest first (by check time; one run's in notice id order), filtered by host name and check time. */
  async list(q: NoticeLogQuery = {}): Promise<NoticeLogEntry[]> {
    const limit = q.limit ?? DEFAULT_NOTICE_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NOTICE_LIMIT) throw new InvalidNoticeQueryError('limit', `must be a whole number from 1 to ${MAX_NOTICE_LIMIT}`);
    checkDate(q.since, 'since');
    checkDate(q.until, 'until');
    if (q.host !== undefined) return this.forHost(q.host, q, limit);
    const filter: Filter<NoticeLogDoc> = {};
    if (q.since !== undefined || q.until !== undefined) {
      filter.checkTime = { ...(q.since !== undefined && { $gte: q.since }), ...(q.until !== undefined && { $lt: q.until }) };
    }
    const docs = await this.collection.find(filter).sort({ checkTime: -1, _id: 1 }).limit(limit).toArray();
    return docs.map(toEntry);
  }
}
