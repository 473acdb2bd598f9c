/**
 * Metric-rule and reboot instances checked like offline (ALERTING.md rules 1-4, 6 and "Condition"), through the pure
 * report and check code together (test/support/rule-sim.ts): what each destination is told, and when.
 */
import { expect, test } from 'vitest';
import { REBOOT_WINDOW_MS } from '../../src/alerting/conditions.js';
import type { Destination, MetricEndLine, MetricLine, RoutedLine } from '../../src/alerting/types.js';
import { checkRule } from '../../src/rules/rule.js';
import { messagesFor } from '../../src/messages/text.js';
import { diskReport, SimHost } from '../support/rule-sim.js';

const MIN = 60_000;
/** Lines as notices word them in English (src/messages/text.ts). */
const EN = messagesFor('en');
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const t = (m: number) => T0 + m * MIN;
const POLICY = { steps: [1, 10, 60], graceMs: 60_000 };
const OPS: Destination = { key: 'mailto:ops@example.com', target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 0 };
const TEAM: Destination = { key: 'team', channel: 'team', target: '', kind: 'slack', label: 'team (slack)', fromStep: 0 };
const BOSS: Destination = { key: 'boss', channel: 'boss', target: '', kind: 'slack', label: 'boss (slack)', fromStep: 60 };
const DESTS = [OPS, TEAM];
const disk = checkRule({ id: 'r1', name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [5, 60] });
const reboot = checkRule({ id: 'r2', name: 'reboots', metric: 'reboot', steps: [] });

/** Destination key -> kind:step (or kind) of each line of a check. */
function told(lines: readonly RoutedLine[], dests: readonly Destination[] = DESTS): string[] {
  return lines.flatMap(({ line, to }) => to.map((i) => `${dests[i]!.key} ${line.kind}${line.kind === 'metric' || line.kind === 'offline' ? `:${line.step}` : ''}`)).sort();
}

/** Reports every minute from `from` to `to` (inclusive) with disk `/` at `pct(m)`, a check after each. */
function minutes(h: SimHost, from: number, to: number, pct: (m: number) => number, dests = DESTS, accepts?: (key: string) => boolean): string[][] {
  const out: string[][] = [];
  for (let m = from; m <= to; m++) {
    h.report(t(m), diskReport({ '/': pct(m) }, { interval: 60 }), [disk]);
    out.push(told(h.check(t(m) + 30_000, POLICY, dests, [disk], accepts).lines, dests));
  }
  return out;
}

test('steps count from the first breaching report: the first step is how long it must hold; each step once per destination', () => {
  const h = new SimHost();
  const checks = minutes(h, 0, 70, (m) => (m < 3 ? 50 : 95));
  const nonEmpty = checks.flatMap((c, m) => (c.length ? [[m, c] as const] : []));
  // breached at minute 3: step 5 due at 3 + 5 = 8, step 60 at 63
  expect(nonEmpty).toEqual([
    [8, ['mailto:ops@example.com metric:5', 'team metric:5']],
    [63, ['mailto:ops@example.com metric:60', 'team metric:60']],
  ]);
});

test('the line says what breached, for how long and since when', () => {
  const h = new SimHost();
  for (let m = 0; m <= 12; m++) h.report(t(m), diskReport({ '/var': 93 }), [disk]);
  const { lines } = h.check(t(12) + 1000, POLICY, DESTS, [disk]);
  const line = lines[0]!.line as MetricLine;
  expect(EN.line(line, 'UTC')).toBe('DISK  web-1 /var: 93 % (above 90 %) for 12 minutes, since 2026-11-23 09:00:00 +00:00');
});

test('rule 3: a destination that did not accept gets the step later (catch-up to the highest), the others never twice', () => {
  const h = new SimHost();
  let teamUp = false;
  const checks = minutes(h, 0, 70, () => 95, DESTS, (key) => key !== 'team' || teamUp);
  expect(checks[5]).toEqual(['mailto:ops@example.com metric:5', 'team metric:5']);
  // team keeps getting step 5 while it fails; ops nothing
  expect(checks[6]).toEqual(['team metric:5']);
  teamUp = true;
  const later = minutes(h, 71, 72, () => 95, DESTS, (key) => key !== 'team' || teamUp);
  // at minute 71 step 60 is due: team gets one notice, for step 60 (catch-up), and ops has it already
  expect(checks.flat().filter((c) => c === 'mailto:ops@example.com metric:60')).toHaveLength(1);
  expect(later).toEqual([['team metric:60'], []]);
});

