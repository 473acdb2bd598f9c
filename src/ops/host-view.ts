/**
 * A host as `hostwatch hosts list --json` and the management API show it: no secret hash and no key. One
 * implementation for both (the CLI and the API share each operation and its view).
 */
import type { InstanceState } from '../alerting/types.js';
import { instancesOf } from '../store/alert-state.js';
import { effectiveGrace } from '../store/host-grace.js';
import { activeConditions, currentAlertStep, hostState, reportingInterval, type KnownRules } from '../store/host-status.js';
import type { HostView } from '../store/hosts-store.js';

/** One instance of `alerts` in `hosts list --json`: what it is, and which destinations were told which step. */
function instanceJson(i: InstanceState) {
  const c = i.condition;
  return {
    condition: c?.kind ?? 'offline',
    ...(c && { rule: c.ruleName, ruleId: c.rule, metric: c.metric, ...(c.item !== '' && { item: c.item }) }),
    start: new Date(i.start).toISOString(),
    sent: i.legacyStep !== undefined ? { 'mailto:*': i.legacyStep } : i.sent,
    ...(i.backAt !== undefined && { backAt: new Date(i.backAt).toISOString() }),
    // Acknowledged (hosts ack, an acknowledge link): no further step notices for it.
    ...(i.ack !== undefined && { acked: { at: new Date(i.ack.at).toISOString(), by: i.ack.by } }),
    ...(c?.endAt !== undefined && { endAt: new Date(c.endAt).toISOString() }),
  };
}

/**
 * A host as `hosts list --json` prints it: no secret hash and no key. `known`: the rules, so that instances of
 * removed rules are not shown as active conditions.
 */
export function hostJson(host: HostView, now: number, known?: KnownRules, tagGraces: ReadonlyMap<string, number> = new Map()) {
  const state = hostState(host, now, effectiveGrace(host, tagGraces)?.seconds);
  return {
    id: host._id.toHexString(),
    name: host.name,
    state,
    active: host.active,
    alarm: host.alarm,
    lastReportAt: host.lastReportAt?.toISOString() ?? null,
    offlineMs: state === 'offline' ? now - host.lastReportAt!.getTime() : null,
    alertStep: currentAlertStep(host) ?? null,
    // Per condition instance: which destinations were told which step (stubs without a start are left out).
    alerts: instancesOf(host.alerts, host.alert)
      .filter((i) => !Number.isNaN(i.start))
      .map(instanceJson),
    conditions: activeConditions(host, now, known),
    interval: reportingInterval(host) ?? null,
    tags: host.tags ?? [],
    mutedUntil: host.mutedUntil?.toISOString() ?? null,
    muted: host.mutedUntil !== undefined && host.mutedUntil.getTime() > now,
    // The grace that applies (own or a tag's; null: the check's) and a clock running ahead of the server's.
    grace: graceJson(host, tagGraces),
    clockAheadMs: host.clockAheadMs ?? null,
    createdAt: host.createdAt.toISOString(),
    data: host.data,
  };
}

/** `grace` of a host in `hosts list --json`: the seconds that apply and where from, or null (the check's applies). */
export function graceJson(host: { grace?: number; tags?: readonly string[] }, tagGraces: ReadonlyMap<string, number>): { seconds: number; from: string } | null {
  const g = effectiveGrace(host, tagGraces);
  return g ? { seconds: g.seconds, from: g.tag === undefined ? 'host' : `tag ${g.tag}` } : null;
}

