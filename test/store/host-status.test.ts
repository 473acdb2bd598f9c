import { expect, test } from 'vitest';
import { REBOOT_WINDOW_MS, ruleBook } from '../../src/alerting/conditions.js';
import { checkRule, type Rule } from '../../src/rules/rule.js';
import { ruleStateFields } from '../../src/store/condition-state.js';
import { activeConditions, currentAlertStep, hostState, reportingInterval } from '../../src/store/host-status.js';
import { applyUpdate } from '../support/mongo-update.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
const at = (msAgo: number) => new Date(T - msAgo);

test('hostState: offline a minute after the last report when the interval is unknown', () => {
  expect(hostState({ lastReportAt: null }, T)).toBe('never reported');
  expect(hostState({ lastReportAt: at(59_999) }, T)).toBe('online');
  expect(hostState({ lastReportAt: at(60_000) }, T)).toBe('offline');
});

test("hostState, rule 9: a host's own grace (or its tag's) replaces the default one, with or without an interval", () => {
  // its own grace field: 10 min without an interval
  expect(hostState({ lastReportAt: at(9 * 60_000), grace: 600 }, T)).toBe('online');
  expect(hostState({ lastReportAt: at(600_001), grace: 600 }, T)).toBe('offline');
  // a tag's grace, given by the caller, wins over the field; with a 5-minute interval it adds to it
  expect(hostState({ lastReportAt: at(14 * 60_000), data: { interval: 300 } }, T, 600)).toBe('online');
  expect(hostState({ lastReportAt: at(15 * 60_000 + 1), data: { interval: 300 } }, T, 600)).toBe('offline');
  // grace 0 with no interval: offline after the first minute, as without
  expect(hostState({ lastReportAt: at(59_999), grace: 0 }, T)).toBe('online');
  expect(hostState({ lastReportAt: at(60_000), grace: 0 }, T)).toBe('offline');
});

test('hostState, rule 9: a host stating a 5-minute interval is online for 5 min + 60 s of grace, then offline', () => {
  const reported = (msAgo: number) => ({ lastReportAt: at(msAgo), data: { interval: 300 } });
  expect(hostState(reported(4 * 60_000), T)).toBe('online');
  expect(hostState(reported(360_000), T)).toBe('online');
  expect(hostState(reported(360_001), T)).toBe('offline');
  // An interval set on the host serves reporters that do not state one; a stated one wins.
  expect(hostState({ lastReportAt: at(200_000), interval: 300 }, T)).toBe('online');
  expect(hostState({ lastReportAt: at(200_000), interval: 300, data: { interval: 30 } }, T)).toBe('offline');
});

test('reportingInterval: the report\'s own interval, else the host\'s, else none; nonsense is none', () => {
  expect(reportingInterval({ data: { interval: 30 }, interval: 300 })).toBe(30);
  expect(reportingInterval({ data: {}, interval: 300 })).toBe(300);
  expect(reportingInterval({ data: null })).toBeUndefined();
  expect(reportingInterval({ data: { interval: '30' } })).toBeUndefined();
  expect(reportingInterval({ data: { interval: 0 } })).toBeUndefined();
});

test('currentAlertStep: the highest step any destination got for the current outage, legacy state read too', () => {
  const last = at(20 * 60_000);
  const key = `offline_${last.getTime()}`;
  expect(currentAlertStep({ lastReportAt: last, alerts: { [key]: { start: last, sent: { 'mailto:a@x': 1, team: 10 } } } })).toBe(10);
  expect(currentAlertStep({ lastReportAt: last, alerts: { offline_1: { start: new Date(1), sent: { team: 60 } } } })).toBeUndefined();
  expect(currentAlertStep({ lastReportAt: last, alert: { outage: last, step: 60 } })).toBe(60);
  expect(currentAlertStep({ lastReportAt: last })).toBeUndefined();
});

// activeConditions, over documents built the way a report writes them (ruleStateFields): the shapes are the real ones.
const MIN = 60_000;
const GIB = 1024 ** 3;
const diskRule = checkRule({ id: 'r-disk', name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [1, 10] });
const battery = checkRule({ id: 'r-bat', name: 'ups-low', metric: 'data.ups.charge', op: 'below', threshold: 20, steps: [5] });
const reboots = checkRule({ id: 'r-boot', name: 'reboots', metric: 'reboot', steps: [] });
const report = (disk: Record<string, number>, extra: Record<string, unknown> = {}) => ({
  uptime: 86_400,
  disk: Object.entries(disk).map(([mount, pct]) => ({ mount, total: 100 * GIB, used: pct * GIB })),
  ...extra,
});
type Doc = { name: string; alerts?: Record<string, Record<string, unknown>> };

