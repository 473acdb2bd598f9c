import { REBOOT_WINDOW_MS } from '../alerting/conditions.js';
import { formatDuration } from '../alerting/local-time.js';
import { DEFAULT_GRACE_SECONDS, offlineMinutes } from '../alerting/policy.js';
import { appliesTo, unitOf, type Rule } from '../rules/rule.js';
import type { InstanceDoc, LegacyAlertDoc } from './alert-state.js';
import { isConditionDoc, type ConditionDoc } from './condition-state.js';

/** How a host is shown by `hosts list`, the admin API and the status page. */
export type HostState = 'online' | 'offline' | 'never reported';

/** The parts of a host document that say how it reports. */
export interface ReportingHost {
  lastReportAt: Date | null;
  data?: Record<string, unknown> | null;
  interval?: number;
}

/** Seconds between reports: stated in the latest report (the agent does), else set on the host; else undefined. */
export function reportingInterval(host: Pick<ReportingHost, 'data' | 'interval'>): number | undefined {
  const stated = host.data?.interval;
  const seconds = typeof stated === 'number' ? stated : host.interval;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

/**
 * Offline once a full minute has passed since the last report (the first possible alert step), or, for a host
 * whose reporting interval is known, once it is silent longer than that plus the default grace (rule 9). A host's
 * own grace (`graceSeconds`: its own or its tags', else its `grace` field) replaces the default one, and applies
 * even when its interval is not known, as in the check.
 */
export function hostState(host: ReportingHost & { grace?: unknown }, now: number, graceSeconds?: number): HostState {
  if (!host.lastReportAt) return 'never reported';
  const interval = reportingInterval(host);
  const silentMs = now - host.lastReportAt.getTime();
  const own = graceSeconds ?? (typeof host.grace === 'number' ? host.grace : undefined);
  const allowed = own !== undefined ? (interval ?? 0) + own : interval !== undefined ? interval + DEFAULT_GRACE_SECONDS : undefined;
  if (allowed !== undefined && silentMs <= allowed * 1000) return 'online';
  return offlineMinutes(now, host.lastReportAt.getTime()) >= 1 ? 'offline' : 'online';
}

/**
 * The highest step any destination was notified of for the outage the host is in now; state left from an outage
 * it has ended is not shown, nor a stub without a start (a report racing with the check's clear can leave one).
 */
export function currentAlertStep(host: { lastReportAt: Date | null; alerts?: Record<string, InstanceDoc>; alert?: LegacyAlertDoc }): number | undefined {
  const last = host.lastReportAt?.getTime();
  if (last === undefined) return undefined;
  const instance = host.alerts?.[`offline_${last}`];
  const steps = Object.values(instance?.sent ?? {});
  if (instance?.start instanceof Date && steps.length > 0) return Math.max(...steps);
  const legacy = host.alert;
  return legacy?.outage !== undefined && legacy.outage.getTime() === last ? legacy.step : undefined;
}

/** An open metric-rule instance as `hosts list`, the read API and the status page show it. */
export interface ActiveMetric {
  condition: 'metric';
  /** The rule's name (its current one when the rules are known, else the one it had when the instance began). */
  rule: string;
  metric: string;
  /** The disk's mount for `disk`; `''` for the other metrics. */
  item: string;
  op: 'above' | 'below';
  threshold: number | null;
  /** The latest report's value, and the worst one (highest for `above`, lowest for `below`) since it began. */
  value: number | null;
  peak: number | null;
  /** ISO time of the first breaching report. */
  since: string;
  /** The highest step any destination was notified of for it (minutes); null before the first notice. */
  step: number | null;
  /** `disk /var 93 % > 90 %`. */
  text: string;
}

/** A reboot seen in the last 24 hours (REBOOT_WINDOW_MS): the check tells each destination once within them. */
export interface ActiveReboot {
  condition: 'reboot';
  rule: string;
  /** ISO time of the report whose uptime went backwards. */
  at: string;
  /** Seconds: the uptime that report stated, and the one before it. */
  uptime: number | null;
  previousUptime: number | null;
  /** `reboot: up 3 minutes (was up 12 h 4 min)`. */
  text: string;
}

export type ActiveCondition = ActiveMetric | ActiveReboot;

/** The rules known to the caller: their ids, or by id with their names and hosts (a RuleBook, alerting/conditions.ts). */
export type KnownRules = ReadonlySet<string> | ReadonlyMap<string, Pick<Rule, 'name' | 'hosts' | 'tags'>>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const shown = (v: number | null, metric: string): string => (v === null ? '?' : `${Math.round(v * 100) / 100}${unitOf(metric)}`);

function metricText(d: ConditionDoc): string {
  const item = d.item ? ` ${d.item}` : '';
  return `${d.metric}${item} ${shown(num(d.value), d.metric)} ${d.op === 'below' ? '<' : '>'} ${shown(num(d.threshold), d.metric)}`;
}

function rebootText(uptime: number | null, previous: number | null): string {
  const parts = [...(uptime === null ? [] : [`up ${formatDuration(uptime * 1000)}`]), ...(previous === null ? [] : [`(was up ${formatDuration(previous * 1000)})`])];
  return parts.length > 0 ? `reboot: ${parts.join(' ')}` : 'reboot';
}

/**
 * The conditions a host is in at `now`, besides offline (hostState says that): its open metric-rule instances and
 * the reboots of the last 24 hours, metric ones first, then by rule name and item. Ended instances waiting for
 * their "resolved" lines are not shown. An instance of a removed rule looks like any other in the host document:
 * given `known`, instances of rules it does not hold, or (with a map) of rules no longer applying to this host, are
 * left out, as the next check drops them.
 */
export function activeConditions(host: { name: string; tags?: readonly string[]; alerts?: Record<string, unknown> }, now: number, known?: KnownRules): ActiveCondition[] {
  const out: ActiveCondition[] = [];
  for (const doc of Object.values(host.alerts ?? {})) {
    if (!isConditionDoc(doc)) continue;
    let rule = doc.name;
    if (known) {
      if (!known.has(doc.rule)) continue;
      const r = known instanceof Map ? (known as ReadonlyMap<string, Pick<Rule, 'name' | 'hosts' | 'tags'>>).get(doc.rule) : undefined;
      if (r && !appliesTo(r, host)) continue;
      rule = r?.name ?? rule;
    }
    const sent = Object.values(doc.sent ?? {}).filter((s): s is number => typeof s === 'number');
    if (doc.condition === 'reboot') {
      if (now - doc.start.getTime() > REBOOT_WINDOW_MS) continue;
      const uptime = num(doc.uptime);
      const previousUptime = num(doc.previousUptime);
      out.push({ condition: 'reboot', rule, at: doc.start.toISOString(), uptime, previousUptime, text: rebootText(uptime, previousUptime) });
      continue;
    }
    if (doc.endAt !== undefined) continue;
    out.push({
      condition: 'metric',
      rule,
      metric: doc.metric,
      item: doc.item ?? '',
      op: doc.op === 'below' ? 'below' : 'above',
      threshold: num(doc.threshold),
      value: num(doc.value),
      peak: num(doc.peak ?? doc.value),
      since: doc.start.toISOString(),
      step: sent.length > 0 ? Math.max(...sent) : null,
      text: metricText(doc),
    });
  }
  const key = (c: ActiveCondition) => `${c.condition === 'metric' ? 0 : 1}\u0000${c.rule}\u0000${c.condition === 'metric' ? c.item : c.at}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
