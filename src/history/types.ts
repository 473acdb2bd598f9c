/**
 * History (issue 13): the shapes the three history stores keep and the pages and read API show. Every store
 * lives in src/store/, every pure computation in src/history/; this file is the contract between them.
 */

/** Collections, named once: housekeeping deletes from them by the time fields named here. */
export const HISTORY_COLLECTIONS = {
  /** One document per condition instance; retention by `end` (open ones are kept). */
  outages: 'outages',
  /** One document per delivered (or refused) digest per destination; retention by `checkTime`. */
  notices: 'notice_log',
  /** Per host and UTC month, the ids of the notices that carried the host; retention by `checkTime` (the month's end). */
  noticeHosts: 'notice_log_hosts',
  /** Metric points in buckets (src/store/metric-history.ts decides the layout); retention by resolution. */
  metrics: 'metric_history',
} as const;

/** One condition instance of one host (ALERTING.md "Condition"). */
export interface OutageRecord {
  /** `<host id>:<instance key>`, the key of the instance in the host's `alerts` (`offline_<start ms>`, `metric_...`). */
  id: string;
  hostId: string;
  /** The host's name when the record was last written. */
  host: string;
  condition: 'offline' | 'metric' | 'reboot';
  /** Metric and reboot: the rule's id and name, its metric and item (a disk's mount, `''` otherwise). */
  rule?: string;
  ruleName?: string;
  metric?: string;
  item?: string;
  /** Metric: the peak value while it held. */
  peak?: number;
  start: Date;
  /** null while it holds. For offline: the first report after the silence. A reboot starts and ends at once. */
  end: Date | null;
  /** Highest step each destination (by its key, e.g. `mailto:ops@example.com`, `oncall`) was notified of. */
  notified: Record<string, number>;
}

/** Uptime over the usual windows: a fraction 0..1, or null when the host was not monitored in that window. */
export interface Uptime {
  d1: number | null;
  d7: number | null;
  d30: number | null;
  d90: number | null;
}

/** One digest to one destination, as the check recorded it after delivery. */
export interface NoticeLogEntry {
  /** The notice id (`<workflowId>.<runId>.d<i>`). */
  id: string;
  /** The run that sent it (`<workflowId>.<runId>`). */
  run: string;
  checkTime: Date;
  destination: { key: string; label: string; kind: string };
  /** Accepted (SMTP 250, a vendor's success) or not; when not, `error` is why (secret-free, as in the run failure). */
  accepted: boolean;
  error?: string;
  /** Names of the hosts it carried, for `--host` and the per-host page. */
  hosts: string[];
  /** Each line as the digest's text had it, in order, and its kind (`offline`, `recovered`, `metric`, `resolved`, `reboot`). */
  lines: { host: string; kind: string; text: string }[];
  /** Lines beyond those kept (a very large digest). */
  more: number;
}

/** A point of metric history: values as percentages (cpu, memory used, disk used per mount) and load1. */
export interface MetricPoint {
  t: Date;
  cpu: number | null;
  memory: number | null;
  load1: number | null;
  /** Used % per mount. */
  disks: Record<string, number>;
}

/** A host's metric history between two instants, at one resolution. */
export interface MetricSeries {
  /** Milliseconds between points: 60,000 (a day or less), 600,000 (a week or less) or 3,600,000. */
  resolutionMs: number;
  from: Date;
  to: Date;
  /** Sorted by `t`; gaps where nothing was reported. A rolled-up point is the mean of its span (disks: the max). */
  points: MetricPoint[];
}
