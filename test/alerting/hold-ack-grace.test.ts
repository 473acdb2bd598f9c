/**
 * Rule 6 (maintenance windows and acknowledgement) and rule 9 (a host's own grace) in the pure core: what a host in
 * a window, an acknowledged instance and a host with its own grace produce at a check.
 */
import { expect, test } from 'vitest';
import { ruleBook } from '../../src/alerting/conditions.js';
import { emptyEvaluation, evaluateHost, evaluateHosts, heldBy, offlineDueStep, offlineKey } from '../../src/alerting/policy.js';
import type { Destination, HostSnapshot, InstanceState, RoutedLine } from '../../src/alerting/types.js';
import { checkRule } from '../../src/rules/rule.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const POLICY = { steps: [1, 10, 60, 240, 1440], graceMs: 60 * SEC };
const L = Date.UTC(2026, 2, 10, 9, 17, 23);
const OPS: Destination = { key: 'mailto:ops@example.com', target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 0 };
const TEAM: Destination = { key: 'team', channel: 'team', target: '', kind: 'slack', label: 'team (slack)', fromStep: 0 };
const DESTS = [OPS, TEAM];
const WINDOW = { id: 'w1', name: 'patching' };

const host = (o: Partial<HostSnapshot> = {}): HostSnapshot => ({ id: 'h1', name: 'web-1', lastReportAt: L, alerts: [], ...o });
const offline = (sent: Record<string, number>, extra: Partial<InstanceState> = {}): InstanceState => ({ key: offlineKey(L), start: L, sent, ...extra });
const told = (lines: readonly RoutedLine[]) =>
  lines.flatMap(({ line, to }) => to.map((i) => `${DESTS[i]!.key} ${line.kind}${'step' in line ? `:${line.step}` : ''}`)).sort();

test('rule 6 (maintenance): a host inside a window gives no lines and no writes, counted apart from muted hosts', () => {
  const T = L + 30 * MIN;
  const inWindow = host({ maintenance: { ...WINDOW, until: T + HOUR }, alerts: [offline({ [OPS.key]: 10 })] });
  expect(evaluateHost(inWindow, T, POLICY, DESTS)).toEqual({ held: 'maintenance', lines: [] });
  const r = evaluateHosts([inWindow, host({ id: 'm', name: 'm', mutedUntil: T + 1 }), host({ id: 'n', name: 'n' })], T, POLICY, DESTS);
  expect(r).toMatchObject({ hostsInMaintenance: 1, hostsMuted: 1, hostsOffline: 3 });
  expect(r.lines.map((l) => l.line.hostId)).toEqual(['n']);
  // a mute and a window at once: counted once, as muted
  expect(heldBy(host({ mutedUntil: T + 1, maintenance: { ...WINDOW, until: T + 1 } }), T)).toBe('muted');
});

test('rule 6 (maintenance): the first run after the window applies the rules to what is true then', () => {
  const end = L + 90 * MIN;
  // still offline: the highest due step, once (rule 2), to every destination
  const still = evaluateHost(host({ maintenance: { ...WINDOW, until: end } }), end, POLICY, DESTS);
  expect(still.held).toBeUndefined();
  expect(told(still.lines)).toEqual(['mailto:ops@example.com offline:60', 'team offline:60']);
  // back before the window ended, nobody had been told: nothing at all
  const back = evaluateHost(host({ lastReportAt: end - 30 * SEC, maintenance: { ...WINDOW, until: end } }), end, POLICY, DESTS);
  expect(back).toEqual({ lines: [] });
  // back during the window after a notice before it: the recovery goes to the one told
  const told1 = evaluateHost(host({ lastReportAt: end - 30 * SEC, maintenance: { ...WINDOW, until: end }, alerts: [offline({ [OPS.key]: 1 }, { backAt: end - 20 * MIN })] }), end, POLICY, DESTS);
  expect(told(told1.lines)).toEqual(['mailto:ops@example.com recovered']);
});

