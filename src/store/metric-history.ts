/**
 * Metric history in the `metric_history` collection (docs/history.md "Metric history"), in bucket documents whose
 * layout and arithmetic are in src/history/metric-rollup.ts:
 * - `{_id: "<host>:m:<15-minute start ms>", h, l: "m", t, p: {"<minute of the 15>": encoded point}}`: written at ingest, one upsert per
 *   report, filtered by `_id` alone (the only filter FerretDB 1.x serves from an index);
 * - `"<host>:t:<day start>"` (10-minute points) and `"<host>:h:<7-day start>"` (hourly points): written by
 *   housekeeping from the minute level;
 * - `"<host>:s"` (`l: "s"`): the host's rollup state, `rolled` = every hour before it is rolled up.
 * Every read, write and hourly delete names documents by `_id` (housekeeping deletes each host's buckets that left
 * their retention by their ids). The sweep ({@link MetricHistoryStore.sweepFilter}) deletes by `l` and `t`
 * (an index on MongoDB; FerretDB reads the whole collection for it): it catches removed hosts and lowered
 * retention, and housekeeping runs it once a day.
 */
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import type { HistoryConfig } from '../config.js';
import {
  bucketId,
  bucketPoints,
  bucketStart,
  bucketStarts,
  DAY_MS,
  encodePoint,
  HOUR_MS,
  hourStart,
  LEVELS,
  levelFor,
  MINUTE_MS,
  pointFromReport,
  rollUp,
  slotOf,
  toMetricPoint,
  type Level,
  type StoredPoint,
} from '../history/metric-rollup.js';
import { HISTORY_COLLECTIONS, type MetricSeries } from '../history/types.js';
import { earlyProcessLog } from '../logging.js';
import { GroupCommit } from './group-commit.js';
import { bulkWriteInBatches } from './mongo.js';
import type { WriteGate } from './write-gate.js';

/** A document of `metric_history`: a bucket of one level, or (`l: "s"`) a host's rollup state. */
export interface MetricBucketDoc {
  _id: string;
  /** Host id (hex). */
  h: string;
  l: Level | 's';
  /** Bucket start; for a state document, `rolled` (retention of orphaned state goes by it). */
  t: Date;
  /** Slot -> encoded point (metric-rollup.ts encodePoint). */
  p?: Record<string, string>;
  /** State documents: every hour before this instant is rolled up into the `t` and `h` levels. */
  rolled?: Date;
  /** State documents: per level, the oldest bucket start kept at the last run (older ones were deleted by `_id`). */
  kept?: Partial<Record<Level, Date>>;
}

/** Days each metric level is kept (config.ts HistoryConfig). */
export type MetricRetention = Pick<HistoryConfig, 'minuteDays' | 'tenMinuteDays' | 'hourlyDays'>;

export interface RollupResult {
  hosts: number;
  /** Hours of minute points rolled into 10-minute and hourly points. */
  hours: number;
  /** Bucket documents written (10-minute, hourly and state). */
  writes: number;
  /** Buckets deleted by `_id` per level (those that left their retention since the previous run). */
  deleted: Record<Level, number>;
  /** Present when more hosts follow. */
  nextAfterId?: string;
}

/** A completed hour is rolled up once this much past its end: a report stamped just before the hour lands first. */
const SETTLE_MS = MINUTE_MS;

/** Newest hours of the minute level a series reads to complete coarser levels housekeeping has not rolled yet. */
const COMPLETE_HOURS = 48;

/** Bucket documents read at once by a series. */
const READ_CONCURRENCY = 8;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** A failed history write at ingest, as logged: the host id and the error's name and message, never the report. */
function logFailure(err: unknown, hostId: string): void {
  const e = err as Error;
  earlyProcessLog().error('hostwatch api: cannot record metric history; the report itself is stored', { hostId, error: { name: e?.name, message: String(e?.message ?? e) } });
}

export class MetricHistoryStore {
  readonly collection: Collection<MetricBucketDoc>;
  private readonly hosts: Collection<{ _id: ObjectId }>;
  private readonly onError: (err: unknown, hostId: string) => void;
  private readonly gate: WriteGate | undefined;
  /** History writes that failed at ingest since this store was made (see {@link recordSafely}). */
  failures = 0;

  /**
   * `gate`: the write gate the ingest's point batches share with the host writes (HostStore passes its own, so an
   * API process has at most REPORT_WRITE_CONCURRENCY writes in flight: FerretDB's SQLite backend answers more
   * concurrent writers with SQLITE_BUSY). `onError`: how a failed ingest write is reported (default: logged).
   */
  constructor(db: Db, options: { onError?: (err: unknown, hostId: string) => void; gate?: WriteGate } = {}) {
    this.collection = db.collection<MetricBucketDoc>(HISTORY_COLLECTIONS.metrics);
    this.hosts = db.collection('hosts');
    this.onError = options.onError ?? logFailure;
    this.gate = options.gate;
  }

