import { expect, test } from 'vitest';
import { DEFAULT_PAGING, InvalidCheckInputError, MAX_PAGING, parseCheckInput } from '../../src/alerting/check-input.js';

const OK = { recipients: ['ops@example.com'] };

/** Asserts that parsing `raw` throws an InvalidCheckInputError naming exactly `field`. */
function expectField(raw: unknown, field: string): InvalidCheckInputError {
  let caught: unknown;
  try {
    parseCheckInput(raw);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidCheckInputError);
  const err = caught as InvalidCheckInputError;
  expect(err.field).toBe(field);
  expect(err.name).toBe('InvalidCheckInputError');
  expect(err.message.startsWith(`invalid check input: ${field} `)).toBe(true);
  return err;
}

test('Terms (steps): defaults are steps [1, 10, 60, 240, 1440], no channels, grace 60 s, no ignore hours, no timezone', () => {
  const v = parseCheckInput(OK);
  expect(v).toEqual({
    recipients: ['ops@example.com'],
    channels: [],
    graceSeconds: 60,
    steps: [1, 10, 60, 240, 1440],
    ignoreHours: [],
    paging: { pageSize: 1000, slicePages: 10 },
  });
  expect('timezone' in v).toBe(false);
  // the defaults are a fresh array, not the shared constant
  v.steps.push(99);
  expect(parseCheckInput(OK).steps).toEqual([1, 10, 60, 240, 1440]);
});

test('check input: given values are kept; ignoreHours duplicates collapse; input is copied, not aliased', () => {
  const raw = {
    recipients: ['a@x.io', 'b@y.io'],
    channels: ['oncall', { name: 'pager', fromStep: 60 }, { name: 'chat.ops' }],
    steps: [5, 30, 120],
    ignoreHours: [23, 0, 23, 4],
    timezone: 'Asia/Kolkata',
    graceSeconds: 90,
  };
  const v = parseCheckInput(raw);
  expect(v).toEqual({
    recipients: ['a@x.io', 'b@y.io'],
    channels: [
      { name: 'oncall', fromStep: 0 },
      { name: 'pager', fromStep: 60 },
      { name: 'chat.ops', fromStep: 0 },
    ],
    graceSeconds: 90,
    steps: [5, 30, 120],
    ignoreHours: [23, 0, 4],
    timezone: 'Asia/Kolkata',
    paging: DEFAULT_PAGING,
  });
  expect(v.recipients).not.toBe(raw.recipients);
  expect(v.channels[1]).not.toBe(raw.channels[1]);
  expect(v.steps).not.toBe(raw.steps);
  expect(raw.ignoreHours).toEqual([23, 0, 23, 4]);
  expect(parseCheckInput({ ...OK, ignoreHours: [0, 23] }).ignoreHours).toEqual([0, 23]);
});

test('check input: not an object -> field "input"', () => {
  for (const raw of [null, undefined, 'ops@example.com', 42, ['ops@example.com'], true]) expectField(raw, 'input');
});

test('check input: an unknown field is named', () => {
  const err = expectField({ ...OK, ignore_hours: [4] }, 'ignore_hours');
  for (const known of ['recipients', 'channels', 'graceSeconds', 'paging']) expect(err.message).toContain(known);
  expectField({ ...OK, step: [1] }, 'step');
  expectField({ ...OK, grace: 60 }, 'grace');
});

test('check input: recipients not an array or too many -> "recipients"', () => {
  expectField({ recipients: 'ops@example.com' }, 'recipients');
  expectField({ recipients: { to: 'ops@example.com' } }, 'recipients');
  expectField({ recipients: Array.from({ length: 101 }, (_, i) => `u${i}@example.com`) }, 'recipients');
  expect(parseCheckInput({ recipients: Array.from({ length: 100 }, (_, i) => `u${i}@example.com`) }).recipients).toHaveLength(100);
});

