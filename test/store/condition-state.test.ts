/**
 * What a report writes for metric rules (ALERTING.md "Condition": a metric rule holds from the first breaching report
 * to the first that no longer breaches; one instance per rule and item), as pure code: src/store/condition-state.ts.
 */
import { expect, test } from 'vitest';
import { itemHash, metricKey, rebootKey, ruleStateFields, type ConditionDoc } from '../../src/store/condition-state.js';
import { checkRule, type Rule } from '../../src/rules/rule.js';
import { applyUpdate } from '../support/mongo-update.js';
import { diskReport } from '../support/rule-sim.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MIN = 60_000;
const at = (m: number) => new Date(T0 + m * MIN);

const disk = checkRule({ id: 'r1', name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [] });
const freeMem = checkRule({ id: 'r2', name: 'low-free', metric: 'memory', op: 'below', threshold: 10, steps: [1] });
const reboot = checkRule({ id: 'r3', name: 'reboots', metric: 'reboot', steps: [] });
const report = diskReport;

/** A host document as the store keeps it, with `reports` applied one after the other as the report route does. */
function run(rules: Rule[], reports: [number, Record<string, unknown>][], name = 'web-1'): Record<string, unknown> {
  let doc: Record<string, unknown> = { name };
  for (const [m, data] of reports) {
    const fields = ruleStateFields(doc as never, data, at(m), rules);
    doc = applyUpdate(doc, { $set: { data, lastReportAt: at(m), ...fields } });
  }
  return doc;
}

const alertsOf = (doc: Record<string, unknown>) => (doc.alerts ?? {}) as Record<string, ConditionDoc>;

test('breach start: the first report above the threshold opens one instance, its start the report time', () => {
  const doc = run([disk], [[0, report({ '/': 50 })], [1, report({ '/': 91 })], [2, report({ '/': 95 })], [3, report({ '/': 93 })]]);
  const alerts = alertsOf(doc);
  expect(Object.keys(alerts)).toEqual([metricKey('r1', at(1).getTime(), '/')]);
  const i = Object.values(alerts)[0]!;
  expect(i).toMatchObject({ condition: 'metric', rule: 'r1', name: 'disk-full', metric: 'disk', item: '/', op: 'above', threshold: 90, value: 93, peak: 95 });
  expect(i.start).toEqual(at(1));
  expect(i.endAt).toBeUndefined();
});

test('exactly at the threshold does not breach; above does', () => {
  expect(alertsOf(run([disk], [[0, report({ '/': 90 })]]))).toEqual({});
  expect(Object.keys(alertsOf(run([disk], [[0, report({ '/': 90.1 })]])))).toHaveLength(1);
});

test('hysteresis: a value between clear and threshold neither opens nor ends; at or below clear ends', () => {
  const hovering = run([disk], [[0, report({ '/': 91 })], [1, report({ '/': 89 })], [2, report({ '/': 91 })], [3, report({ '/': 86 })], [4, report({ '/': 92 })]]);
  // one instance only: the dips to 89 and 86 stay above the clear threshold 85
  const alerts = Object.values(alertsOf(hovering));
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.endAt).toBeUndefined();
  expect(alerts[0]!.peak).toBe(92);

  const ended = run([disk], [[0, report({ '/': 91 })], [1, report({ '/': 85 })]]);
  const e = Object.values(alertsOf(ended))[0]!;
  expect(e.endAt).toEqual(at(1));
  expect(e.endValue).toBe(85);
  // a value between clear and threshold after the end opens nothing new
  expect(Object.values(alertsOf(run([disk], [[0, report({ '/': 91 })], [1, report({ '/': 80 })], [2, report({ '/': 88 })]])))).toHaveLength(1);
});

test('a new breach after an end is a new instance with its own start; the ended one is kept for the check', () => {
  const doc = run([disk], [[0, report({ '/': 91 })], [1, report({ '/': 80 })], [5, report({ '/': 97 })]]);
  const alerts = alertsOf(doc);
  expect(Object.keys(alerts).sort()).toEqual([metricKey('r1', at(0).getTime(), '/'), metricKey('r1', at(5).getTime(), '/')].sort());
  expect(alerts[metricKey('r1', at(0).getTime(), '/')]!.endAt).toEqual(at(1));
  expect(alerts[metricKey('r1', at(5).getTime(), '/')]!.endAt).toBeUndefined();
});

