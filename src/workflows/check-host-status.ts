import { ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, log, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  addTotals,
  emptyEvaluation,
  evaluateHosts,
  InvalidCheckInputError,
  linesFor,
  offlineCutoff,
  parseCheckInput,
  quietHour,
  routedLinesToShow,
  ruleBook,
  totalsByDestination,
  type AlertPolicy,
  type CheckEvaluation,
  type Destination,
  type HostWrite,
  type RoutedLine,
} from '../alerting/index.js';
import type { Activities } from '../activities/index.js';
import type { Notice } from '../channels/types.js';
import type { Rule } from '../rules/rule.js';
import { SliceChildren, sliceEvaluated, sliceRelease, type SliceInput, type SliceResult, type SliceSummary } from './slices.js';
import { recordNoticeLog } from './notice-log.js';

export type { SliceInput, SliceResult, SliceSummary };

/** Host writes per state-write activity. */
export const STATE_CHUNK_SIZE = 100;

/** The change that made checks read metric rules (Temporal versioning: older histories replay without it). */
export const METRIC_RULES_PATCH = 'metric-rules';

/** Error type of a run in which some destination did not accept its notice (the others' state is recorded). */
export const DELIVERY_INCOMPLETE = 'DeliveryIncomplete';

// Transient failures retry with backoff.
const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

// A page query reads the whole collection on FerretDB 1.x (no index for ranges): seconds for 100,000 hosts.
// Reads give up within a bounded time, so a run does too (and the next scheduled run starts over).
const store = proxyActivities<Activities>({ startToCloseTimeout: '2m', scheduleToCloseTimeout: '5m', retry: RETRY });

// Once anything was delivered, its state write retries until it lands (ALERTING.md "Delivery guarantee"): no
// overall budget. Heartbeats after every host keep a long write alive while it progresses.
const stateStore = proxyActivities<Activities>({ startToCloseTimeout: '10m', heartbeatTimeout: '30s', retry: RETRY });

// Each destination retries on its own within two minutes (a 429's Retry-After sets the wait); a permanent refusal
// stops at once.
const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '2m',
  retry: { ...RETRY, nonRetryableErrorTypes: ['DeliveryRefused'] },
});

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** What a run returns; the Web UI shows it as the run's result. */
export interface CheckSummary {
  /** ISO time the check was taken at (workflow time). */
  checkTime: string;
  timezone: string;
  /** Hosts with a due step at check time; null when quiet hours held the run before loading hosts. */
  hostsOffline: number | null;
  hostsMuted: number;
  /** Hosts held by a maintenance window (rule 6). */
  hostsInMaintenance: number;
  /** Hosts whose last report is after the check time: a clock ahead of the check's (their silence counts as none). */
  reportsAhead: number;
  /** Hosts with an offline notice to at least one destination. */
  notices: number;
  /** Hosts with a recovery line to at least one destination. */
  recoveries: number;
  /** Metric-rule and reboot lines to at least one destination, and resolved metric-rule lines. */
  alerts: number;
  resolved: number;
  quietHours: boolean;
  /** Child workflows that evaluated hosts beyond the run's own slice (a large outage or fleet). */
  slices: number;
  /** Destinations of the run, those that had something to get, and those that accepted it. */
  destinations: number;
  sent: number;
  accepted: number;
  /** One line: "Sent to 2 of 2 destinations: 3 notices, 1 recovery", "No alarm", "Quiet hours 4: held". */
  message: string;
}

/** `; 2 hosts in maintenance; 1 report ahead of the check time` for the run's message, or `''`. */
function heldNote(c: { hostsInMaintenance: number; reportsAhead: number }): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    ...(c.hostsInMaintenance > 0 ? [`; ${plural(c.hostsInMaintenance, 'host', 'hosts')} in maintenance`] : []),
    ...(c.reportsAhead > 0 ? [`; ${plural(c.reportsAhead, 'report', 'reports')} ahead of the check time`] : []),
  ].join('');
}

