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

test('Terms (steps): defaults are steps [1, 10, 60, 240, 1440], no ignore hours, no timezone', () => {
  const v = parseCheckInput(OK);
  expect(v).toEqual({ recipients: ['ops@example.com'], steps: [1, 10, 60, 240, 1440], ignoreHours: [], paging: { pageSize: 1000, slicePages: 10 } });
  expect('timezone' in v).toBe(false);
  // the defaults are a fresh array, not the shared constant
  v.steps.push(99);
  expect(parseCheckInput(OK).steps).toEqual([1, 10, 60, 240, 1440]);
});

test('check input: given values are kept; ignoreHours duplicates collapse; input is copied, not aliased', () => {
  const raw = { recipients: ['a@x.io', 'b@y.io'], steps: [5, 30, 120], ignoreHours: [23, 0, 23, 4], timezone: 'Asia/Kolkata' };
  const v = parseCheckInput(raw);
  expect(v).toEqual({ recipients: ['a@x.io', 'b@y.io'], steps: [5, 30, 120], ignoreHours: [23, 0, 4], timezone: 'Asia/Kolkata', paging: DEFAULT_PAGING });
  expect(v.recipients).not.toBe(raw.recipients);
  expect(v.steps).not.toBe(raw.steps);
  expect(raw.ignoreHours).toEqual([23, 0, 23, 4]);
  expect(parseCheckInput({ ...OK, ignoreHours: [0, 23] }).ignoreHours).toEqual([0, 23]);
});

test('check input: not an object -> field "input"', () => {
  for (const raw of [null, undefined, 'ops@example.com', 42, ['ops@example.com'], true]) expectField(raw, 'input');
});

test('check input: an unknown field is named', () => {
  const err = expectField({ ...OK, ignore_hours: [4] }, 'ignore_hours');
  expect(err.message).toContain('recipients');
  expectField({ ...OK, step: [1] }, 'step');
});

test('check input: recipients missing, not an array or empty -> "recipients"', () => {
  expectField({}, 'recipients');
  expectField({ recipients: 'ops@example.com' }, 'recipients');
  expectField({ recipients: [] }, 'recipients');
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

test('check input: the first bad field is reported (unknown fields before recipients before steps)', () => {
  expectField({ recipients: [], steps: [0], bogus: 1 }, 'bogus');
  expectField({ recipients: [], steps: [0] }, 'recipients');
  expectField({ recipients: ['a@x.io'], steps: [0], ignoreHours: [30] }, 'steps[0]');
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
