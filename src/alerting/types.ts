/**
 * Types shared by the pure alerting core, the check workflow and the activities.
 * All instants are epoch milliseconds: compact in payloads and free of Date/JSON round-trip surprises.
 */

/**
 * What was notified for one instance of a condition (ALERTING.md "Alert state"), per destination.
 * For `offline` the instance is identified by its start: the host's `lastReportAt` when it went silent.
 */
export interface InstanceState {
  /** The key the instance is stored under in the host document (`offline_<start>`). */
  key: string;
  start: number;
  /** Highest step each destination (by {@link Destination.key}) was notified of. */
  sent: Record<string, number>;
  /** First report after the instance began, if the host has come back. */
  backAt?: number;
  /**
   * State written by a release before per-destination state: one step for the whole recipient list, which then
   * was email only. Read as that step for every `mailto:` destination; rewritten per destination at the next write.
   */
  legacyStep?: number;
  /** A metric-rule or reboot instance (absent for offline): what it is about and the values the ingest recorded. */
  condition?: ConditionInfo;
  /** Acknowledged (rule 6): no further step notices for anyone; its end is still told to those notified. */
  ack?: { at: number; by: string };
}

/** What a metric-rule or reboot instance is about (src/store/condition-state.ts writes it at ingest). */
export interface ConditionInfo {
  kind: 'metric' | 'reboot';
  /** The rule's id and its name when the instance began. */
  rule: string;
  ruleName: string;
  metric: string;
  /** The disk's mount for `disk`; `''` otherwise. */
  item: string;
  op?: 'above' | 'below';
  threshold?: number;
  value?: number;
  peak?: number;
  /** The report that ended it: a metric instance has ended once this is set. */
  endAt?: number;
  endValue?: number;
  /** Reboot: uptime in seconds after the restart and before it. */
  uptime?: number;
  previousUptime?: number;
}

/** The part of a host document the check needs. */
export interface HostSnapshot {
  id: string;
  name: string;
  lastReportAt: number;
  /** Muted (rule 6) while the check time is before this instant. */
  mutedUntil?: number;
  /** When the host was last enabled after being disabled: its offline time never counts from before (rule 9). */
  enabledAt?: number;
  /** How often the host reports, in milliseconds (from its reports or its record): grace applies (rule 9). */
  intervalMs?: number;
  /** The latest report that ended a silence of a minute or more: `from` is the report before it. */
  back?: { from: number; at: number };
  /** Alert state of offline instances: the current one and any ended ones not yet fully told. */
  alerts: InstanceState[];
  /** The host's tags (rules select hosts by tag); absent when none. */
  tags?: string[];
  /** Inside a maintenance window at the check time (rule 6): held like a mute until the window ends. */
  maintenance?: { id: string; name: string; until: number };
  /**
   * The host's own grace (set on the host or one of its tags), in milliseconds: it replaces the check's `graceMs`
   * and applies even when the reporting interval is not known (rule 9).
   */
  graceMs?: number;
}

/** One place a notice is delivered (ALERTING.md "Destination"), as the workflow knows it: no URL, no secret. */
export interface Destination {
  /** Its alert state key: `mailto:<address>` for email, `<channel>` (or `<channel>#<target>`) otherwise. */
  key: string;
  /** The channel it belongs to; absent for the check input's `recipients`. */
  channel?: string;
  /** The channel's destination: the address for mailto, `''` for single-destination kinds. */
  target: string;
  /** The channel kind, e.g. `mailto`, `slack`. */
  kind: string;
  /** How it is shown in run results and errors: `ops@example.com`, `oncall (slack)`. */
  label: string;
  /** Step notices below this step are not sent to it (escalation); recoveries follow rule 4. 0: every step. */
  fromStep: number;
}

export interface AlertPolicy {
  /** Strictly increasing positive whole minutes. */
  steps: readonly number[];
  /** Local hours (0-23) during which nothing is sent (rule 5). */
  ignoreHours: readonly number[];
  /** IANA time zone for quiet hours and the times shown in the digest. */
  timezone: string;
  /** Rule 9: extra silence allowed beyond a host's known reporting interval, in milliseconds. */
  graceMs: number;
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

/** What every line of a metric-rule instance says: the host, the rule, what it watches and since when. */
export interface MetricLineBase {
  hostId: string;
  name: string;
  /** The rule's name. */
  rule: string;
  metric: string;
  /** The disk's mount for `disk`; `''` otherwise. */
  item: string;
  op: 'above' | 'below';
  threshold: number;
  /** Highest (`above`) or lowest (`below`) value while it held. */
  peak: number;
  /** The first breaching report. */
  since: number;
  /** Since then, to the check time (or, resolved, to the report that ended it). */
  heldMs: number;
}

/** A metric rule that holds (ALERTING.md "Condition"): `DISK  web-1 /var: 93 % (above 90 %) for 12 minutes`. */
export interface MetricLine extends MetricLineBase {
  kind: 'metric';
  value: number;
  step: number;
}

/** A metric instance that ended, to each destination told of it (rule 4): how long it held and its peak. */
export interface MetricEndLine extends MetricLineBase {
  kind: 'resolved';
  /** The value of the report that ended it; absent when the item was no longer reported. */
  endValue?: number;
  endedAt: number;
}

/** An uptime that went backwards: one line per destination, no ladder. */
export interface RebootLine {
  kind: 'reboot';
  hostId: string;
  name: string;
  rule: string;
  /** The first report after the restart. */
  at: number;
  uptime: number;
  previousUptime: number;
}

/** Lines of conditions that hold (or, for a reboot, happened). */
export type AlertLine = OfflineLine | MetricLine | RebootLine;
/** Lines of conditions that ended. */
export type EndLine = RecoveryLine | MetricEndLine;
export type DigestLine = AlertLine | EndLine;

export function isEndLine(line: DigestLine): line is EndLine {
  return line.kind === 'recovered' || line.kind === 'resolved';
}

/** Lines a destination gets in a run: `offline` and `recovered` count every line, `conditions` and `resolved` those of rules. */
export interface LineTotals {
  offline: number;
  recovered: number;
  conditions: number;
  resolved: number;
}

/** A line and the destinations (indexes into the run's destination list) it goes to. */
export interface RoutedLine {
  line: DigestLine;
  to: number[];
}

/**
 * Every state write for one host of one run, applied in one database write after delivery (rule 3), keeping only
 * what destinations that accepted were told.
 */
export interface HostWrite {
  hostId: string;
  /** The current offline instance: the step each destination is to get now. */
  notify?: {
    key: string;
    start: number;
    steps: Record<string, number>;
    /** Per-destination state carried over from a legacy record: written whatever was accepted. */
    carried?: Record<string, number>;
  };
  /**
   * Ended instances: destinations told of the end now (`recovered`), and all that had been notified (`notified`);
   * `backAt`, when the host was seen again, if the stored instance does not say so: kept for those not yet told.
   */
  ended: { key: string; recovered: string[]; notified: Record<string, number>; backAt?: number }[];
  /** Metric-rule and reboot instances: the step each destination is to get now (reboot: 1, told). */
  conditions?: { key: string; steps: Record<string, number> }[];
  /** Instances to remove without any notice (state nobody was notified of, left by a race). */
  drop: string[];
  /** Every instance key the host has now, to know when none will be left. */
  keys: string[];
  /** The instance read from a legacy record (`alert`), if any: it is rewritten per destination when written. */
  legacyKey?: string;
}
