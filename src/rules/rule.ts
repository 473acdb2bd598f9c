/**
 * Metric rules (ALERTING.md "Condition": a metric rule): what they are, how they are checked as input, and how a
 * report's numbers are read for them. Pure: no I/O. Stored by src/store/rules-store.ts, evaluated at ingest by
 * ./evaluate.ts and checked like offline by src/alerting/conditions.ts.
 */

/** Steps of a metric rule when none are given: it must hold 5 minutes before the first notice. */
export const DEFAULT_RULE_STEPS: readonly number[] = Object.freeze([5, 60, 240, 1440]);

/** The metrics a rule can watch, besides any numeric report field by its path (`data.temperature`). */
export const METRICS = ['cpu', 'memory', 'disk', 'load1', 'load5', 'load15', 'reboot'] as const;
export type BuiltinMetric = (typeof METRICS)[number];

/** Metrics measured in percent: their thresholds are between 0 and 100. */
const PERCENT: ReadonlySet<string> = new Set(['cpu', 'memory', 'disk']);
const LOADS: readonly string[] = ['load1', 'load5', 'load15'];

/** A rule as the pure code sees it: everything but its bookkeeping. */
export interface Rule {
  /** Stable across renames: instances are stored under it. */
  id: string;
  name: string;
  /** One of {@link METRICS}, or `data.<path>` for any numeric field of a report. */
  metric: string;
  /** Absent for `reboot`. */
  op?: 'above' | 'below';
  threshold?: number;
  /** Hysteresis: an instance ends only once the value is back at or past this (defaults to the threshold). */
  clear?: number;
  /** `load1`/`load5`/`load15` divided by the report's `cpus`. */
  perCpu?: boolean;
  /** Minutes; the first is how long the condition must hold before the first notice. Empty for `reboot`. */
  steps: number[];
  /** Host names the rule applies to; absent (and no `tags`): every host. */
  hosts?: string[];
  /** Tags (src/store/tags.ts, normalized) of hosts the rule applies to, besides those named in `hosts`. */
  tags?: string[];
}

/** A bad rule field; `field` names it (`metric`, `above`, `clear`, `steps`...). */
export class InvalidRuleError extends Error {
  override name = 'InvalidRuleError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`invalid rule ${field}: ${reason}`);
  }
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PATH_PATTERN = /^data(\.[A-Za-z0-9_-]{1,64}){1,8}$/;
/** A tag as stored (src/store/tags.ts normalizes them; rules are pure and check the stored form only). */
const TAG = /^[a-z0-9][a-z0-9._:-]{0,63}$/;

export function checkRuleName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new InvalidRuleError('name', 'use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit');
  return name;
}

export function isPercentMetric(metric: string): boolean {
  return PERCENT.has(metric);
}

/** The metric's unit as lines show it: `%` or nothing. */
export function unitOf(metric: string): string {
  return PERCENT.has(metric) ? ' %' : '';
}

/** Checks a whole rule (as built from CLI options or a stored document); returns it normalised. */
export function checkRule(rule: Rule): Rule {
  checkRuleName(rule.name);
  const { metric } = rule;
  if (!(METRICS as readonly string[]).includes(metric) && !PATH_PATTERN.test(metric)) {
    throw new InvalidRuleError('metric', `${JSON.stringify(metric.slice(0, 80))} is not one of ${METRICS.join(', ')}, nor a report field path like data.temperature`);
  }
  if (rule.perCpu && !LOADS.includes(metric)) throw new InvalidRuleError('per-cpu', 'applies only to load1, load5 and load15');
  if (rule.hosts !== undefined) {
    if (rule.hosts.length === 0) throw new InvalidRuleError('hosts', 'name at least one host, or leave it out for every host');
    for (const h of rule.hosts) if (h.length === 0 || h.length > 200) throw new InvalidRuleError('hosts', 'host names are 1 to 200 characters');
  }
  if (rule.tags !== undefined) {
    if (rule.tags.length === 0) throw new InvalidRuleError('tags', 'name at least one tag, or leave it out');
    for (const t of rule.tags) if (!TAG.test(t)) throw new InvalidRuleError('tags', `${JSON.stringify(t.slice(0, 80))} is not a tag (lower-case letters, digits, ".", "_", "-" and ":", up to 64)`);
  }
  if (metric === 'reboot') {
    if (rule.op !== undefined || rule.threshold !== undefined || rule.clear !== undefined) throw new InvalidRuleError('above', 'a reboot rule takes no threshold: it notices an uptime that went backwards');
    if (rule.steps.length > 0) throw new InvalidRuleError('steps', 'a reboot rule has no steps: each destination is told once');
    return { ...rule, steps: [] };
  }
  if (rule.op === undefined || rule.threshold === undefined) throw new InvalidRuleError('above', 'give --above X or --below X');
  if (!Number.isFinite(rule.threshold)) throw new InvalidRuleError(rule.op, 'must be a number');
  if (PERCENT.has(metric) && (rule.threshold < 0 || rule.threshold > 100)) throw new InvalidRuleError(rule.op, `${metric} is a percentage: give 0 to 100`);
  if (rule.clear !== undefined) {
    if (!Number.isFinite(rule.clear)) throw new InvalidRuleError('clear', 'must be a number');
    if (rule.op === 'above' && rule.clear > rule.threshold) throw new InvalidRuleError('clear', `must be at or below the threshold (${rule.threshold}) of an "above" rule`);
    if (rule.op === 'below' && rule.clear < rule.threshold) throw new InvalidRuleError('clear', `must be at or above the threshold (${rule.threshold}) of a "below" rule`);
  }
  const steps = rule.steps.length > 0 ? rule.steps : [...DEFAULT_RULE_STEPS];
  steps.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1 || s > 525_600) throw new InvalidRuleError('steps', 'are whole minutes from 1 to 525600');
    if (i > 0 && s <= steps[i - 1]!) throw new InvalidRuleError('steps', 'must be strictly increasing');
  });
  return { ...rule, steps };
}