test('per item: each mount is its own instance; a mount no longer reported ends its instance', () => {
  const doc = run([disk], [[0, report({ '/': 95, '/var': 50, '/data.1': 99 })], [1, report({ '/': 96, '/var': 93, '/data.1': 99 })], [2, report({ '/': 96, '/var': 93 })]]);
  const byItem = Object.fromEntries(Object.values(alertsOf(doc)).map((i) => [i.item, i]));
  expect(Object.keys(byItem).sort()).toEqual(['/', '/data.1', '/var']);
  expect(byItem['/']!.start).toEqual(at(0));
  expect(byItem['/var']!.start).toEqual(at(1));
  expect(byItem['/data.1']!.endAt).toEqual(at(2));
  expect(byItem['/data.1']!.endValue).toBeUndefined();
  // keys never carry the item itself (a mount may hold "." or "$"), only its hash
  for (const key of Object.keys(alertsOf(doc))) expect(key).toMatch(/^metric_r1_\d+_[0-9a-f]{8}$/);
  expect(itemHash('/')).not.toBe(itemHash('/var'));
});

test('below rules mirror above: the peak is the lowest value', () => {
  const mem = (freePct: number) => ({ memory: { total: 100, used: 100 - freePct } });
  // memory is used %: "below 10" breaches when used % < 10
  const doc = run([freeMem], [[0, mem(95)], [1, mem(97)], [2, mem(80)]]);
  const i = Object.values(alertsOf(doc))[0]!;
  expect(i.peak).toBe(3);
  expect(i.endAt).toEqual(at(2));
});

test('rules for other hosts do not apply; rules for this host by name do', () => {
  const only = checkRule({ ...disk, hosts: ['db-1'] });
  expect(alertsOf(run([only], [[0, report({ '/': 99 })]], 'web-1'))).toEqual({});
  expect(Object.keys(alertsOf(run([only], [[0, report({ '/': 99 })]], 'db-1')))).toHaveLength(1);
});

test('reboot: an uptime lower than the last one opens one reboot instance; the first report ever does not', () => {
  const doc = run([reboot], [[0, { uptime: 5000 }], [1, { uptime: 5060 }], [2, { uptime: 30 }], [3, { uptime: 90 }]]);
  const alerts = alertsOf(doc);
  expect(Object.keys(alerts)).toEqual([rebootKey('r3', at(2).getTime())]);
  expect(alerts[rebootKey('r3', at(2).getTime())]).toMatchObject({ condition: 'reboot', uptime: 30, previousUptime: 5060 });
  expect(doc.lastUptime).toBe(90);
  // without any rule the uptime is still kept, so a reboot rule added later has something to compare
  expect(run([], [[0, { uptime: 10 }]]).lastUptime).toBe(10);
});

test('data.<path> rules read any numeric report field; a report no longer carrying it ends the open instance', () => {
  const temp = checkRule({ id: 'r4', name: 'hot', metric: 'data.sensors.temp', op: 'above', threshold: 80, steps: [] });
  const doc = run([temp], [[0, { sensors: { temp: 85 } }], [1, { sensors: { temp: 86 } }]]);
  expect(Object.values(alertsOf(doc))[0]).toMatchObject({ value: 86, peak: 86, item: '' });
  const gone = run([temp], [[0, { sensors: { temp: 85 } }], [1, { other: 1 }]]);
  expect(Object.values(alertsOf(gone))[0]!.endAt).toEqual(at(1));
});

test('an unchanged value writes nothing for its instance: the report write stays small', () => {
  const doc = run([disk], [[0, report({ '/': 95 })]]);
  expect(ruleStateFields(doc as never, report({ '/': 95 }), at(1), [disk])).toEqual({});
});

test('a rule changed to another metric ends the instance of the old one; the new metric starts afresh', () => {
  const before = run([checkRule({ ...disk, metric: 'cpu', clear: undefined })], [[0, { cpu: 97 }]]);
  const fields = ruleStateFields(before as never, { cpu: 97, memory: { total: 100, used: 95 } }, at(1), [checkRule({ ...disk, metric: 'memory', clear: undefined })]);
  const after = applyUpdate(before, { $set: fields });
  const byMetric = Object.fromEntries(Object.values(alertsOf(after)).map((i) => [i.metric, i]));
  expect(byMetric.cpu!.endAt).toEqual(at(1));
  expect(byMetric.memory).toMatchObject({ start: at(1), value: 95 });
});
