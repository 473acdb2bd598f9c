/** The check's page query (its filter and projection) and a host document as the check's pure code sees it (HostSnapshot). Pure. */
import type { HostSnapshot } from '../alerting/types.js';
import { ObjectId, type Filter } from 'mongodb';
import { instancesOf, type AlertDoc, type LegacyAlertDoc } from './alert-state.js';
import { reportingInterval, type ReportingHost } from './host-status.js';
import { effectiveGrace } from './host-grace.js';

/** The fields of a host document the check reads (its query's projection). */
export interface CheckedHost extends ReportingHost {
  _id: ObjectId;
  name: string;
  mutedUntil?: Date;
  enabledAt?: Date;
  back?: { from: Date; at: Date };
  alerts?: Record<string, AlertDoc>;
  alert?: LegacyAlertDoc;
  tags?: string[];
  /** The host's own grace in seconds (host-grace.ts). */
  grace?: number;
}

const NO_TAG_GRACES: ReadonlyMap<string, number> = new Map();

/**
 * The snapshot of a host, or undefined for one that never reported (not eligible: ALERTING.md "Eligible host").
 * `tagGraces`: seconds by tag (tag_settings); `graceMs` is the host's own grace, else its tags' largest, else absent.
 */
export function checkSnapshot(d: CheckedHost, tagGraces: ReadonlyMap<string, number> = NO_TAG_GRACES): HostSnapshot | undefined {
  if (!d.lastReportAt) return undefined;
  const interval = reportingInterval(d);
  const grace = effectiveGrace(d, tagGraces);
  return {
    id: d._id.toHexString(),
    name: d.name,
    lastReportAt: d.lastReportAt.getTime(),
    ...(d.mutedUntil && { mutedUntil: d.mutedUntil.getTime() }),
    ...(d.enabledAt && { enabledAt: d.enabledAt.getTime() }),
    ...(interval !== undefined && { intervalMs: interval * 1000 }),
    ...(d.back?.from instanceof Date && d.back.at instanceof Date && { back: { from: d.back.from.getTime(), at: d.back.at.getTime() } }),
    alerts: instancesOf(d.alerts, d.alert),
    ...(d.tags && d.tags.length > 0 && { tags: d.tags }),
    ...(grace && { graceMs: grace.seconds * 1000 }),
  };
}

export interface CheckPageRequest {
  /** Hosts whose last report is at or before this instant are offline long enough to matter. */
  cutoff: number;
  /** The check time (absent in runs recorded before maintenance windows): windows are decided at it. */
  checkTime?: number;
  /** Continue after this host id (exclusive); omit for the first page. */
  afterId?: string;
  limit: number;
  /** Only hosts carrying any of these tags (the check input's `hosts.tags`); absent: every host. */
  tags?: string[];
}

/** The fields a check page reads: no report body but its stated interval. */
export const CHECK_PROJECTION = { name: 1, lastReportAt: 1, mutedUntil: 1, enabledAt: 1, interval: 1, 'data.interval': 1, back: 1, alerts: 1, alert: 1, tags: 1, grace: 1 } as const;

/** The filter of one check page query (exported so benchmarks can `explain` exactly what a check asks). */
export function checkPageFilter(req: CheckPageRequest): Filter<CheckedHost & { active: boolean; alarm: boolean; secretHash: string }> {
  return {
    active: true,
    alarm: true,
    secretHash: { $type: 'string' as const },
    $or: [{ lastReportAt: { $lte: new Date(req.cutoff) } }, { alerts: { $exists: true } }, { 'alert.outage': { $exists: true } }],
    ...(req.afterId !== undefined && { _id: { $gt: new ObjectId(req.afterId) } }),
    // Served on MongoDB by the tags_lastReportAt index (hosts-store.ts ensureIndexes).
    ...(req.tags !== undefined && { tags: { $in: req.tags } }),
  };
}
