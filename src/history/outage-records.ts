/**
 * Which condition instances a report ends, as outage-log records (issue 13 point 1). Pure: the ingest passes the
 * host it has just read and the fields its write is about to set; nothing here does I/O.
 *
 * - offline: a report after a silence longer than the host's interval plus the default grace (ALERTING.md rule 9;
 *   a minute, the first default step, when the interval is not known) ends an outage that began at the last report
 *   (or the last enabling, if later) and ended now. The record is written whether or not anybody was told.
 * - metric: a report that ends an instance (`alerts.<key>.endAt`) records it with its start and peak.
 * - reboot: a report that detects a restart records it as an instant.
 * Open instances are not written here: outage-log.ts shows them from the host document.
 */
import { DEFAULT_GRACE_SECONDS, offlineKey } from '../alerting/policy.js';
import { reportingInterval } from '../store/host-status.js';
import type { OutageRecord } from './types.js';

/** What is known of the host before the report. */
export interface OutageHost {
  _id: { toHexString(): string };
  name: string;
  lastReportAt: Date | null;
  enabledAt?: Date;
  /** Interval set on the host record, in seconds. */
  interval?: number;
  alerts?: Record<string, unknown>;
}

/** One record to upsert by `id` (the same report written twice writes the same fields). */
export type OutageWrite = Omit<OutageRecord, 'notified'>;

/** A silence longer than this ends an outage: the stated interval plus the default grace, or the first step. */
export function offlineThresholdMs(intervalSeconds: number | undefined): number {
  return intervalSeconds === undefined ? 60_000 : (intervalSeconds + DEFAULT_GRACE_SECONDS) * 1000;
}

interface StoredInstance {
  condition?: unknown;
  start?: unknown;
  rule?: unknown;
  name?: unknown;
  metric?: unknown;
  item?: unknown;
  peak?: unknown;
}

function conditionFields(doc: StoredInstance): Pick<OutageRecord, 'rule' | 'ruleName' | 'metric' | 'item' | 'peak'> {
  return {
    ...(typeof doc.rule === 'string' && { rule: doc.rule }),
    ...(typeof doc.name === 'string' && { ruleName: doc.name }),
    ...(typeof doc.metric === 'string' && { metric: doc.metric }),
    item: typeof doc.item === 'string' ? doc.item : '',
    ...(typeof doc.peak === 'number' && { peak: doc.peak }),
  };
}

/**
 * The records a report at `at` with body `data` completes, given the `$set` fields the report writes (alert-state.ts
 * and condition-state.ts computed them from the same host).
 */
export function reportOutages(host: OutageHost, data: Record<string, unknown>, at: Date, set: Record<string, unknown>): OutageWrite[] {
  const hostId = host._id.toHexString();
  const out: OutageWrite[] = [];
  if (host.lastReportAt) {
    const since = Math.max(host.lastReportAt.getTime(), host.enabledAt?.getTime() ?? -Infinity);
    const interval = reportingInterval({ data, ...(host.interval !== undefined && { interval: host.interval }) });
    const silence = at.getTime() - since;
    // Also when the check told someone with a shorter grace than the default: that instance ends here too.
    const notified = host.alerts?.[offlineKey(since)] !== undefined;
    if (notified || (interval === undefined ? silence >= offlineThresholdMs(undefined) : silence > offlineThresholdMs(interval))) {
      out.push({ id: `${hostId}:${offlineKey(since)}`, hostId, host: host.name, condition: 'offline', start: new Date(since), end: at });
    }
  }
  for (const [field, value] of Object.entries(set)) {
    if (!field.startsWith('alerts.')) continue;
    const rest = field.slice('alerts.'.length);
    if (rest.endsWith('.endAt')) {
      const key = rest.slice(0, -'.endAt'.length);
      const doc = host.alerts?.[key] as StoredInstance | undefined;
      if (doc?.condition !== 'metric' || !(doc.start instanceof Date)) continue;
      const peak = set[`alerts.${key}.peak`];
      out.push({ id: `${hostId}:${key}`, hostId, host: host.name, condition: 'metric', ...conditionFields(doc), ...(typeof peak === 'number' && { peak }), start: doc.start, end: at });
    } else if (!rest.includes('.')) {
      const doc = value as StoredInstance;
      if (doc?.condition === 'reboot' && doc.start instanceof Date) {
        out.push({ id: `${hostId}:${rest}`, hostId, host: host.name, condition: 'reboot', ...conditionFields(doc), start: doc.start, end: doc.start });
      }
    }
  }
  return out;
}