test('rule 4: one resolved line to each destination told of it, with how long it held and its peak; then nothing', () => {
  const h = new SimHost();
  minutes(h, 0, 20, (m) => (m === 10 ? 99 : 95));
  const rest = minutes(h, 21, 25, (m) => (m === 21 ? 87 : 80));
  // 87 is above the clear threshold (85): it still holds; 80 ends it at minute 22
  expect(rest).toEqual([[], ['mailto:ops@example.com resolved', 'team resolved'], [], [], []]);
  h.report(t(26), diskReport({ '/': 80 }), [disk]);
  expect(h.doc.alerts ?? {}).toEqual({});

  const h2 = new SimHost();
  minutes(h2, 0, 20, (m) => (m === 10 ? 99 : 95));
  h2.report(t(22), diskReport({ '/': 80 }), [disk]);
  const { lines } = h2.check(t(22) + 1000, POLICY, DESTS, [disk]);
  const end = lines[0]!.line as MetricEndLine;
  expect(end).toMatchObject({ kind: 'resolved', peak: 99, endValue: 80, heldMs: 22 * MIN, since: t(0), endedAt: t(22) });
  expect(EN.line(end, 'UTC')).toBe(
    'RESOLVED  web-1 /: disk back to 80 % after 22 minutes above 90 % (peak 99 %), from 2026-11-23 09:00:00 +00:00 to 2026-11-23 09:22:00 +00:00',
  );
});

test('an instance that ends before its first step produces nothing, and is removed', () => {
  const h = new SimHost();
  expect(minutes(h, 0, 10, (m) => (m >= 2 && m < 4 ? 95 : 50)).flat()).toEqual([]);
  expect(h.doc.alerts ?? {}).toEqual({});
});

test('frozen while offline: no metric step while the host is silent; steps resume from the start once it reports again', () => {
  const h = new SimHost();
  minutes(h, 0, 2, () => 95);
  // silent from minute 2 to 40: offline lines only
  const silent: string[] = [];
  for (let m = 3; m <= 40; m++) silent.push(...told(h.check(t(m) + 30_000, POLICY, DESTS, [disk]).lines));
  expect(silent.every((s) => s.includes('offline'))).toBe(true);
  expect(silent.some((s) => s.includes('metric'))).toBe(false);
  // back at minute 41, still breaching: BACK, and the metric step due since minute 0 (41 min: step 5)
  h.report(t(41), diskReport({ '/': 95 }), [disk]);
  expect(told(h.check(t(41) + 30_000, POLICY, DESTS, [disk]).lines)).toEqual([
    'mailto:ops@example.com metric:5',
    'mailto:ops@example.com recovered',
    'team metric:5',
    'team recovered',
  ]);
});

test('rule 6: muted, nothing; after the mute, one notice for the highest due step', () => {
  const h = new SimHost();
  h.doc.mutedUntil = new Date(t(65));
  const checks = minutes(h, 0, 66, () => 95);
  expect(checks.slice(0, 65).flat()).toEqual([]);
  expect(checks[65]).toEqual(['mailto:ops@example.com metric:60', 'team metric:60']);
});

test('escalation: a destination from step 60 gets only steps from 60 on', () => {
  const h = new SimHost();
  const checks = minutes(h, 0, 61, () => 95, [OPS, BOSS]);
  expect(checks.flat()).toEqual(['mailto:ops@example.com metric:5', 'boss metric:60', 'mailto:ops@example.com metric:60']);
});

test('a removed rule (or one no longer for this host) ends its instances without notices', () => {
  const h = new SimHost();
  minutes(h, 0, 6, () => 95);
  expect(Object.keys(h.doc.alerts ?? {})).toHaveLength(1);
  // the rule is gone: the next check drops the instance, no resolved line
  expect(h.check(t(7), POLICY, DESTS, []).lines).toEqual([]);
  expect(h.doc.alerts ?? {}).toEqual({});

  const h2 = new SimHost();
  minutes(h2, 0, 6, () => 95);
  expect(h2.check(t(7), POLICY, DESTS, [{ ...disk, hosts: ['db-1'] }]).lines).toEqual([]);
  expect(h2.doc.alerts ?? {}).toEqual({});
});

test('reboot: one line per destination, never repeated; a destination that failed gets it later; forgotten after 24 h', () => {
  const h = new SimHost();
  h.report(t(0), { uptime: 9000, interval: 60 }, [reboot]);
  h.report(t(1), { uptime: 20, interval: 60 }, [reboot]);
  const first = h.check(t(1) + 1000, POLICY, [OPS, TEAM, BOSS], [reboot], (k) => k !== 'team');
  // the escalation-only destination is not told of reboots (they have no steps)
  expect(told(first.lines, [OPS, TEAM, BOSS])).toEqual(['mailto:ops@example.com reboot', 'team reboot']);
  expect(EN.line(first.lines[0]!.line, 'UTC')).toBe('REBOOT  web-1: restarted, up 0 minutes at 2026-11-23 09:01:00 +00:00 (was up 2 h 30 min)');
  expect(told(h.check(t(1) + 20_000, POLICY, [OPS, TEAM], [reboot]).lines, [OPS, TEAM])).toEqual(['team reboot']);
  expect(h.check(t(1) + 40_000, POLICY, [OPS, TEAM], [reboot]).lines).toEqual([]);
  expect(Object.keys(h.doc.alerts ?? {})).toHaveLength(1);
  h.report(t(4), { uptime: 200 }, [reboot]);
  const late = h.check(t(1) + REBOOT_WINDOW_MS + 1000, POLICY, [OPS, TEAM], [reboot]);
  expect(late.lines.map((l) => l.line.kind)).toEqual(['offline']); // silent for a day by then; no reboot line
  expect(Object.keys(h.doc.alerts ?? {}).filter((k) => k.startsWith('reboot_'))).toEqual([]);
});