test('rule 6 (acknowledgement): an acknowledged offline instance escalates no further, but its recovery is still told', () => {
  const ack = { at: L + 5 * MIN, by: 'cli (ops@box)' };
  const acked = offline({ [OPS.key]: 1, [TEAM.key]: 1 }, { ack });
  for (const minutes of [10, 60, 240, 1440, 3000]) {
    const r = evaluateHost(host({ alerts: [acked] }), L + minutes * MIN + SEC, POLICY, DESTS);
    expect(r.lines, `${minutes} min`).toEqual([]);
    expect(r.write?.notify).toBeUndefined();
  }
  // acknowledged before anyone was told (the ack created the instance): nothing, and no write
  expect(evaluateHost(host({ alerts: [offline({}, { ack })] }), L + 30 * MIN, POLICY, DESTS)).toEqual({ lines: [] });
  // the host comes back: one recovery line to each destination notified
  const back = evaluateHost(host({ lastReportAt: L + 2 * HOUR, alerts: [acked] }), L + 2 * HOUR + 30 * SEC, POLICY, DESTS);
  expect(told(back.lines)).toEqual(['mailto:ops@example.com recovered', 'team recovered']);
  // the next instance is a new one: not acknowledged
  const next = evaluateHost(host({ lastReportAt: L + 2 * HOUR }), L + 2 * HOUR + 2 * MIN, POLICY, DESTS);
  expect(told(next.lines)).toEqual(['mailto:ops@example.com offline:1', 'team offline:1']);
});

test('rule 6 (acknowledgement): an acknowledged metric instance escalates no further; its end is still told', () => {
  const disk = checkRule({ id: 'r1', name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [5, 60] });
  const start = L;
  const metric = (extra: Partial<InstanceState['condition']> = {}, ack = true): InstanceState => ({
    key: 'r1:disk:/',
    start,
    sent: { [OPS.key]: 5 },
    condition: { kind: 'metric', rule: 'r1', ruleName: 'disk-full', metric: 'disk', item: '/', op: 'above', threshold: 90, value: 95, peak: 95, ...extra },
    ...(ack && { ack: { at: start + 6 * MIN, by: 'link' } }),
  });
  const live = { lastReportAt: start + 2 * HOUR - 30 * SEC };
  const rules = ruleBook([disk]);
  expect(evaluateHost(host({ ...live, alerts: [metric()] }), start + 2 * HOUR, POLICY, DESTS, rules).lines).toEqual([]);
  // not acknowledged, the same instance gets step 60
  expect(told(evaluateHost(host({ ...live, alerts: [metric({}, false)] }), start + 2 * HOUR, POLICY, DESTS, rules).lines)).toEqual(['mailto:ops@example.com metric:60', 'team metric:60']);
  const ended = evaluateHost(host({ ...live, alerts: [metric({ endAt: start + 90 * MIN, endValue: 70 })] }), start + 2 * HOUR, POLICY, DESTS, rules);
  expect(told(ended.lines)).toEqual(['mailto:ops@example.com resolved']);
});

test("rule 9 (a host's own grace): replaces the check's, and applies with no known interval", () => {
  // no interval, grace 10 min: silent 9 min is nothing, 10 min 1 s is offline with its step counted from the report
  const own = host({ graceMs: 10 * MIN });
  expect(offlineDueStep(own, L + 9 * MIN, POLICY)).toBeUndefined();
  expect(offlineDueStep(own, L + 10 * MIN + SEC, POLICY)).toBe(10);
  // without it, rule 9 as before: no interval, no grace
  expect(offlineDueStep(host(), L + 9 * MIN, POLICY)).toBe(1);
  // with an interval of 5 min: interval + own grace (a smaller own grace wins over the check's too)
  expect(offlineDueStep(host({ intervalMs: 5 * MIN, graceMs: 20 * MIN }), L + 24 * MIN, POLICY)).toBeUndefined();
  expect(offlineDueStep(host({ intervalMs: 5 * MIN, graceMs: 20 * MIN }), L + 25 * MIN + SEC, POLICY)).toBe(10);
  expect(offlineDueStep(host({ intervalMs: 5 * MIN, graceMs: 0 }), L + 5 * MIN + SEC, POLICY)).toBe(1);
  const r = evaluateHosts([own], L + 9 * MIN, POLICY, DESTS);
  expect(r).toMatchObject({ hostsOffline: 0, lines: [], writes: [] });
});

test('a last report after the check time is counted as ahead, and is not offline', () => {
  const r = evaluateHosts([host({ lastReportAt: L + 2 * MIN }), host({ id: 'h2', name: 'web-2' })], L + MIN, POLICY, DESTS, emptyEvaluation());
  expect(r.reportsAhead).toBe(1);
  expect(r.lines.map((l) => l.line.name)).toEqual(['web-2']);
});
