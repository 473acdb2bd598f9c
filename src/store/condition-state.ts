/**
 * Metric-rule and reboot instances in a host document, and what a report writes to them (ALERTING.md "Condition").
 * Pure: builds field updates, performs no I/O. The fields join the report's own `$set` (hosts-store.ts
 * recordReport), so a report and the rule state it implies land in one write, and a check never sees one without
 * the other.
 *
 * `alerts.metric_<rule>_<start>_<item hash>` = `{ condition: 'metric', start, rule, name, metric, item, op,
 * threshold, value, peak, endAt?, endValue?, sent?, notifiedAt? }`; `alerts.reboot_<rule>_<start>` =
 * `{ condition: 'reboot', start, rule, name, uptime, previousUptime, sent? }`. They sit beside the offline instances
 * (alert-state.ts), so the check's query and its per-destination writes treat them alike.
 */
import { appliesTo, breaches, clears, readMetric, type Rule } from '../rules/rule.js';

/** A metric-rule or reboot instance as stored. */
export interface ConditionDoc {
  condition: 'metric' | 'reboot';
  start: Date;
  /** The rule's id. */
  rule: string;
  /** The rule's name when the instance began (shown in lists). */
  name: string;
  metric: string;
  /** The disk's mount for `disk`; `''` otherwise. */
  item?: string;
  op?: 'above' | 'below';
  threshold?: number;
  /** Latest value while it holds. */
  value?: number;
  /** Highest (for `above`) or lowest (for `below`) value while it held. */
  peak?: number;
  /** The report that ended it (the value was back past the clear threshold, or no longer reported). */
  endAt?: Date;
  endValue?: number;
  /** Reboot: the uptime reported after the restart, and the one before it. */
  uptime?: number;
  previousUptime?: number;
  sent?: Record<string, number>;
  notifiedAt?: Date;
}

/** What a report's write needs to know of the host it has just read. */
export interface RuleTarget {
  name: string;
  /** The host's tags: rules select hosts by name or tag (rule.ts appliesTo). */
  tags?: readonly string[];
  lastUptime?: number;
  alerts?: Record<string, unknown>;
}

/** 32-bit FNV-1a of a string as 8 hex digits: a field-name-safe key for an item (a mount may hold `.` or `$`). */
export function itemHash(item: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < item.length; i++) {
    h ^= item.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function metricKey(ruleId: string, start: number, item: string): string {
  return `metric_${ruleId}_${start}_${itemHash(item)}`;
}

export function rebootKey(ruleId: string, start: number): string {
  return `reboot_${ruleId}_${start}`;
}

export function isConditionDoc(doc: unknown): doc is ConditionDoc {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as Partial<ConditionDoc>;
  return (d.condition === 'metric' || d.condition === 'reboot') && d.start instanceof Date && typeof d.rule === 'string';
}

/** The metric instances of a host that have not ended, by rule id and item. */
function openInstances(alerts: Record<string, unknown> | undefined): Map<string, Map<string, { key: string; doc: ConditionDoc }>> {
  const out = new Map<string, Map<string, { key: string; doc: ConditionDoc }>>();
  for (const [key, doc] of Object.entries(alerts ?? {})) {
    if (!isConditionDoc(doc) || doc.condition !== 'metric' || doc.endAt !== undefined) continue;
    const byItem = out.get(doc.rule) ?? new Map<string, { key: string; doc: ConditionDoc }>();
    byItem.set(doc.item ?? '', { key, doc });
    out.set(doc.rule, byItem);
  }
  return out;
}

/**
 * The fields a report at `at` with body `data` sets for the rules that apply to the host: a new instance on the first
 * breaching report of an item, the latest value and peak while it holds, `endAt` on the report that clears it (or no
 * longer carries the item), a reboot instance when the uptime went backwards, and the uptime itself. Instances are
 * only ever ended here, never removed: the check tells those notified (rule 4) and then removes them.
 */
export function ruleStateFields(host: RuleTarget, data: Record<string, unknown>, at: Date, rules: readonly Rule[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const uptime = typeof data.uptime === 'number' && Number.isFinite(data.uptime) ? data.uptime : undefined;
  const open = openInstances(host.alerts);
  for (const rule of rules) {
    if (!appliesTo(rule, host)) continue;
    if (rule.metric === 'reboot') {
      if (uptime !== undefined && host.lastUptime !== undefined && uptime < host.lastUptime) {
        const doc: ConditionDoc = { condition: 'reboot', start: at, rule: rule.id, name: rule.name, metric: 'reboot', uptime, previousUptime: host.lastUptime };
        out[`alerts.${rebootKey(rule.id, at.getTime())}`] = doc;
      }
      continue;
    }
    const values = readMetric(rule, data);
    const mine = open.get(rule.id);
    // A rule changed to watch another metric: what it watched before ends, and the new metric starts afresh.
    for (const [item, current] of mine ?? []) {
      if (current.doc.metric === rule.metric) continue;
      out[`alerts.${current.key}.endAt`] = at;
      mine!.delete(item);
    }
    for (const [item, value] of values) {
      const current = mine?.get(item);
      if (current) {
        const path = `alerts.${current.key}`;
        if (clears(rule, value)) {
          out[`${path}.endAt`] = at;
          out[`${path}.endValue`] = value;
          continue;
        }
        const peak = current.doc.peak === undefined ? value : rule.op === 'below' ? Math.min(current.doc.peak, value) : Math.max(current.doc.peak, value);
        if (current.doc.value !== value) out[`${path}.value`] = value;
        if (current.doc.peak !== peak) out[`${path}.peak`] = peak;
        if (current.doc.threshold !== rule.threshold || current.doc.op !== rule.op) Object.assign(out, { [`${path}.threshold`]: rule.threshold, [`${path}.op`]: rule.op });
      } else if (breaches(rule, value)) {
        const doc: ConditionDoc = { condition: 'metric', start: at, rule: rule.id, name: rule.name, metric: rule.metric, item, op: rule.op!, threshold: rule.threshold!, value, peak: value };
        out[`alerts.${metricKey(rule.id, at.getTime(), item)}`] = doc;
      }
    }
    // An item the report no longer carries (a disk unmounted) is not breaching: its instance ends.
    for (const [item, current] of mine ?? []) if (!values.has(item)) out[`alerts.${current.key}.endAt`] = at;
  }
  if (uptime !== undefined) out.lastUptime = uptime;
  return out;
}
