/** The `hosts` collection's document and the views and edits of it the stores and their callers share. */
import type { ObjectId } from 'mongodb';
import type { AlertDoc, LegacyAlertDoc } from './alert-state.js';

/** A document of the `hosts` collection. */
export interface HostDoc {
  _id: ObjectId;
  name: string;
  active: boolean;
  /** Alerts enabled for this host. */
  alarm: boolean;
  secretKey: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secretHash: string;
  /** Latest report body. */
  data: Record<string, unknown> | null;
  /** Server time of the latest report; null until the first one. */
  lastReportAt: Date | null;
  createdAt: Date;
  mutedUntil?: Date;
  /** When the host was last enabled after being disabled (rule 9: offline time never counts from before). */
  enabledAt?: Date;
  /** Reporting interval in seconds set on the host, for reporters that do not state one in their reports. */
  interval?: number;
  /** The latest report that ended a silence of a minute or more: `from` is the report before it. */
  back?: { from: Date; at: Date };
  /**
   * ALERTING.md condition instances and their alert state per destination: offline (alert-state.ts), metric rules
   * and reboots (condition-state.ts); absent when none.
   */
  alerts?: Record<string, AlertDoc>;
  /** The uptime of the latest report that had one, in seconds: a lower one next is a reboot. */
  lastUptime?: number;
  /** Alert state written by a release before per-destination state; read, and replaced at the next write. */
  alert?: LegacyAlertDoc;
  /** Server time of the first report (absent for hosts that reported before it was kept: createdAt stands in). */
  firstReportAt?: Date;
  /** Tags (tags.ts: normalized, sorted); absent when none. */
  tags?: string[];
  /** The host's own grace in seconds (host-grace.ts): replaces its tags' and the check's (rule 9); absent: none set. */
  grace?: number;
  /** How far the clock of its latest report (`data.time`) was ahead of the server's, when over 30 s (report-clock.ts). */
  clockAheadMs?: number;
}

/** A host as the API reads it to authenticate a report: everything but the last report body. */
export type HostAuth = Omit<HostDoc, 'data'>;

/** What recordReport needs to know of a host it has just read. */
export type ReportTarget = Pick<HostDoc, '_id' | 'name' | 'lastReportAt' | 'alerts' | 'alert' | 'back' | 'lastUptime' | 'enabledAt' | 'interval' | 'tags' | 'clockAheadMs'>;

export class DuplicateHostError extends Error {
  override name = 'DuplicateHostError';
  constructor(readonly hostName: string) {
    super(`a host named "${hostName}" already exists`);
  }
}

export class UnknownHostError extends Error {
  override name = 'UnknownHostError';
  constructor(readonly hostName: string) {
    super(`no host named "${hostName}"`);
  }
}

/** Registry edits. None of them touches `lastReportAt`: editing a host must never hide an outage. */
export interface HostPatch {
  name?: string;
  active?: boolean;
  alarm?: boolean;
  /** A time to mute until, or null to unmute. */
  mutedUntil?: Date | null;
  /** Reporting interval in seconds, or null to forget it. */
  interval?: number | null;
  /** The host's own grace in seconds, or null to clear it. */
  grace?: number | null;
}

/** A host as listed: everything but the secret hash. */
export type HostView = Omit<HostDoc, 'secretHash'>;
