import { evaluateConditions, type RuleBook } from './conditions.js';
import { dueStep, offlineMinutes, sentTo } from './steps.js';
import type { AlertPolicy, Destination, HostSnapshot, HostWrite, InstanceState, OfflineLine, RecoveryLine, RoutedLine } from './types.js';

export { dueStep, offlineMinutes, sentTo } from './steps.js';

const MINUTE_MS = 60_000;

export const DEFAULT_STEPS: readonly number[] = Object.freeze([1, 10, 60, 240, 1440]);
/** Rule 9's default grace: a host that states its interval is offline after it plus this. */
export const DEFAULT_GRACE_SECONDS = 60;

/** Hosts whose last report is at or before this instant may have a due step at `checkTime`. */
export function offlineCutoff(checkTime: number, steps: readonly number[]): number {
  return checkTime - steps[0]! * MINUTE_MS;
}

/** The key an offline instance is stored under. */
export function offlineKey(start: number): string {
  return `offline_${start}`;
}

/** Where offline time counts from: the last report, or the last enabling if later (rule 9). */
export function silentSince(host: Pick<HostSnapshot, 'lastReportAt' | 'enabledAt'>): number {
  return Math.max(host.lastReportAt, host.enabledAt ?? -Infinity);
}

/**
 * The step due for the host's silence at `checkTime`, or undefined: none yet, or still within its reporting
 * interval plus grace (rule 9), which a host just enabled has too: it could not report while disabled.
 */
export function offlineDueStep(host: HostSnapshot, checkTime: number, policy: Pick<AlertPolicy, 'steps' | 'graceMs'>): number | undefined {
  const since = silentSince(host);
  const allowed = host.graceMs !== undefined ? (host.intervalMs ?? 0) + host.graceMs : host.intervalMs !== undefined ? host.intervalMs + policy.graceMs : undefined;
  if (allowed !== undefined && checkTime - since <= allowed) return undefined;
  return dueStep(policy.steps, offlineMinutes(checkTime, since));
}

/** Why a host is held at `checkTime` (rule 6), or undefined: muted, or inside a maintenance window. */
export function heldBy(host: HostSnapshot, checkTime: number): 'muted' | 'maintenance' | undefined {
  if (host.mutedUntil !== undefined && host.mutedUntil > checkTime) return 'muted';
  if (host.maintenance !== undefined && host.maintenance.until > checkTime) return 'maintenance';
  return undefined;
}

/** Every destination key notified of an instance, with its step, legacy state read for `destinations`. */
function notifiedOf(instance: InstanceState, destinations: readonly Destination[]): Record<string, number> {
  const out: Record<string, number> = { ...instance.sent };
  if (instance.legacyStep !== undefined) for (const d of destinations) if (d.kind === 'mailto') out[d.key] ??= instance.legacyStep;
  return out;
}

/** When the host was seen again after `instance` began: the first report after it, whatever the interleaving. */
export function seenAgainAt(host: HostSnapshot, instance: InstanceState): number {
  if (instance.backAt !== undefined && instance.backAt > instance.start) return instance.backAt;
  if (host.back && host.back.from === instance.start) return host.back.at;
  return host.lastReportAt;
}

const NO_RULES: RuleBook = new Map();

export interface HostEvaluation {
  lines: RoutedLine[];
  /** Absent when there is nothing to write. */
  write?: HostWrite;
  /** Held by a mute or a maintenance window (rule 6): nothing evaluated, nothing written. */
  held?: 'muted' | 'maintenance';
}

/**
 * Applies rules 1, 2, 4, 6 (mute, maintenance, acknowledgement) and 9 of ALERTING.md to one host at `checkTime`, for each destination on its own.
 * Quiet hours (rule 5) are decided for the whole run before any host is evaluated.
 */