test('check input: a bad address at index i -> "recipients[i]"', () => {
  expectField({ recipients: ['nope'] }, 'recipients[0]');
  expectField({ recipients: ['a@x.io', 'b@y.io', 'missing-at.example.com'] }, 'recipients[2]');
  expectField({ recipients: ['a@x.io', 'two words@x.io'] }, 'recipients[1]');
  expectField({ recipients: ['a@x.io', 'a@x.io,b@y.io'] }, 'recipients[1]');
  expectField({ recipients: ['a@b@c.io'] }, 'recipients[0]');
  expectField({ recipients: ['a@x.io', 7] }, 'recipients[1]');
  expectField({ recipients: ['@x.io'] }, 'recipients[0]');
});

test('Terms (steps): steps must be a non-empty array -> "steps"', () => {
  expectField({ ...OK, steps: [] }, 'steps');
  expectField({ ...OK, steps: '1,10' }, 'steps');
  expectField({ ...OK, steps: 10 }, 'steps');
});

test('Terms (steps): non-positive step -> "steps[i]"', () => {
  expectField({ ...OK, steps: [0, 10] }, 'steps[0]');
  expectField({ ...OK, steps: [-5] }, 'steps[0]');
  const err = expectField({ ...OK, steps: [1, 10, -60] }, 'steps[2]');
  expect(err.message).toContain('positive');
});

test('Terms (steps): non-integer step -> "steps[i]"', () => {
  expectField({ ...OK, steps: [1, 1.5] }, 'steps[1]');
  expectField({ ...OK, steps: ['1'] }, 'steps[0]');
  expectField({ ...OK, steps: [1, 10, Number.NaN] }, 'steps[2]');
  expectField({ ...OK, steps: [1, Number.POSITIVE_INFINITY] }, 'steps[1]');
  expectField({ ...OK, steps: [1, null] }, 'steps[1]');
});

test('Terms (steps): not strictly increasing -> "steps[i]" at the first offending index', () => {
  expectField({ ...OK, steps: [1, 10, 10] }, 'steps[2]');
  expectField({ ...OK, steps: [1, 10, 5, 60] }, 'steps[2]');
  const err = expectField({ ...OK, steps: [60, 10] }, 'steps[1]');
  expect(err.message).toContain('greater');
});

test('rule 5 (quiet hours): an hour outside 0-23 -> "ignoreHours[i]"', () => {
  expectField({ ...OK, ignoreHours: [24] }, 'ignoreHours[0]');
  expectField({ ...OK, ignoreHours: [3, -1] }, 'ignoreHours[1]');
  expectField({ ...OK, ignoreHours: [3, 4, 4.5] }, 'ignoreHours[2]');
  expectField({ ...OK, ignoreHours: 4 }, 'ignoreHours');
  expect(parseCheckInput({ ...OK, ignoreHours: [0, 23] }).ignoreHours).toEqual([0, 23]);
});

test('rule 5 (quiet hours): an unknown time zone -> "timezone"', () => {
  expectField({ ...OK, timezone: 'Mars/Olympus_Mons' }, 'timezone');
  expectField({ ...OK, timezone: '' }, 'timezone');
  expectField({ ...OK, timezone: 3 }, 'timezone');
  for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) expect(parseCheckInput({ ...OK, timezone: tz }).timezone).toBe(tz);
});

test('check input: the first bad field is reported (unknown fields, recipients, channels, steps, ignoreHours, graceSeconds, timezone)', () => {
  expectField({ recipients: [], steps: [0], bogus: 1 }, 'bogus');
  expectField({ recipients: ['nope'], channels: [''], steps: [0] }, 'recipients[0]');
  expectField({ recipients: [], channels: ['-x'], steps: [0] }, 'channels[0]');
  expectField({ recipients: [], steps: [0] }, 'channels');
  expectField({ recipients: ['a@x.io'], steps: [0], ignoreHours: [30] }, 'steps[0]');
  expectField({ recipients: ['a@x.io'], ignoreHours: [30], graceSeconds: -1 }, 'ignoreHours[0]');
  expectField({ recipients: ['a@x.io'], graceSeconds: -1, timezone: 'Nowhere/Else' }, 'graceSeconds');
  expectField({ recipients: ['a@x.io'], timezone: 'Nowhere/Else', paging: { pages: 1 } }, 'timezone');
});

