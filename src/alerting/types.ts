/**
 * Types shared by the pure alerting core, the check workflow and the activities.
 * All instants are epoch milliseconds: compact in payloads and free of Date/JSON round-trip surprises.
 */

/** What has been notified for a host's current (or last) outage. ALERTING.md "Alert state". */
export interface AlertState {
  /** The host's `lastReportAt` when it went silent: identifies the outage. */
  outage: number;
  /** Highest step (minutes) already notified for that outage. */
  step: number;
  /** First report received after the outage began, if the host has come back. */
  backAt?: number;
}

/** The part of a host document the check needs. */
export interface HostSnapshot {
  id: string;
  name: string;
  lastReportAt: number;
  /** Muted (rule 6) while the check time is before this instant. */
  mutedUntil?: number;
  alert?: AlertState;
}

export interface AlertPolicy {
  /** Strictly increasing positive whole minutes. */
  steps: readonly number[];
  /** Local hours (0-23) during which nothing is sent (rule 5). */
  ignoreHours: readonly number[];
  /** IANA time zone for quiet hours and the times shown in the digest. */
  timezone: string;
}

export interface OfflineLine {
  kind: 'offline';
  hostId: string;
  name: string;
  step: number;
  offlineMs: number;
  lastReportAt: number;
}

export interface RecoveryLine {
  kind: 'recovered';
  hostId: string;
  name: string;
  wentSilentAt: number;
  seenAgainAt: number;
  goneMs: number;
}

export type DigestLine = OfflineLine | RecoveryLine;

/** A state write the check performs after the digest was accepted (rule 3). */
export type StateChange =
  | { kind: 'notify'; hostId: string; outage: number; step: number }
  | { kind: 'clear'; hostId: string; outage: number };