export function evaluateHost(
  host: HostSnapshot,
  checkTime: number,
  policy: Pick<AlertPolicy, 'steps' | 'graceMs'>,
  destinations: readonly Destination[],
  rules: RuleBook = NO_RULES,
): HostEvaluation {
  const held = heldBy(host, checkTime);
  if (held) return { held, lines: [] };

  const lines: RoutedLine[] = [];
  const currentKey = offlineKey(host.lastReportAt);
  const legacyKey = host.alerts.find((a) => a.legacyStep !== undefined)?.key;
  const write: HostWrite = { hostId: host.id, ended: [], drop: [], keys: host.alerts.map((a) => a.key), ...(legacyKey !== undefined && { legacyKey }) };
  let current: InstanceState | undefined;

  for (const instance of host.alerts) {
    if (instance.condition) continue; // metric rules and reboots: conditions.ts
    if (instance.start === host.lastReportAt) {
      current = instance;
      continue;
    }
    // Rule 4: an instance a report has ended. Each destination notified of it (and in this run) is told once.
    const notified = notifiedOf(instance, destinations);
    if (Object.keys(notified).length === 0) {
      write.drop.push(instance.key);
      continue;
    }
    const seen = seenAgainAt(host, instance);
    const to = destinations.flatMap((d, i) => (notified[d.key] !== undefined ? [i] : []));
    if (to.length > 0) {
      const line: RecoveryLine = { kind: 'recovered', hostId: host.id, name: host.name, wentSilentAt: instance.start, seenAgainAt: seen, goneMs: seen - instance.start };
      lines.push({ line, to });
    }
    // Rule 4: `back` holds only the latest return, so the time these lines give is kept for those not yet told.
    const backAt = instance.legacyStep !== undefined || instance.backAt !== seen ? { backAt: seen } : {};
    write.ended.push({ key: instance.key, recovered: to.map((i) => destinations[i]!.key), notified, ...backAt });
  }

  // Rules 1 and 2, per destination: the highest due step, once, if above what that destination has.
  const due = offlineDueStep(host, checkTime, policy);
  // Metric instances of a host that is offline neither escalate nor end: their data is stale.
  evaluateConditions(host, checkTime, rules, destinations, due !== undefined, lines, write);
  if (due !== undefined) {
    const byStep = new Map<number, number[]>();
    const steps: Record<string, number> = {};
    destinations.forEach((d, i) => {
      // Rule 6: an acknowledged instance gets no further step notices.
      if (current?.ack === undefined && due > sentTo(current, d) && due >= d.fromStep) {
        steps[d.key] = due;
        byStep.set(due, [...(byStep.get(due) ?? []), i]);
      }
    });
    const to = byStep.get(due);
    if (to) {
      const line: OfflineLine = { kind: 'offline', hostId: host.id, name: host.name, step: due, offlineMs: checkTime - silentSince(host), lastReportAt: host.lastReportAt };
      lines.push({ line, to });
      const carried = current?.legacyStep !== undefined ? notifiedOf({ ...current, sent: {} }, destinations) : undefined;
      write.notify = { key: currentKey, start: host.lastReportAt, steps, ...(carried && { carried }) };
    }
  }
  const writes = write.notify !== undefined || write.conditions !== undefined || write.ended.length > 0 || write.drop.length > 0;
  return { lines, ...(writes && { write }) };
}

export interface CheckEvaluation {
  lines: RoutedLine[];
  writes: HostWrite[];
  /** Hosts with a due step at check time, whether or not a notice is sent for them now. */
  hostsOffline: number;
  hostsMuted: number;
  hostsInMaintenance: number;
  /** Hosts whose last report is after the check time (a clock ahead of the check's): their silence counts as none. */
  reportsAhead: number;
}

export function emptyEvaluation(): CheckEvaluation {
  return { lines: [], writes: [], hostsOffline: 0, hostsMuted: 0, hostsInMaintenance: 0, reportsAhead: 0 };
}

/**
 * Evaluates a batch of hosts and adds the results to `into` (so pages of hosts can be folded one by one).
 * Pure and deterministic (rule 8): the result depends only on its arguments.
 */
export function evaluateHosts(
  hosts: readonly HostSnapshot[],
  checkTime: number,
  policy: Pick<AlertPolicy, 'steps' | 'graceMs'>,
  destinations: readonly Destination[],
  into: CheckEvaluation = emptyEvaluation(),
  rules: RuleBook = NO_RULES,
): CheckEvaluation {
  for (const host of hosts) {
    const result = evaluateHost(host, checkTime, policy, destinations, rules);
    if (offlineDueStep(host, checkTime, policy) !== undefined) into.hostsOffline++;
    if (result.held === 'muted') into.hostsMuted++;
    if (result.held === 'maintenance') into.hostsInMaintenance++;
    if (host.lastReportAt > checkTime) into.reportsAhead++;
    into.lines.push(...result.lines);
    if (result.write) into.writes.push(result.write);
  }
  return into;
}
