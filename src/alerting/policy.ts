import type { AlertPolicy, HostSnapshot, OfflineLine, RecoveryLine, StateChange } from './types.js';

const MINUTE_MS = 60_000;

export const DEFAULT_STEPS: readonly number[] = Object.freeze([1, 10, 60, 240, 1440]);

/** `m = floor((T - lastReportAt) / 60 s)`; negative when the report is newer than the check time. */
export function offlineMinutes(checkTime: number, lastReportAt: number): number {
  return Math.floor((checkTime - lastReportAt) / MINUTE_MS);
}

/** The largest step `s <= m`, or undefined when `m` is below the first step. */
export function dueStep(steps: readonly number[], minutes: number): number | undefined {
  let due: number | undefined;
  for (const step of steps) {
    if (step > minutes) break;
    due = step;
  }
  return due;
}

/** Hosts whose last report is at or before this instant have a due step at `checkTime`. */
export function offlineCutoff(checkTime: number, steps: readonly number[]): number {
  return checkTime - steps[0]! * MINUTE_MS;
}

export interface HostEvaluation {
  offline?: OfflineLine;
  recovery?: RecoveryLine;
  /** Writes to apply, in order, once the digest is accepted. */
  changes: StateChange[];
  muted: boolean;
}

/**
 * Applies rules 1, 2, 4 and 6 of ALERTING.md to one host at check time `checkTime`.
 * Quiet hours (rule 5) are decided for the whole run before any host is evaluated.
 */
export function evaluateHost(host: HostSnapshot, checkTime: number, steps: readonly number[]): HostEvaluation {
  if (host.mutedUntil !== undefined && host.mutedUntil > checkTime) return { muted: true, changes: [] };

  const result: HostEvaluation = { muted: false, changes: [] };
  const alert = host.alert;
  const sameOutage = alert !== undefined && alert.outage === host.lastReportAt;

  if (alert !== undefined && !sameOutage) {
    // Rule 4: notified for an outage that a report has since ended.
    // A backAt from before this outage (left by a report racing an earlier clear) does not describe it.
    const seenAgainAt = alert.backAt !== undefined && alert.backAt > alert.outage ? alert.backAt : host.lastReportAt;
    result.recovery = {
      kind: 'recovered',
      hostId: host.id,
      name: host.name,
      wentSilentAt: alert.outage,
      seenAgainAt,
      goneMs: seenAgainAt - alert.outage,
    };
    result.changes.push({ kind: 'clear', hostId: host.id, outage: alert.outage });
  }

  // Rules 1 and 2: the highest due step, once, if it is above what this outage was notified for.
  const notified = sameOutage ? alert.step : 0;
  const due = dueStep(steps, offlineMinutes(checkTime, host.lastReportAt));
  if (due !== undefined && due > notified) {
    result.offline = {
      kind: 'offline',
      hostId: host.id,
      name: host.name,
      step: due,
      offlineMs: checkTime - host.lastReportAt,
      lastReportAt: host.lastReportAt,
    };
    // After a clear for an ended outage: if this notice's write is skipped (the host reported again before
    // it), the clear still lands, so the recovery line is not repeated.
    result.changes.push({ kind: 'notify', hostId: host.id, outage: host.lastReportAt, step: due });
  }
  return result;
}

export interface CheckEvaluation {
  offline: OfflineLine[];
  recoveries: RecoveryLine[];
  changes: StateChange[];
  /** Hosts with a due step at check time, whether or not a notice is sent for them now. */
  hostsOffline: number;
  hostsMuted: number;
}

export function emptyEvaluation(): CheckEvaluation {
  return { offline: [], recoveries: [], changes: [], hostsOffline: 0, hostsMuted: 0 };
}

/**
 * Evaluates a batch of hosts and adds the results to `into` (so pages of hosts can be folded one by one).
 * Pure and deterministic (rule 8): the result depends only on its arguments.
 */
export function evaluateHosts(
  hosts: readonly HostSnapshot[],
  checkTime: number,
  policy: Pick<AlertPolicy, 'steps'>,
  into: CheckEvaluation = emptyEvaluation(),
): CheckEvaluation {
  const cutoff = offlineCutoff(checkTime, policy.steps);
  for (const host of hosts) {
    const result = evaluateHost(host, checkTime, policy.steps);
    if (host.lastReportAt <= cutoff) into.hostsOffline++; // has a due step: the same boundary the store queries
    if (result.muted) into.hostsMuted++;
    if (result.offline) into.offline.push(result.offline);
    if (result.recovery) into.recoveries.push(result.recovery);
    into.changes.push(...result.changes);
  }
  return into;
}