/** Loads and evaluates up to `pages` pages after `afterId`; returns where the next page would start. */
async function evaluatePages(
  evaluation: CheckEvaluation,
  opts: { checkTime: number; policy: AlertPolicy; destinations: Destination[]; rules: Rule[]; pageSize: number; pages: number; afterId?: string; tags?: string[] },
): Promise<string | undefined> {
  const cutoff = offlineCutoff(opts.checkTime, opts.policy.steps);
  const rules = ruleBook(opts.rules);
  let afterId = opts.afterId;
  for (let i = 0; i < opts.pages; i++) {
    // The request carries `tags` only for a schedule that selects hosts: older histories replay unchanged.
    const page = await store.loadHostsPage({ cutoff, checkTime: opts.checkTime, limit: opts.pageSize, ...(afterId !== undefined && { afterId }), ...(opts.tags && { tags: opts.tags }) });
    evaluateHosts(page.hosts, opts.checkTime, opts.policy, opts.destinations, evaluation, rules);
    afterId = page.nextAfterId;
    if (afterId === undefined) return undefined;
  }
  return afterId;
}

/** Rule 3: written after delivery, for the destinations that accepted. */
async function writeState(writes: readonly HostWrite[], accepted: string[], checkTime: number): Promise<{ applied: number; skipped: number }> {
  let applied = 0;
  let skipped = 0;
  for (let i = 0; i < writes.length; i += STATE_CHUNK_SIZE) {
    const result = await stateStore.recordAlertState({ writes: writes.slice(i, i + STATE_CHUNK_SIZE), accepted, checkTime });
    applied += result.applied;
    skipped += result.skipped;
  }
  return { applied, skipped };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function count(lines: readonly RoutedLine[], ...kinds: RoutedLine['line']['kind'][]): number {
  return lines.reduce((n, l) => n + (kinds.includes(l.line.kind) ? 1 : 0), 0);
}

/** `3 notices, 1 recovery`, then `2 alerts, 1 resolved` when metric rules have lines. */
function sentCounts(c: { notices: number; recoveries: number; alerts: number; resolved: number }): string {
  const parts = [plural(c.notices, 'notice'), plural(c.recoveries, 'recovery', 'recoveries')];
  if (c.alerts > 0 || c.resolved > 0) parts.push(plural(c.alerts, 'alert'), `${c.resolved} resolved`);
  return parts.join(', ');
}

/** The reason a delivery activity gave up, without the SDK's wrapping. */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** One scheduled check: ALERTING.md rules 1-9 over every eligible host, for each destination on its own. */
export async function checkHostStatus(rawInput: unknown): Promise<CheckSummary> {
  const checkTime = Date.now(); // workflow time: fixed for the run and replay-safe

  let input;
  try {
    input = parseCheckInput(rawInput);
  } catch (err) {
    if (err instanceof InvalidCheckInputError) {
      throw ApplicationFailure.create({ type: 'InvalidCheckInput', nonRetryable: true, message: err.message, details: [err.field] });
    }
    throw err;
  }
  // Names to destinations inside the worker: channel URLs never enter the run's history.
  // The locale goes with the request only when the schedule names one (the activity checks it has a catalogue).
  const destinations = await store.resolveDestinations({ recipients: input.recipients, channels: input.channels, ...(input.locale !== undefined && { locale: input.locale }) }).catch((err: unknown) => {
    // An unknown channel name is bad input: the run fails with it, as with any other bad field.
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'InvalidCheckInput') {
      throw ApplicationFailure.create({ type: cause.type, nonRetryable: true, message: cause.message, details: cause.details as unknown[] });
    }
    throw err;
  });
  const timezone = input.timezone ?? (await local.checkDefaults()).timezone;
  const policy: AlertPolicy = { steps: input.steps, ignoreHours: input.ignoreHours, timezone, graceMs: input.graceSeconds * 1000 };
  const summary = { checkTime: new Date(checkTime).toISOString(), timezone, hostsMuted: 0, hostsInMaintenance: 0, reportsAhead: 0, notices: 0, recoveries: 0, alerts: 0, resolved: 0, slices: 0, destinations: destinations.length, sent: 0, accepted: 0 };

  const quiet = quietHour(checkTime, policy);
  if (quiet !== undefined) {
    return { ...summary, hostsOffline: null, quietHours: true, message: `Quiet hours ${quiet}: held` };
  }

  // The run's own slice of hosts; the rest, if any, go to child workflows one slice at a time, so that no run's
  // history holds more than one slice of hosts and their state writes.
  const { pageSize, slicePages } = input.paging;
  // A run started by a release without metric rules replays without reading them (patched() is false there).
  const rules = patched(METRIC_RULES_PATCH) ? await store.loadRules() : [];
  const evaluation = emptyEvaluation();
  const tags = input.hosts?.tags;
  const afterId = await evaluatePages(evaluation, { checkTime, policy, destinations, rules, pageSize, pages: slicePages, ...(tags && { tags }) });
  const { workflowId, runId } = workflowInfo();
  const runKey = `${workflowId}.${runId}`;
  const children = new SliceChildren(checkHostSlice, runKey, { checkTime, policy, destinations, rules, pageSize, slicePages, ...(tags && { tags }) });

  // If anything fails before delivery, the run fails and the next one sends again (rule 3); children not yet told
  // end without writing. (The parent close policy would end them too, but only after the run has closed.)
  try {
    const slices = afterId === undefined ? [] : await children.evaluateFrom(afterId);
    const totals = totalsByDestination(evaluation.lines, destinations.length);
    for (const s of slices) s.totals.forEach((t, d) => addTotals(totals[d]!, t));
    const lines = [...evaluation.lines, ...slices.flatMap((s) => s.lines)];
    const counted = {
      ...summary,
      hostsOffline: evaluation.hostsOffline + slices.reduce((n, s) => n + s.hostsOffline, 0),
      hostsMuted: evaluation.hostsMuted + slices.reduce((n, s) => n + s.hostsMuted, 0),
      // Slices of runs recorded before these counts carry none.
      hostsInMaintenance: evaluation.hostsInMaintenance + slices.reduce((n, s) => n + (s.hostsInMaintenance ?? 0), 0),
      reportsAhead: evaluation.reportsAhead + slices.reduce((n, s) => n + (s.reportsAhead ?? 0), 0),
      notices: count(evaluation.lines, 'offline') + slices.reduce((n, s) => n + s.offlineLines, 0),
      recoveries: count(evaluation.lines, 'recovered') + slices.reduce((n, s) => n + s.recoveryLines, 0),
      alerts: count(evaluation.lines, 'metric', 'reboot') + slices.reduce((n, s) => n + s.conditionLines, 0),
      resolved: count(evaluation.lines, 'resolved') + slices.reduce((n, s) => n + s.resolvedLines, 0),
      quietHours: false,
      slices: slices.length,
    };

    // Rule 7: one notice per destination that has lines, each delivered (and retried) on its own.
    const due = destinations.flatMap((d, i) => (totals[i]!.offline + totals[i]!.recovered > 0 ? [i] : []));
    const notices = due.map((i): Notice => ({ id: `${runKey}.d${i}`, run: runKey, checkTime, timezone, ...(input.locale !== undefined && { locale: input.locale }), ...linesFor(lines, i, totals[i]!) }));
    const results = await Promise.allSettled(due.map((i, n) => delivery.deliverNotice({ destination: destinations[i]!, notice: notices[n]! })));
    const accepted = due.flatMap((i, n) => (results[n]!.status === 'fulfilled' ? [destinations[i]!.key] : []));
    const failed = due.flatMap((i, n) => {
      const r = results[n]!;
      return r.status === 'rejected' ? [failureReason(r.reason)] : [];
    });

    // Rule 3: state advances for the destinations that accepted (and state nobody was told of is dropped).
    if (evaluation.writes.length > 0) await writeState(evaluation.writes, accepted, checkTime);
    await children.release(accepted);
    // The notification log: each due destination's notice, accepted or not (and why not).
    await recordNoticeLog(
      due.map((i, n) => {
        const { key, label, kind } = destinations[i]!;
        const r = results[n]!;
        return { destination: { key, label, kind }, notice: notices[n]!, accepted: r.status === 'fulfilled', ...(r.status === 'rejected' && { error: failureReason(r.reason) }) };
      }),
    );

    const result: CheckSummary = {
      ...counted,
      sent: due.length,
      accepted: accepted.length,
      message: (due.length === 0 ? 'No alarm' : `Sent to ${accepted.length} of ${due.length} destinations: ${sentCounts(counted)}`) + heldNote(counted),
    };
    if (result.reportsAhead > 0) log.warn('Reports ahead of the check time: a clock is ahead of the worker\'s', { reportsAhead: result.reportsAhead, checkTime: result.checkTime });
    // Logged once per run (the SDK's workflow logger stays silent during replay).
    if (due.length > 0) {
      log.info('Check delivered notices', {
        notices: result.notices,
        recoveries: result.recoveries,
        alerts: result.alerts,
        resolved: result.resolved,
        hostsOffline: result.hostsOffline,
        sent: result.sent,
        accepted: result.accepted,
        hostWrites: evaluation.writes.length + slices.reduce((n, s) => n + s.hostWrites, 0),
        slices: result.slices,
      });
    }
    if (failed.length > 0) {
      // The Web UI shows the run failed, naming each destination that did not accept; its state is untouched, so
      // the next run sends to it again.
      throw ApplicationFailure.create({
        type: DELIVERY_INCOMPLETE,
        nonRetryable: true,
        message: `${failed.length} of ${due.length} destinations did not accept: ${failed.join('; ')}`,
        details: [result],
      });
    }
    return result;
  } catch (err) {
    await children.release(null);
    throw err;
  }
}

