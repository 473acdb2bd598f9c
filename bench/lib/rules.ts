/**
 * Item 5 (issue 12, "Performance"): the rules the ingest is measured with, the reports it is sent, the figures of
 * a row, and the spawner of bench/rules.ts, which does the measuring (written as its own script like ingest).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { breaches, checkRule, readMetric, type Rule } from '../../src/rules/rule.js';
import { isConditionDoc, ruleStateFields } from '../../src/store/condition-state.js';
import type { RuleSpec } from '../../src/store/rules-store.js';
import type { ApiSample } from './api-process.js';
import { agentReport } from './seed.js';
import { REPO_ROOT } from './services.js';
import { median } from './stats.js';

export const RULES_SCRIPT = join(REPO_ROOT, 'bench', 'rules.ts');

/** The rule every seeded report breaches: each report updates its open instance's value. */
export const ALWAYS_BREACHING = 'disk-any';

/**
 * Ten rules a user would plausibly keep, each of a different shape: the percentages, a disk rule with a clear
 * threshold, the loads per CPU, a report field by its path, reboots, and one that every report breaches.
 */
export const BENCH_RULES: readonly RuleSpec[] = Object.freeze([
  { name: 'cpu-high', metric: 'cpu', op: 'above', threshold: 90, steps: [] },
  { name: 'memory-high', metric: 'memory', op: 'above', threshold: 90, steps: [] },
  { name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [] },
  { name: 'disk-warning', metric: 'disk', op: 'above', threshold: 75, clear: 70, steps: [60, 1440] },
  { name: 'load1-per-cpu', metric: 'load1', op: 'above', threshold: 2, perCpu: true, steps: [10, 60] },
  { name: 'load5-per-cpu', metric: 'load5', op: 'above', threshold: 1.5, perCpu: true, steps: [] },
  { name: 'load15-per-cpu', metric: 'load15', op: 'above', threshold: 1, perCpu: true, steps: [] },
  { name: 'uptime-fresh', metric: 'data.uptime', op: 'below', threshold: 600, steps: [1] },
  { name: 'reboot', metric: 'reboot', steps: [] },
  { name: ALWAYS_BREACHING, metric: 'disk', op: 'above', threshold: 1, steps: [] },
]);

/**
 * The same rules as a fleet mostly sees them: `disk-any` replaced by a disk rule no seeded report breaches, so only
 * the hosts over cpu-high and disk-warning (about one in ten) carry an instance (`bench/rules.ts --typical`).
 */
export const TYPICAL_RULES: readonly RuleSpec[] = Object.freeze(
  BENCH_RULES.map((r) => (r.name === ALWAYS_BREACHING ? { name: 'disk-critical', metric: 'disk', op: 'above' as const, threshold: 97, steps: [] } : r)),
);

/** Report bodies per host: sent in turn, so an open instance's value changes from one report to the next. */
export const REPORT_VARIANTS = 4;

/**
 * Host `i`'s reports: the seeded agent report (bench/lib/seed.ts) with `cpus` (which per-CPU load rules divide
 * by) and its `/` disk 0, 0.25, 0.5 and 0.75 GiB fuller in turn (0.125 points of 200 GiB each). The uptime stays
 * put: a report whose uptime went backwards would be a reboot, and add an instance every cycle.
 */
export function ruleBenchReports(name: string, i: number, at: Date): Record<string, unknown>[] {
  const base = agentReport(name, i, at);
  const disks = base.disk as { mount: string; total: number; used: number }[];
  return Array.from({ length: REPORT_VARIANTS }, (_, k) => ({
    ...base,
    cpus: 2,
    disk: disks.map((d) => ({ ...d, used: d.used + k * 0.25 * 1024 ** 3 })),
  }));
}

/**
 * Per rule, the share (0-1) of hosts with a report that breaches it on at least one item; `reports` holds each
 * host's reports. A reboot rule breaches on no single report (it needs an uptime that went backwards).
 */
export function breachingShare(rules: readonly Pick<Rule, 'name' | 'metric' | 'op' | 'threshold' | 'perCpu'>[], reports: readonly (readonly Record<string, unknown>[])[]): Map<string, number> {
  return new Map(
    rules.map((r) => {
      const n = reports.filter((host) => host.some((data) => [...readMetric(r, data).values()].some((v) => breaches(r, v)))).length;
      return [r.name, reports.length === 0 ? 0 : n / reports.length];
    }),
  );
}

/**
 * Microseconds per report that evaluating `specs` takes alone (ruleStateFields, the pure part of the report's
 * write), over these hosts' reports in turn, each host holding the instances its first report opened.
 */