test('check input: paging takes whole numbers within the limits that keep payloads and histories small, naming a bad field', () => {
  expect(parseCheckInput({ ...OK, paging: { pageSize: 10 } }).paging).toEqual({ pageSize: 10, slicePages: DEFAULT_PAGING.slicePages });
  expect(parseCheckInput({ ...OK, paging: { pageSize: MAX_PAGING.pageSize, slicePages: 1 } }).paging).toEqual({ pageSize: MAX_PAGING.pageSize, slicePages: 1 });
  const bad: Array<[unknown, string]> = [
    [{ pageSize: 0 }, 'paging.pageSize'],
    [{ pageSize: MAX_PAGING.pageSize + 1 }, 'paging.pageSize'],
    [{ slicePages: 2.5 }, 'paging.slicePages'],
    [{ slicePages: '3' }, 'paging.slicePages'],
    [{ pages: 3 }, 'paging.pages'],
    [[1000], 'paging'],
    [null, 'paging'],
  ];
  for (const [paging, field] of bad) {
    expect(() => parseCheckInput({ ...OK, paging }), JSON.stringify(paging)).toThrow(expect.objectContaining({ field }));
  }
});

// ---------------------------------------------------------------- destinations: channels and recipients

test('check input: neither channels nor recipients (or both empty) -> "channels", naming both', () => {
  for (const raw of [{}, { recipients: [] }, { channels: [] }, { recipients: [], channels: [] }, { steps: [1] }]) {
    const err = expectField(raw, 'channels');
    expect(err.message).toContain('recipients');
  }
});

test('check input: recipients are optional when channels are given, and channels when recipients are', () => {
  expect(parseCheckInput({ channels: ['oncall'] })).toMatchObject({ recipients: [], channels: [{ name: 'oncall', fromStep: 0 }] });
  expect(parseCheckInput({ recipients: ['a@x.io'], channels: [] })).toMatchObject({ recipients: ['a@x.io'], channels: [] });
});

test('rule 7 (fromStep): a channel is a name, or {name, fromStep} with fromStep a positive whole number of minutes', () => {
  expect(parseCheckInput({ channels: [{ name: 'pager', fromStep: 240 }] }).channels).toEqual([{ name: 'pager', fromStep: 240 }]);
  expect(parseCheckInput({ channels: [{ name: 'pager' }] }).channels).toEqual([{ name: 'pager', fromStep: 0 }]);
  // a fromStep need not be one of the steps: notices go from the first step at or above it
  expect(parseCheckInput({ channels: [{ name: 'pager', fromStep: 30 }] }).channels).toEqual([{ name: 'pager', fromStep: 30 }]);
  for (const fromStep of [0, -10, 1.5, '60', null, Number.NaN, Number.POSITIVE_INFINITY]) {
    const err = expectField({ channels: ['oncall', { name: 'pager', fromStep }] }, 'channels[1].fromStep');
    expect(err.message).toContain('positive');
  }
});

test('check input: channels must be an array of names or objects; at most 50', () => {
  expectField({ channels: 'oncall' }, 'channels');
  expectField({ channels: { name: 'oncall' } }, 'channels');
  expectField({ channels: ['oncall', 7] }, 'channels[1]');
  expectField({ channels: [null] }, 'channels[0]');
  expectField({ channels: [['oncall']] }, 'channels[0]');
  expectField({ channels: Array.from({ length: 51 }, (_, i) => `c${i}`) }, 'channels');
  expect(parseCheckInput({ channels: Array.from({ length: 50 }, (_, i) => `c${i}`) }).channels).toHaveLength(50);
});

test('check input: an unknown field in a channel object is named', () => {
  const err = expectField({ channels: [{ name: 'pager', from_step: 60 }] }, 'channels[0].from_step');
  expect(err.message).toContain('fromStep');
  expectField({ channels: ['a', { name: 'b', fromStep: 10, url: 'https://x' }] }, 'channels[1].url');
});

test('check input: a channel object without a string name -> "channels[i].name"', () => {
  expectField({ channels: [{ fromStep: 60 }] }, 'channels[0].name');
  expectField({ channels: [{ name: 42 }] }, 'channels[0].name');
});

