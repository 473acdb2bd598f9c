/** A host document as the check's pure code sees it (src/alerting/types.ts HostSnapshot). Pure. */
import type { HostSnapshot } from '../alerting/types.js';
import type { ObjectId } from 'mongodb';
import { instancesOf, type AlertDoc, type LegacyAlertDoc } from './alert-state.js';
import { reportingInterval, type ReportingHost } from './host-status.js';

/** The fields of a host document the check reads (its query's projection). */
export interface CheckedHost extends ReportingHost {
  _id: ObjectId;
  name: string;
  mutedUntil?: Date;
  enabledAt?: Date;
  back?: { from: Date; at: Date };
  alerts?: Record<string, AlertDoc>;
  alert?: LegacyAlertDoc;
}

/** The snapshot of a host, or undefined for one that never reported (not eligible: ALERTING.md "Eligible host"). */
export function checkSnapshot(d: CheckedHost): HostSnapshot | undefined {
  if (!d.lastReportAt) return undefined;
  const interval = reportingInterval(d);
  return {
    id: d._id.toHexString(),
    name: d.name,
    lastReportAt: d.lastReportAt.getTime(),
    ...(d.mutedUntil && { mutedUntil: d.mutedUntil.getTime() }),
    ...(d.enabledAt && { enabledAt: d.enabledAt.getTime() }),
    ...(interval !== undefined && { intervalMs: interval * 1000 }),
    ...(d.back?.from instanceof Date && d.back.at instanceof Date && { back: { from: d.back.from.getTime(), at: d.back.at.getTime() } }),
    alerts: instancesOf(d.alerts, d.alert),
  };
}