/** The host document after `reports` ([minutes before T, body]) went through the report's one write, in order. */
function reported(rules: Rule[], reports: [number, Record<string, unknown>][]): Doc {
  let doc: Record<string, unknown> = { name: 'web-1' };
  for (const [minutesAgo, data] of reports) {
    const when = at(minutesAgo * MIN);
    doc = applyUpdate(doc, { $set: { data, lastReportAt: when, ...ruleStateFields(doc as never, data, when, rules) } });
  }
  return doc as Doc;
}

test('activeConditions: open metric instances, one per item, with value, peak, since and text; ended and offline ones left out', () => {
  const host = reported([diskRule, battery], [
    [30, report({ '/': 50, '/var': 91, '/srv': 95 })],
    [20, report({ '/': 50, '/var': 97, '/srv': 80 }, { ups: { charge: 12.345 } })],
    [1, report({ '/': 50, '/var': 93, '/srv': 80 }, { ups: { charge: 15 } })],
  ]);
  // /srv went back to 80 (below its clear threshold 85): ended, waiting for its resolved line, not active.
  expect(Object.values(host.alerts!).filter((d) => d.endAt !== undefined)).toHaveLength(1);
  // An offline instance beside them is hostState's business, not a condition of this list.
  host.alerts![`offline_${at(60 * MIN).getTime()}`] = { start: at(60 * MIN), sent: { 'mailto:a@x': 10 } };
  expect(activeConditions(host, T)).toEqual([
    { condition: 'metric', rule: 'disk-full', metric: 'disk', item: '/var', op: 'above', threshold: 90, value: 93, peak: 97, since: at(30 * MIN).toISOString(), step: null, text: 'disk /var 93 % > 90 %' },
    { condition: 'metric', rule: 'ups-low', metric: 'data.ups.charge', item: '', op: 'below', threshold: 20, value: 15, peak: 12.345, since: at(20 * MIN).toISOString(), step: null, text: 'data.ups.charge 15 < 20' },
  ]);
  expect(activeConditions({ name: 'quiet' }, T)).toEqual([]);
});

test('activeConditions: step is the highest step any destination was notified of', () => {
  const host = reported([diskRule], [[15, report({ '/': 90.06 })], [0, report({ '/': 91.2345 })]]);
  const [key] = Object.keys(host.alerts!);
  host.alerts![key!]!.sent = { 'mailto:a@x': 1, 'slack:team': 10 };
  const [c] = activeConditions(host, T);
  expect(c).toMatchObject({ step: 10, value: 91.2, text: 'disk / 91.2 % > 90 %' });
});

test('activeConditions: a reboot is shown for 24 hours after the report that showed it', () => {
  const host = reported([reboots], [[60, { uptime: 43_440 }], [30, { uptime: 180 }]]);
  const expected = { condition: 'reboot', rule: 'reboots', at: at(30 * MIN).toISOString(), uptime: 180, previousUptime: 43_440, text: 'reboot: up 3 minutes (was up 12 h 4 min)' };
  expect(activeConditions(host, T)).toEqual([expected]);
  const rebootAt = T - 30 * MIN;
  expect(activeConditions(host, rebootAt + REBOOT_WINDOW_MS)).toEqual([expected]);
  expect(activeConditions(host, rebootAt + REBOOT_WINDOW_MS + 1)).toEqual([]);
});

test('activeConditions: given the known rules, instances of removed rules (and of rules no longer for this host) are left out', () => {
  const host = reported([diskRule, battery], [[10, report({ '/var': 95 }, { ups: { charge: 5 } })]]);
  expect(activeConditions(host, T).map((c) => c.rule)).toEqual(['disk-full', 'ups-low']);
  expect(activeConditions(host, T, new Set(['r-bat'])).map((c) => c.rule)).toEqual(['ups-low']);
  expect(activeConditions(host, T, new Set())).toEqual([]);
  // With the rules themselves: the current name after a rename, and a rule narrowed to other hosts drops out.
  const renamed = { ...diskRule, name: 'var-full' };
  const elsewhere = { ...battery, hosts: ['db-1'] };
  expect(activeConditions(host, T, ruleBook([renamed, elsewhere])).map((c) => c.rule)).toEqual(['var-full']);
  expect(activeConditions(host, T, ruleBook([renamed, { ...elsewhere, hosts: ['web-1'] }])).map((c) => c.rule)).toEqual(['ups-low', 'var-full']);
});
