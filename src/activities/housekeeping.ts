/**
 * Housekeeping activities (docs/history.md "Housekeeping and retention"): metric rollups one page of hosts at a
 * time, and retention deletes one bounded run of batches at a time. Each heartbeats per host or document and
 * returns small counts; the workflow (src/workflows/housekeeping.ts) calls them until nothing is left.
 */
import type { Db } from 'mongodb';
import type { HistoryConfig } from '../config.js';
import { HISTORY_COLLECTIONS } from '../history/types.js';
import { DAY_MS } from '../history/metric-rollup.js';
import type { MetricHistoryStore, RollupResult } from '../store/metric-history.js';
import { pruneBatches, type PruneResult } from '../store/retention.js';
import { heartbeat, logInfo } from './context.js';

/** Days each kind of history is kept (config.ts); the worker passes its configuration. */
export type Retention = Omit<HistoryConfig, 'metrics'>;

/** The defaults of config.ts, for callers that pass none (tests). */
export const DEFAULT_RETENTION: Readonly<Retention> = Object.freeze({ minuteDays: 1, tenMinuteDays: 7, hourlyDays: 90, outageDays: 400, noticeDays: 90 });

/** What a prune call deletes: the metric history's sweep (every level, removed hosts' state), ended outages, notices. */
export const PRUNE_TARGETS = ['metrics', 'outages', 'notices'] as const;
export type PruneTarget = (typeof PRUNE_TARGETS)[number];

export interface HousekeepingDeps {
  db: Db;
  history: MetricHistoryStore;
  retention: Readonly<Retention>;
}

export function createHousekeepingActivities(deps: HousekeepingDeps) {
  return {
    /** The retention in force, for the run's summary. */
    async housekeepingRetention(): Promise<Retention> {
      const { minuteDays, tenMinuteDays, hourlyDays, outageDays, noticeDays } = deps.retention;
      return { minuteDays, tenMinuteDays, hourlyDays, outageDays, noticeDays };
    },

    /** Rolls up one page of hosts' completed hours (MetricHistoryStore.rollup). `now`: the run's workflow time. */
    async rollupMetrics(req: { now: number; afterId?: string; limit?: number }): Promise<RollupResult> {
      const result = await deps.history.rollup(new Date(req.now), deps.retention, {
        ...(req.afterId !== undefined && { afterId: req.afterId }),
        ...(req.limit !== undefined && { limit: req.limit }),
        onProgress: heartbeat,
      });
      logInfo('Metric history rolled up', { hosts: result.hosts, hours: result.hours, writes: result.writes });
      return result;
    },

    /**
     * Deletes up to `maxBatches` batches of `batch` documents of one target beyond its retention: metric buckets
     * by level and bucket start (MetricHistoryStore.sweepFilter), outage buckets by `end` (the end of their month),
     * notices and their per-host buckets by `checkTime`.
     */
    async pruneHistory(req: { now: number; target: PruneTarget; batch?: number; maxBatches?: number }): Promise<PruneResult & { target: PruneTarget }> {
      const opts = { ...(req.batch !== undefined && { batch: req.batch }), ...(req.maxBatches !== undefined && { maxBatches: req.maxBatches }), onProgress: heartbeat };
      const now = req.now;
      let result: PruneResult;
      if (req.target === 'outages') {
        result = await pruneBatches(deps.db.collection(HISTORY_COLLECTIONS.outages), { end: { $lt: new Date(now - deps.retention.outageDays * DAY_MS) } }, opts);
      } else if (req.target === 'notices') {
        const older = { checkTime: { $lt: new Date(now - deps.retention.noticeDays * DAY_MS) } };
        result = await pruneBatches(deps.db.collection(HISTORY_COLLECTIONS.notices), older, opts);
        // The per-host month buckets of notice ids (their checkTime is the month's end) go with them.
        const buckets = await pruneBatches(deps.db.collection(HISTORY_COLLECTIONS.noticeHosts), older, opts);
        result = { ...result, deleted: result.deleted + buckets.deleted, more: result.more || buckets.more };
      } else {
        result = await pruneBatches(deps.history.collection, deps.history.sweepFilter(new Date(now), deps.retention), opts);
      }
      logInfo('History pruned', { target: req.target, deleted: result.deleted, more: result.more });
      return { target: req.target, ...result };
    },
  };
}

export type HousekeepingActivities = ReturnType<typeof createHousekeepingActivities>;