test('check input: invalid channel names are refused, naming the entry (or its name field)', () => {
  for (const name of ['', '-oncall', '.hidden', 'on call', 'a/b', 'mailto:ops@example.com', 'ops#1', 'ünicode', 'x'.repeat(65)]) {
    expectField({ channels: [name] }, 'channels[0]');
    expectField({ channels: [{ name }] }, 'channels[0].name');
  }
  for (const name of ['oncall', 'a', 'Ops_2', 'chat.ops-eu', '9lives', 'x'.repeat(64)]) expect(parseCheckInput({ channels: [name] }).channels).toEqual([{ name, fromStep: 0 }]);
});

test('check input: the same channel named twice is refused at its second mention', () => {
  const err = expectField({ channels: ['oncall', 'pager', 'oncall'] }, 'channels[2]');
  expect(err.message).toContain('"oncall"');
  expectField({ channels: ['pager', { name: 'pager', fromStep: 60 }] }, 'channels[1]');
  // names are case-sensitive
  expect(parseCheckInput({ channels: ['Ops', 'ops'] }).channels.map((c) => c.name)).toEqual(['Ops', 'ops']);
});

// ---------------------------------------------------------------- rule 9: grace

test('rule 9 (grace): graceSeconds is a whole number of seconds from 0 to 3600, default 60', () => {
  expect(parseCheckInput(OK).graceSeconds).toBe(60);
  expect(parseCheckInput({ ...OK, graceSeconds: 0 }).graceSeconds).toBe(0);
  expect(parseCheckInput({ ...OK, graceSeconds: 3600 }).graceSeconds).toBe(3600);
  for (const g of [-1, 3601, 1.5, '60', null, Number.NaN, true]) {
    const err = expectField({ ...OK, graceSeconds: g }, 'graceSeconds');
    expect(err.message).toContain('3600');
  }
});

// ---------------------------------------------------------------- rule 5: quiet hours over the whole day

test('rule 5 (quiet hours): ignoreHours covering all 24 hours is refused; 23 of them are allowed', () => {
  const all = Array.from({ length: 24 }, (_, h) => h);
  const err = expectField({ ...OK, ignoreHours: all }, 'ignoreHours');
  expect(err.message).toContain('every hour');
  // duplicates do not hide it
  expectField({ ...OK, ignoreHours: [...all, 0, 5] }, 'ignoreHours');
  expect(parseCheckInput({ ...OK, ignoreHours: all.slice(1) }).ignoreHours).toEqual(all.slice(1));
  expect(parseCheckInput({ ...OK, ignoreHours: [...all.slice(1), 5, 5] }).ignoreHours).toHaveLength(23);
});

// ---------------------------------------------------------------- issue 14: host selectors

test('hosts.tags selects hosts by any of its tags: normalized, each once, sorted; absent means every host', () => {
  expect(parseCheckInput(OK).hosts).toBeUndefined();
  expect(parseCheckInput({ ...OK, hosts: { tags: ['prod'] } }).hosts).toEqual({ tags: ['prod'] });
  expect(parseCheckInput({ ...OK, hosts: { tags: ['Prod', 'eu', 'prod'] } }).hosts).toEqual({ tags: ['eu', 'prod'] });
});

test('hosts: an object with only a non-empty tags array of valid tags; errors name hosts.tags[i]', () => {
  expectField({ ...OK, hosts: ['prod'] }, 'hosts');
  expectField({ ...OK, hosts: null }, 'hosts');
  expectField({ ...OK, hosts: 'prod' }, 'hosts');
  expectField({ ...OK, hosts: { tags: ['prod'], names: ['web-1'] } }, 'hosts.names');
  expectField({ ...OK, hosts: {} }, 'hosts.tags');
  expectField({ ...OK, hosts: { tags: [] } }, 'hosts.tags');
  expectField({ ...OK, hosts: { tags: 'prod' } }, 'hosts.tags');
  expect(expectField({ ...OK, hosts: { tags: ['prod', 'bad tag'] } }, 'hosts.tags[1]').message).toContain('"bad tag"');
  expectField({ ...OK, hosts: { tags: ['prod', 7] } }, 'hosts.tags[1]');
  expectField({ ...OK, hosts: { tags: ['-x'] } }, 'hosts.tags[0]');
  expectField({ ...OK, hosts: { tags: ['x'.repeat(65)] } }, 'hosts.tags[0]');
  expectField({ ...OK, hosts: { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) } }, 'hosts.tags');
});
