/**
 * Metric-rule and reboot instances checked like offline (ALERTING.md rules 1-4 and "Condition"), for each destination
 * on its own. Pure and deterministic (rule 8); called by evaluateHost (policy.ts) for every host it does not hold.
 */
import { appliesTo, type Rule } from '../rules/rule.js';
import { dueStep, offlineMinutes, sentTo } from './steps.js';
import type { Destination, HostSnapshot, HostWrite, InstanceState, MetricEndLine, MetricLine, MetricLineBase, RebootLine, RoutedLine } from './types.js';

/** A reboot is told once to each destination of the checks in this time after it; then it is forgotten. */
export const REBOOT_WINDOW_MS = 24 * 60 * 60_000;

/** The rules a check knows, by id. */
export type RuleBook = ReadonlyMap<string, Rule>;

export function ruleBook(rules: readonly Rule[]): RuleBook {
  return new Map(rules.map((r) => [r.id, r]));
}

/**
 * Adds the lines and writes of the host's metric and reboot instances to `lines` and `write`. `frozen`: the host is
 * offline, so its metric data is stale and open instances do not escalate (they end only with a report).
 */
export function evaluateConditions(
  host: HostSnapshot,
  checkTime: number,
  rules: RuleBook,
  destinations: readonly Destination[],
  frozen: boolean,
  lines: RoutedLine[],
  write: HostWrite,
): void {
  const notify: { key: string; steps: Record<string, number> }[] = [];
  for (const instance of host.alerts) {
    const c = instance.condition;
    if (!c) continue;
    const rule = rules.get(c.rule);
    // A removed rule, or one no longer for this host, ends its instances without notices.
    if (!rule || !appliesTo(rule, host) || (c.kind === 'reboot' && checkTime - instance.start > REBOOT_WINDOW_MS)) {
      write.drop.push(instance.key);
      continue;
    }
    if (c.kind === 'reboot') {
      const to = destinations.flatMap((d, i) => (d.fromStep === 0 && sentTo(instance, d) === 0 ? [i] : []));
      if (to.length === 0) continue;
      const line: RebootLine = { kind: 'reboot', hostId: host.id, name: host.name, rule: rule.name, at: instance.start, uptime: c.uptime ?? 0, previousUptime: c.previousUptime ?? 0 };
      lines.push({ line, to });
      notify.push({ key: instance.key, steps: Object.fromEntries(to.map((i) => [destinations[i]!.key, 1])) });
      continue;
    }
    if (c.endAt !== undefined) {
      ended(host, instance, rule.name, c.endAt, destinations, lines, write);
      continue;
    }
    if (frozen || instance.ack !== undefined) continue; // stale data; or acknowledged (rule 6): no further steps
    const due = dueStep(rule.steps, offlineMinutes(checkTime, instance.start));
    if (due === undefined) continue;
    const to = destinations.flatMap((d, i) => (due > sentTo(instance, d) && due >= d.fromStep ? [i] : []));
    if (to.length === 0) continue;
    const line: MetricLine = { kind: 'metric', ...metricFields(host, instance, rule.name, checkTime), value: c.value ?? 0, step: due };
    lines.push({ line, to });
    notify.push({ key: instance.key, steps: Object.fromEntries(to.map((i) => [destinations[i]!.key, due])) });
  }
  if (notify.length > 0) write.conditions = [...(write.conditions ?? []), ...notify];
}

/** The fields every line of a metric instance carries, held until `until`. */
function metricFields(host: HostSnapshot, instance: InstanceState, rule: string, until: number): MetricLineBase {
  const c = instance.condition!;
  return {
    hostId: host.id,
    name: host.name,
    rule,
    metric: c.metric,
    item: c.item,
    op: c.op ?? 'above',
    threshold: c.threshold ?? 0,
    peak: c.peak ?? c.value ?? 0,
    since: instance.start,
    heldMs: until - instance.start,
  };
}

/** Rule 4 for a metric instance: each destination notified of it (and in this run) gets one resolved line. */
function ended(host: HostSnapshot, instance: InstanceState, ruleName: string, endAt: number, destinations: readonly Destination[], lines: RoutedLine[], write: HostWrite): void {
  const c = instance.condition!;
  const notified = { ...instance.sent };
  if (Object.keys(notified).length === 0) {
    write.drop.push(instance.key); // it ended before any notice: nothing to tell
    return;
  }
  const to = destinations.flatMap((d, i) => (notified[d.key] !== undefined ? [i] : []));
  if (to.length > 0) {
    const end = c.endValue !== undefined ? { endValue: c.endValue } : {};
    const line: MetricEndLine = { kind: 'resolved', ...metricFields(host, instance, ruleName, endAt), ...end, endedAt: endAt };
    lines.push({ line, to });
  }
  write.ended.push({ key: instance.key, recovered: to.map((i) => destinations[i]!.key), notified });
}
