/** The pure rule model (src/rules/rule.ts): checks, reading a report's values, and the hysteresis of breach and clear. */
import { expect, test } from 'vitest';
import { appliesTo, breaches, checkRule, clears, DEFAULT_RULE_STEPS, describeRule, InvalidRuleError, readMetric, unitOf, type Rule } from '../../src/rules/rule.js';

const rule = (over: Partial<Rule>): Rule => ({ id: 'r1', name: 'r', metric: 'cpu', op: 'above', threshold: 90, steps: [], ...over });

/** The field and message checkRule refuses `r` with. */
function refusal(r: Rule): { field: string; message: string } {
  try {
    checkRule(r);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRuleError);
    return { field: (err as InvalidRuleError).field, message: (err as Error).message };
  }
  throw new Error(`checkRule accepted ${JSON.stringify(r)}`);
}

test('checkRule fills in the default steps and keeps given ones', () => {
  expect(checkRule(rule({})).steps).toEqual([5, 60, 240, 1440]);
  expect(DEFAULT_RULE_STEPS).toEqual([5, 60, 240, 1440]);
  expect(checkRule(rule({ steps: [1, 2] })).steps).toEqual([1, 2]);
  expect(checkRule(rule({ metric: 'reboot', op: undefined, threshold: undefined }))).toEqual({ id: 'r1', name: 'r', metric: 'reboot', steps: [] });
  expect(checkRule(rule({ metric: 'data.sensors.cpu_temp', threshold: 1000 })).metric).toBe('data.sensors.cpu_temp');
  expect(checkRule(rule({ metric: 'load1', perCpu: true, threshold: 2 })).perCpu).toBe(true);
  expect(checkRule(rule({ op: 'below', threshold: 10, clear: 10 })).clear).toBe(10);
});