/**
 * A child of {@link checkHostStatus} for one slice of hosts beyond the parent's own: evaluates it, hands the
 * parent its counts and showable lines, then waits. It writes its state only when the parent says which
 * destinations accepted; it ends without writing when the parent says so, or when the parent closes first.
 */
export async function checkHostSlice(input: SliceInput): Promise<SliceResult> {
  let release: string[] | null | undefined;
  setHandler(sliceRelease, (accepted) => void (release = accepted));

  const parent = workflowInfo().parent;
  if (!parent) throw ApplicationFailure.create({ type: 'NotAChild', nonRetryable: true, message: 'checkHostSlice runs only as a child of checkHostStatus' });
  const evaluation = emptyEvaluation();
  // A slice started by a release without metric rules has none in its input.
  const nextAfterId = await evaluatePages(evaluation, { ...input, rules: input.rules ?? [], pages: input.slicePages });
  const n = input.destinations.length;
  await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(sliceEvaluated, {
    slice: input.slice,
    ...(nextAfterId !== undefined && { nextAfterId }),
    hostsOffline: evaluation.hostsOffline,
    hostsMuted: evaluation.hostsMuted,
    hostsInMaintenance: evaluation.hostsInMaintenance,
    reportsAhead: evaluation.reportsAhead,
    offlineLines: count(evaluation.lines, 'offline'),
    recoveryLines: count(evaluation.lines, 'recovered'),
    conditionLines: count(evaluation.lines, 'metric', 'reboot'),
    resolvedLines: count(evaluation.lines, 'resolved'),
    totals: totalsByDestination(evaluation.lines, n),
    hostWrites: evaluation.writes.length,
    lines: routedLinesToShow(evaluation.lines, n),
  });

  // A day at most: the parent's deliveries and the writes before this slice's come first.
  if (!(await condition(() => release !== undefined, '1 day')) || !release) return { written: false, applied: 0, skipped: 0 };
  return { written: true, ...(await writeState(evaluation.writes, release, input.checkTime)) };
}
