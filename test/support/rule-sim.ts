/**
 * One host's document driven through the pure code the report route and the check run, without a database: a report
 * sets what recordReport sets (alert-state.ts, condition-state.ts), a check reads the snapshot loadCheckPage reads,
 * evaluates it (policy.ts, conditions.ts) and applies the one update recordAlertState applies for the destinations
 * that accepted. For tests of metric rules over long report streams.
 */
import { ObjectId } from 'mongodb';
import { evaluateHost, ruleBook, type AlertPolicy, type Destination, type RoutedLine } from '../../src/alerting/index.js';
import type { Rule } from '../../src/rules/rule.js';
import { hostUpdate, reportStateFields } from '../../src/store/alert-state.js';
import { checkSnapshot, type CheckedHost } from '../../src/store/check-snapshot.js';
import { ruleStateFields } from '../../src/store/condition-state.js';
import { applyUpdate } from './mongo-update.js';

export class SimHost {
  doc: CheckedHost & Record<string, unknown>;
  private readonly id = new ObjectId();

  constructor(name = 'web-1') {
    this.doc = { _id: this.id, name, lastReportAt: null, data: null };
  }

  /** The update applied to the document (a copy: `_id` is put back, as structuredClone drops its class). */
  private apply(update: Parameters<typeof applyUpdate>[1]): void {
    this.doc = { ...applyUpdate(this.doc, update), _id: this.id };
  }

  report(at: number, data: Record<string, unknown>, rules: readonly Rule[]): void {
    const when = new Date(at);
    const $set = { data, lastReportAt: when, ...reportStateFields(this.doc, when), ...ruleStateFields(this.doc, data, when, rules) };
    this.apply({ $set });
  }

  /** One check at `t`; `accepts(key)` says whether a destination accepted its notice (all do by default). */
  check(t: number, policy: Pick<AlertPolicy, 'steps' | 'graceMs'>, destinations: readonly Destination[], rules: readonly Rule[], accepts: (key: string) => boolean = () => true): { lines: RoutedLine[]; accepted: string[] } {
    const snapshot = checkSnapshot(this.doc);
    if (!snapshot) return { lines: [], accepted: [] };
    const result = evaluateHost(snapshot, t, policy, destinations, ruleBook(rules));
    const due = new Set(result.lines.flatMap((l) => l.to.map((i) => destinations[i]!.key)));
    const accepted = [...due].filter(accepts);
    if (result.write) this.apply(hostUpdate(result.write, new Set(accepted), new Date(t)));
    return { lines: result.lines, accepted };
  }
}

/** A report of the agent's shape with these disk use percentages (`{'/': 93}`) on 100 GiB disks. */
export function diskReport(used: Record<string, number>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const GiB = 2 ** 30;
  return { disk: Object.entries(used).map(([mount, pct]) => ({ mount, total: 100 * GiB, used: pct * GiB })), ...extra };
}