test('checkRule refuses each bad field, naming it', () => {
  const cases: [Partial<Rule>, string, string][] = [
    [{ name: '' }, 'name', 'invalid rule name: use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit'],
    [{ name: 'x'.repeat(65) }, 'name', 'invalid rule name: use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit'],
    [{ metric: 'disks' }, 'metric', 'invalid rule metric: "disks" is not one of cpu, memory, disk, load1, load5, load15, reboot, nor a report field path like data.temperature'],
    [{ metric: 'data' }, 'metric', 'invalid rule metric: "data" is not one of cpu, memory, disk, load1, load5, load15, reboot, nor a report field path like data.temperature'],
    [{ metric: 'data.a.$b' }, 'metric', 'invalid rule metric: "data.a.$b" is not one of cpu, memory, disk, load1, load5, load15, reboot, nor a report field path like data.temperature'],
    [{ metric: 'cpu', perCpu: true }, 'per-cpu', 'invalid rule per-cpu: applies only to load1, load5 and load15'],
    [{ hosts: [] }, 'hosts', 'invalid rule hosts: name at least one host, or leave it out for every host'],
    [{ hosts: [''] }, 'hosts', 'invalid rule hosts: host names are 1 to 200 characters'],
    [{ op: undefined, threshold: undefined }, 'above', 'invalid rule above: give --above X or --below X'],
    [{ threshold: Number.NaN }, 'above', 'invalid rule above: must be a number'],
    [{ op: 'below', threshold: Number.POSITIVE_INFINITY }, 'below', 'invalid rule below: must be a number'],
    [{ metric: 'memory', threshold: 100.5 }, 'above', 'invalid rule above: memory is a percentage: give 0 to 100'],
    [{ metric: 'disk', op: 'below', threshold: -1 }, 'below', 'invalid rule below: disk is a percentage: give 0 to 100'],
    [{ threshold: 90, clear: 91 }, 'clear', 'invalid rule clear: must be at or below the threshold (90) of an "above" rule'],
    [{ op: 'below', threshold: 10, clear: 9 }, 'clear', 'invalid rule clear: must be at or above the threshold (10) of a "below" rule'],
    [{ clear: Number.NaN }, 'clear', 'invalid rule clear: must be a number'],
    [{ metric: 'reboot', threshold: undefined }, 'above', 'invalid rule above: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [{ metric: 'reboot', op: undefined, threshold: undefined, clear: 1 }, 'above', 'invalid rule above: a reboot rule takes no threshold: it notices an uptime that went backwards'],
    [{ metric: 'reboot', op: undefined, threshold: undefined, steps: [5] }, 'steps', 'invalid rule steps: a reboot rule has no steps: each destination is told once'],
    [{ steps: [5, 5] }, 'steps', 'invalid rule steps: must be strictly increasing'],
    [{ steps: [60, 5] }, 'steps', 'invalid rule steps: must be strictly increasing'],
    [{ steps: [0] }, 'steps', 'invalid rule steps: are whole minutes from 1 to 525600'],
    [{ steps: [1.5] }, 'steps', 'invalid rule steps: are whole minutes from 1 to 525600'],
    [{ steps: [525_601] }, 'steps', 'invalid rule steps: are whole minutes from 1 to 525600'],
  ];
  for (const [over, field, message] of cases) expect({ over, ...refusal(rule(over)) }).toEqual({ over, field, message });
});

const report = {
  hostname: 'web-1',
  uptime: 600,
  load: [3.2, 1.6, 0.8],
  cpus: 4,
  cpu: 12.5,
  memory: { total: 8_000, used: 6_000 },
  disk: [
    { mount: '/', total: 1_000, used: 931 },
    { mount: '/var', total: 3_000, used: 1_000 },
    { mount: '', total: 10, used: 10 }, // no mount: not an item
    { mount: '/broken', total: 0, used: 0 }, // no size: no value
  ],
  sensors: { temperature: 71.5, label: 'hot' },
  fans: [1200],
};

const read = (metric: string, perCpu?: boolean, data: Record<string, unknown> = report) => Object.fromEntries(readMetric({ metric, ...(perCpu && { perCpu }) }, data));

test('readMetric: cpu, memory, disk per mount, loads with and without per-cpu, report paths', () => {
  expect(read('cpu')).toEqual({ '': 12.5 });
  expect(read('memory')).toEqual({ '': 75 });
  expect(read('disk')).toEqual({ '/': 93.1, '/var': 33.3 });
  expect(read('load1')).toEqual({ '': 3.2 });
  expect(read('load5')).toEqual({ '': 1.6 });
  expect(read('load15')).toEqual({ '': 0.8 });
  expect(read('load1', true)).toEqual({ '': 0.8 });
  expect(read('load5', true)).toEqual({ '': 0.4 });
  expect(read('data.sensors.temperature')).toEqual({ '': 71.5 });
  expect(read('data.cpu')).toEqual({ '': 12.5 });
  expect(read('reboot')).toEqual({});
});

test('readMetric: a value the report does not carry, or carries in another shape, has no item', () => {
  // Per CPU needs the report's `cpus`; without it (or with nonsense) the rule has nothing to compare.
  const { cpus: _cpus, ...noCpus } = report;
  expect(read('load1', true, noCpus)).toEqual({});
  expect(read('load1', true, { ...report, cpus: 0 })).toEqual({});
  expect(read('load1', true, { ...report, cpus: '4' })).toEqual({});
  expect(read('load1', false, noCpus)).toEqual({ '': 3.2 });
  expect(read('cpu', false, { cpu: '12' })).toEqual({});
  expect(read('memory', false, { memory: { total: 0, used: 0 } })).toEqual({});
  expect(read('memory', false, { memory: { used: 5 } })).toEqual({});
  expect(read('disk', false, { disk: { mount: '/', total: 1, used: 1 } })).toEqual({});
  expect(read('load15', false, { load: [1] })).toEqual({});
  expect(read('data.sensors.label')).toEqual({});
  expect(read('data.sensors')).toEqual({});
  expect(read('data.fans.0')).toEqual({});
  expect(read('data.missing.deeper')).toEqual({});
  expect(read('cpu', false, {})).toEqual({});
});

test('breaches is strict; an open instance clears at or past the clear line (the threshold without one)', () => {
  const above = { op: 'above' as const, threshold: 90 };
  expect([89, 90, 90.1].map((v) => breaches(above, v))).toEqual([false, false, true]);
  expect([90.1, 90, 89].map((v) => clears(above, v))).toEqual([false, true, true]);

  const below = { op: 'below' as const, threshold: 10 };
  expect([11, 10, 9.9].map((v) => breaches(below, v))).toEqual([false, false, true]);
  expect([9.9, 10, 11].map((v) => clears(below, v))).toEqual([false, true, true]);
});

test('hysteresis: between the clear line and the threshold nothing starts and nothing ends', () => {
  const above = { op: 'above' as const, threshold: 90, clear: 85 };
  // 88 neither starts an instance nor ends an open one; 85 ends it; 90.5 starts one.
  expect([88, 90, 90.5].map((v) => breaches(above, v))).toEqual([false, false, true]);
  expect([88, 85.1, 85, 80].map((v) => clears(above, v))).toEqual([false, false, true, true]);

  const below = { op: 'below' as const, threshold: 10, clear: 15 };
  expect([12, 10, 9].map((v) => breaches(below, v))).toEqual([false, false, true]);
  expect([12, 14.9, 15, 20].map((v) => clears(below, v))).toEqual([false, false, true, true]);

  // A report stream through an "above 90, clear 85" rule: it holds from the first breach to the first value at 85.
  let open = false;
  const events: string[] = [];
  for (const v of [80, 89, 91, 87, 95, 86, 85, 88, 92]) {
    if (open ? clears(above, v) : breaches(above, v)) {
      events.push(`${open ? 'end' : 'start'} ${v}`);
      open = !open;
    }
  }
  expect(events).toEqual(['start 91', 'end 85', 'start 92']);
});

test('a reboot rule never breaches; appliesTo, unitOf and describeRule', () => {
  expect(breaches({ op: undefined, threshold: undefined }, 1e9)).toBe(false);
  expect(appliesTo({}, 'web-1')).toBe(true);
  expect(appliesTo({ hosts: ['web-1'] }, 'web-1')).toBe(true);
  expect(appliesTo({ hosts: ['web-1'] }, 'web-2')).toBe(false);
  expect(['cpu', 'memory', 'disk', 'load1', 'data.temperature'].map(unitOf)).toEqual([' %', ' %', ' %', '', '']);
  expect(describeRule(rule({ metric: 'disk', clear: 85 }))).toBe('disk above 90 %, clears at 85 %');
  expect(describeRule(rule({ metric: 'disk', clear: 90 }))).toBe('disk above 90 %');
  expect(describeRule(rule({ metric: 'load5', perCpu: true, threshold: 2 }))).toBe('load5 per CPU above 2');
  expect(describeRule(rule({ metric: 'data.temperature', op: 'below', threshold: -5 }))).toBe('data.temperature below -5');
  expect(describeRule(rule({ metric: 'reboot' }))).toBe('reboot (uptime went backwards)');
});