export function evaluationMicros(specs: readonly RuleSpec[], reports: readonly (readonly Record<string, unknown>[])[], calls = 100_000): number {
  const rules = specs.map((spec, k) => checkRule({ ...spec, id: k.toString(16).padStart(24, '0') }));
  const at = new Date();
  const targets = reports.map((host, i) => {
    const alerts: Record<string, unknown> = {};
    for (const [path, value] of Object.entries(ruleStateFields({ name: `bench-${i}` }, host[0]!, at, rules))) {
      if (path.startsWith('alerts.') && isConditionDoc(value)) alerts[path.slice('alerts.'.length)] = value;
    }
    return { name: `bench-${i}`, lastUptime: host[0]!.uptime as number, alerts };
  });
  const t0 = performance.now();
  for (let k = 0; k < calls; k++) {
    const i = k % reports.length;
    const host = reports[i]!;
    ruleStateFields(targets[i]!, host[Math.floor(k / reports.length) % host.length]!, at, rules);
  }
  return ((performance.now() - t0) * 1000) / calls;
}

/** Which half of run `r` (from 0) goes first: alternating, so drift over the run hits both alike. */
export function halfOrder(r: number): ['none', 'rules'] | ['rules', 'none'] {
  return r % 2 === 0 ? ['none', 'rules'] : ['rules', 'none'];
}

export interface RulesRow {
  connections: number;
  /** Reports per second, median of the runs: without rules, and with BENCH_RULES. */
  noneRps: number;
  rulesRps: number;
  noneP50Ms: number;
  rulesP50Ms: number;
  noneP99Ms: number;
  rulesP99Ms: number;
  /** Non-2xx answers, errors and timeouts over every run of both halves. */
  non2xx: number;
  /** rulesRps / noneRps (of the medians). */
  ratio: number;
  /** With / without of each run (the two halves of one run are adjacent in time). */
  runRatios: number[];
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** One row from the samples of its runs, in run order (`none[r]` and `rules[r]` are run r's halves). */
export function rulesRow(connections: number, none: readonly ApiSample[], rules: readonly ApiSample[]): RulesRow {
  if (none.length === 0 || none.length !== rules.length) throw new Error(`rulesRow: ${none.length} runs without rules and ${rules.length} with`);
  const noneRps = median(none.map((s) => s.rps));
  const rulesRps = median(rules.map((s) => s.rps));
  return {
    connections,
    noneRps: round(noneRps),
    rulesRps: round(rulesRps),
    noneP50Ms: round(median(none.map((s) => s.p50Ms)), 2),
    rulesP50Ms: round(median(rules.map((s) => s.p50Ms)), 2),
    noneP99Ms: round(median(none.map((s) => s.p99Ms)), 2),
    rulesP99Ms: round(median(rules.map((s) => s.p99Ms)), 2),
    non2xx: [...none, ...rules].reduce((n, s) => n + s.non2xx, 0),
    ratio: noneRps > 0 ? round(rulesRps / noneRps, 3) : 0,
    runRatios: none.map((s, i) => (s.rps > 0 ? round(rules[i]!.rps / s.rps, 3) : 0)),
  };
}

/** The goal of issue 12: with the rules, at least 90 % of the reports per second without, and no failed report. */
export function rulesGoalMet(row: Pick<RulesRow, 'ratio' | 'non2xx'>): boolean {
  return row.ratio >= 0.9 && row.non2xx === 0;
}

export interface RulesResult {
  rows: RulesRow[];
  hosts: number;
  durationSec: number;
  runs: number;
  /** `name: description` of each rule measured with. */
  rules: string[];
  /** Per rule name, the share of hosts whose reports breach it (0-1). */
  breaching: Record<string, number>;
  /** Microseconds per report of the rule evaluation alone (evaluationMicros). */
  evaluationUs: number;
}

/** Parses the last non-empty stdout line of bench/rules.ts --json. */
export function parseRulesOutput(stdout: string): RulesResult {
  const last = stdout.trim().split('\n').filter((l) => l.trim() !== '').at(-1);
  if (!last) throw new Error('bench/rules.ts printed nothing');
  const parsed = JSON.parse(last) as RulesResult;
  if (!Array.isArray(parsed.rows) || !Array.isArray(parsed.rules)) throw new Error(`bench/rules.ts: no "rows" or "rules" in its last line: ${last.slice(0, 200)}`);
  return parsed;
}

export async function runRules(mongoUri: string, runs: number, log: (l: string) => void): Promise<RulesResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', RULES_SCRIPT, '--json', '--mongo-uri', mongoUri, '--runs', String(runs)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) if (line.trim()) log(`  rules: ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`bench/rules.ts exited with code ${code}`);
  return parseRulesOutput(stdout);
}