/** A host as rules select it: by name, or by one of its tags. */
export interface RuleHost {
  name: string;
  tags?: readonly string[];
}

/** Whether the rule applies to this host: one it names, or one carrying any of its tags; every host when it has neither. */
export function appliesTo(rule: Pick<Rule, 'hosts' | 'tags'>, host: string | RuleHost): boolean {
  if (rule.hosts === undefined && rule.tags === undefined) return true;
  const h = typeof host === 'string' ? { name: host } : host;
  return (rule.hosts?.includes(h.name) ?? false) || (rule.tags?.some((t) => h.tags?.includes(t)) ?? false);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** `used / total` in percent, one decimal; undefined unless both are numbers and total is positive. */
function usedPercent(v: unknown): number | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { used, total } = v as { used?: unknown; total?: unknown };
  const u = num(used);
  const t = num(total);
  return u === undefined || t === undefined || t <= 0 ? undefined : Math.round((u / t) * 1000) / 10;
}

/**
 * The rule's items in a report and their values: one per mount for `disk` (the mount is the item), one with item
 * `''` for the others. A metric the report does not carry has no items.
 */
export function readMetric(rule: Pick<Rule, 'metric' | 'perCpu'>, data: Record<string, unknown>): Map<string, number> {
  const out = new Map<string, number>();
  const { metric } = rule;
  if (metric === 'cpu') {
    const v = num(data.cpu);
    if (v !== undefined) out.set('', v);
  } else if (metric === 'memory') {
    const v = usedPercent(data.memory);
    if (v !== undefined) out.set('', v);
  } else if (metric === 'disk') {
    if (Array.isArray(data.disk)) {
      for (const d of data.disk as unknown[]) {
        const mount = typeof d === 'object' && d !== null ? (d as { mount?: unknown }).mount : undefined;
        const v = usedPercent(d);
        if (typeof mount === 'string' && mount.length > 0 && v !== undefined) out.set(mount, v);
      }
    }
  } else if (LOADS.includes(metric)) {
    const v = Array.isArray(data.load) ? num(data.load[LOADS.indexOf(metric)]) : undefined;
    const cpus = num(data.cpus);
    if (v !== undefined && !rule.perCpu) out.set('', v);
    else if (v !== undefined && cpus !== undefined && cpus >= 1) out.set('', Math.round((v / cpus) * 100) / 100);
  } else if (metric.startsWith('data.')) {
    let v: unknown = data;
    for (const part of metric.split('.').slice(1)) v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
    const n = num(v);
    if (n !== undefined) out.set('', n);
  }
  return out;
}

/** Whether a value breaches the rule (strictly past its threshold). */
export function breaches(rule: Pick<Rule, 'op' | 'threshold'>, value: number): boolean {
  if (rule.threshold === undefined) return false;
  return rule.op === 'below' ? value < rule.threshold : value > rule.threshold;
}

/** Whether a value ends an open instance: at or back past the clear threshold (the threshold when none is set). */
export function clears(rule: Pick<Rule, 'op' | 'threshold' | 'clear'>, value: number): boolean {
  const line = rule.clear ?? rule.threshold;
  if (line === undefined) return true;
  return rule.op === 'below' ? value >= line : value <= line;
}

/** `disk /var above 90 %`, `load1 per CPU above 2`, `reboot`: how a rule reads in lists. */
export function describeRule(rule: Pick<Rule, 'metric' | 'op' | 'threshold' | 'clear' | 'perCpu'>): string {
  if (rule.metric === 'reboot') return 'reboot (uptime went backwards)';
  const unit = unitOf(rule.metric);
  const clear = rule.clear !== undefined && rule.clear !== rule.threshold ? `, clears at ${rule.clear}${unit}` : '';
  return `${rule.metric}${rule.perCpu ? ' per CPU' : ''} ${rule.op} ${rule.threshold}${unit}${clear}`;
}