  /**
   * {@link recordPoint} at ingest, after the host's own write has landed: a failure there does not fail the report
   * (the report is stored and alerting goes on; only that minute's point is missing, and the host's next report
   * fills its minute again). It is not silent either: it is counted in `failures` and logged (`onError`).
   */
  async recordSafely(hostId: string, data: Record<string, unknown>, at: Date): Promise<void> {
    try {
      await this.recordPoint(hostId, data, at);
    } catch (err) {
      this.failures++;
      this.onError(err, hostId);
    }
  }

  /** Resolves once every point recorded so far is written (tests; a stopping API process). */
  flush(): Promise<void> {
    return this.minutes.idle();
  }

  /** `{l, t}` serves the retention sweep on MongoDB (FerretDB keeps it but reads the collection anyway). */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ l: 1, t: 1 }, { name: 'level_time' });
  }

  /**
   * Records the report's point into its minute slot (`at`: server time): one upsert by `_id`, setting the slot, so
   * the latest report of a minute is the one kept. A report with no cpu, memory, load or disk writes nothing.
   * Points recorded while an earlier batch is being written go together in the next one (one command), so under
   * load a report costs less than one extra command; resolves once the point is written.
   */
  async recordPoint(hostId: string, data: Record<string, unknown>, at: Date): Promise<void> {
    const point = pointFromReport(data);
    if (!point) return;
    const start = bucketStart('m', at.getTime());
    const slot = slotOf('m', at.getTime());
    await this.minutes.add(`${bucketId(hostId, 'm', start)}|${slot}`, { hostId, start, slot, point: encodePoint(point) });
  }

  /** Concurrent points share one `update` command (group-commit.ts); each statement is an upsert by `_id`. */
  private readonly minutes = new GroupCommit<{ hostId: string; start: number; slot: number; point: string }>(async (points) => {
    const write = () => bulkWriteInBatches(
      this.collection,
      points.map(({ hostId, start, slot, point }) => ({
        updateOne: { filter: { _id: bucketId(hostId, 'm', start) }, update: { $set: { [`p.${slot}`]: point }, $setOnInsert: { h: hostId, l: 'm' as const, t: new Date(start) } }, upsert: true },
      })),
      false,
    );
    await (this.gate ? this.gate.run(write) : write());
  });

  /**
   * The host's points in `[from, to]` at the resolution of the range (metric-rollup.ts levelFor): by the minute
   * for a day or less, by 10 minutes for a week or less, hourly beyond. Coarser levels are completed from the
   * minute level for the hours housekeeping has not rolled up yet (at most the newest 48).
   */
  async series(hostId: string, from: Date, to: Date): Promise<MetricSeries> {
    const [f, t] = [from.getTime(), to.getTime()];
    const level = levelFor(f, t);
    const { stepMs } = LEVELS[level];
    const lo = Math.floor(f / stepMs) * stepMs;
    let points = await this.levelPoints(hostId, level, lo, t);
    if (level !== 'm') {
      const state = await this.collection.findOne({ _id: `${hostId}:s` }, { projection: { rolled: 1 } });
      const rolled = Math.max(state?.rolled?.getTime() ?? 0, hourStart(t) - (COMPLETE_HOURS - 1) * HOUR_MS, lo);
      if (rolled <= t) {
        const minutes = await this.levelPoints(hostId, 'm', rolled, t);
        const fresh = [...rollUp(minutes, stepMs)].map(([span, p]) => ({ t: span, p })).filter((x) => x.t >= rolled);
        points = [...points.filter((x) => x.t < rolled), ...fresh];
      }
    }
    return { resolutionMs: stepMs, from, to, points: points.filter((x) => x.t >= lo && x.t <= t).map((x) => toMetricPoint(x.t, x.p)) };
  }

  /** {@link series} for several hosts; hosts with no history get an empty series. */
  async seriesMany(hostIds: readonly string[], from: Date, to: Date): Promise<Map<string, MetricSeries>> {
    const all = await mapLimit(hostIds, 4, (id) => this.series(id, from, to));
    return new Map(hostIds.map((id, i) => [id, all[i]!]));
  }

  private async levelPoints(hostId: string, level: Level, from: number, to: number): Promise<{ t: number; p: StoredPoint }[]> {
    const docs = await mapLimit(bucketStarts(level, from, to), READ_CONCURRENCY, (s) => this.collection.findOne({ _id: bucketId(hostId, level, s) }, { projection: { p: 1 } }));
    return docs.flatMap((d, i) => (d ? bucketPoints(level, bucketStarts(level, from, to)[i]!, d.p) : []));
  }

  /**
   * Rolls up one page of hosts (in `_id` order, after `afterId`): for each, the completed hours since its state's
   * `rolled` (no further back than the minute level's retention) become 10-minute and hourly points, one `$set` per
   * bucket document, then `rolled` advances. The values are computed from the minute documents alone, so a retried
   * page writes the same values again and changes nothing. `onProgress` is called after each host (a heartbeat).
   */
  async rollup(now: Date, retention: MetricRetention, opts: { afterId?: string; limit?: number; onProgress?: (hosts: number) => void } = {}): Promise<RollupResult> {
    const limit = opts.limit ?? 200;
    const filter = opts.afterId ? { _id: { $gt: new ObjectId(opts.afterId) } } : {};
    const page = await this.hosts.find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(limit + 1).toArray();
    const more = page.length > limit;
    if (more) page.length = limit;
    const result: RollupResult = { hosts: 0, hours: 0, writes: 0, deleted: { m: 0, t: 0, h: 0 } };
    for (const { _id } of page) {
      const r = await this.rollupHost(_id.toHexString(), now.getTime(), retention);
      result.hosts++;
      result.hours += r.hours;
      result.writes += r.writes;
      for (const level of ['m', 't', 'h'] as const) result.deleted[level] += r.deleted[level];
      opts.onProgress?.(result.hosts);
    }
    if (more) result.nextAfterId = page.at(-1)!._id.toHexString();
    return result;
  }

  /**
   * One host's housekeeping: rolls up its completed hours (see {@link rollup}), then deletes by `_id` the buckets of
   * each level that left their retention since the previous run (its state's `kept`; at most the 48 newest such
   * buckets per level: the sweep of {@link sweepFilter} removes anything older).
   */
  async rollupHost(hostId: string, now: number, retention: MetricRetention): Promise<{ hours: number; writes: number; deleted: Record<Level, number> }> {
    const end = hourStart(now - SETTLE_MS); // hours before this one are complete
    const state = await this.collection.findOne({ _id: `${hostId}:s` }, { projection: { rolled: 1, kept: 1 } });
    const start = Math.max(state?.rolled?.getTime() ?? 0, hourStart(now - retention.minuteDays * DAY_MS));
    const minutes = start < end ? await this.levelPoints(hostId, 'm', start, end - 1) : [];
    const sets = new Map<string, { level: Level; start: number; $set: Record<string, string> }>();
    for (const level of ['t', 'h'] as const) {
      for (const [span, p] of rollUp(minutes, LEVELS[level].stepMs)) {
        const s = bucketStart(level, span);
        const id = bucketId(hostId, level, s);
        const entry = sets.get(id) ?? { level, start: s, $set: {} };
        entry.$set[`p.${slotOf(level, span)}`] = encodePoint(p);
        sets.set(id, entry);
      }
    }
    for (const [id, { level, start: s, $set }] of sets) {
      await this.collection.updateOne({ _id: id }, { $set, $setOnInsert: { h: hostId, l: level, t: new Date(s) } }, { upsert: true });
    }
    const deleted: Record<Level, number> = { m: 0, t: 0, h: 0 };
    const kept = {} as Record<Level, Date>;
    const days: Record<Level, number> = { m: retention.minuteDays, t: retention.tenMinuteDays, h: retention.hourlyDays };
    for (const level of ['m', 't', 'h'] as const) {
      const { bucketMs } = LEVELS[level];
      const first = bucketStart(level, now - days[level] * DAY_MS);
      const previous = state?.kept?.[level]?.getTime() ?? first - 2 * bucketMs;
      for (let s = Math.max(previous, first - 48 * bucketMs); s < first; s += bucketMs) deleted[level] += (await this.collection.deleteOne({ _id: bucketId(hostId, level, s) })).deletedCount;
      kept[level] = new Date(first);
    }
    const rolled = Math.max(end, state?.rolled?.getTime() ?? 0);
    const unchanged = state?.rolled?.getTime() === rolled && (['m', 't', 'h'] as const).every((l) => state?.kept?.[l]?.getTime() === kept[l].getTime());
    if (!unchanged) await this.collection.updateOne({ _id: `${hostId}:s` }, { $set: { rolled: new Date(rolled), t: new Date(rolled), kept }, $setOnInsert: { h: hostId, l: 's' } }, { upsert: true });
    return { hours: new Set(minutes.map((m) => hourStart(m.t))).size, writes: sets.size + (unchanged ? 0 : 1), deleted };
  }

  /**
   * The sweep's filter: buckets of each level wholly older than its retention (the bucket that holds the cutoff is
   * kept), and state documents of hosts not rolled up within the hourly retention (removed hosts). One `$or`, so
   * that on FerretDB, which reads the whole collection for any such query, a sweep batch reads it once.
   */
  sweepFilter(now: Date, retention: MetricRetention): Filter<MetricBucketDoc> {
    const n = now.getTime();
    const cutoff = (level: Level, days: number) => new Date(bucketStart(level, n - days * DAY_MS));
    return {
      $or: [
        { l: 'm', t: { $lt: cutoff('m', retention.minuteDays) } },
        { l: 't', t: { $lt: cutoff('t', retention.tenMinuteDays) } },
        { l: 'h', t: { $lt: cutoff('h', retention.hourlyDays) } },
        { l: 's', t: { $lt: new Date(n - retention.hourlyDays * DAY_MS) } },
      ],
    };
  }
}
