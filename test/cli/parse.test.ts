import { expect, test } from 'vitest';
import { checkInputFromFlags, parseDuration, parseList, UsageError } from '../../src/cli/parse.js';

function usageError(fn: () => unknown): UsageError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UsageError);
  return caught as UsageError;
}

test('cli: parseDuration converts s, m, h and d to milliseconds', () => {
  expect(parseDuration('30s', '--every')).toBe(30_000);
  expect(parseDuration('1m', '--every')).toBe(60_000);
  expect(parseDuration('2h', '--every')).toBe(7_200_000);
  expect(parseDuration('1d', '--every')).toBe(86_400_000);
  expect(parseDuration(' 15 m ', '--every')).toBe(900_000);
});

test('cli: parseDuration rejects zero, negatives, fractions, missing or unknown units and names the flag', () => {
  for (const text of ['0s', '0m', '-1m', '1.5h', '10', 'm', '1w', '', '1 hour', '2h30m']) {
    const err = usageError(() => parseDuration(text, '--mute-for'));
    expect(err.message.startsWith('--mute-for ')).toBe(true);
    expect(err.message).toContain(`"${text}"`);
  }
});

test('cli: parseList splits on commas, trims, and drops empty items', () => {
  expect(parseList('a@x.io, b@y.io ,,c@z.io,')).toEqual(['a@x.io', 'b@y.io', 'c@z.io']);
  expect(parseList('single')).toEqual(['single']);
  expect(parseList('')).toEqual([]);
  expect(parseList(' , ')).toEqual([]);
});

test('cli: checkInputFromFlags builds the input from flags', () => {
  expect(checkInputFromFlags({ recipients: 'a@x.io,b@y.io', steps: '5, 30,120', ignoreHours: '23,0', timezone: 'Europe/Berlin' })).toEqual({
    recipients: ['a@x.io', 'b@y.io'],
    steps: [5, 30, 120],
    ignoreHours: [23, 0],
    timezone: 'Europe/Berlin',
  });
  // unset flags stay unset (the workflow fills the defaults)
  expect(checkInputFromFlags({ recipients: 'a@x.io' })).toEqual({ recipients: ['a@x.io'] });
});

test('cli: checkInputFromFlags merges flags over a base; --ignore-hours "" clears quiet hours', () => {
  const base = { recipients: ['old@x.io'], steps: [1, 10], ignoreHours: [3, 4], timezone: 'Asia/Kolkata' };
  expect(checkInputFromFlags({ steps: '2,20' }, base)).toEqual({ recipients: ['old@x.io'], steps: [2, 20], ignoreHours: [3, 4], timezone: 'Asia/Kolkata' });
  expect(checkInputFromFlags({ ignoreHours: '' }, base)).toEqual({ ...base, ignoreHours: [] });
  expect(checkInputFromFlags({ recipients: 'new@x.io', timezone: 'UTC' }, base)).toEqual({ ...base, recipients: ['new@x.io'], timezone: 'UTC' });
  expect(base).toEqual({ recipients: ['old@x.io'], steps: [1, 10], ignoreHours: [3, 4], timezone: 'Asia/Kolkata' });
});

test('cli: --recipients or --channels is required when the base has neither', () => {
  const err = usageError(() => checkInputFromFlags({ steps: '1,10' }));
  expect(err.message).toBe('--recipients or --channels is required (email addresses, or channel names from "hostwatch channels list")');
  expect(usageError(() => checkInputFromFlags({ recipients: '' })).message).toMatch(/^--recipients or --channels is required/);
});

test('cli: --channels takes names and name:fromStep; --recipients "" clears the addresses when channels remain', () => {
  expect(checkInputFromFlags({ channels: 'team-chat, oncall:60' })).toEqual({ channels: ['team-chat', { name: 'oncall', fromStep: 60 }] });
  expect(checkInputFromFlags({ recipients: '' }, { recipients: ['ops@example.com'], channels: ['team'] })).toEqual({ channels: ['team'] });
  expect(checkInputFromFlags({ channels: 'team', grace: '2m' })).toEqual({ channels: ['team'], graceSeconds: 120 });
  expect(usageError(() => checkInputFromFlags({ channels: 'bad name' })).message).toBe('--channels: invalid check input: channels[0] is not a valid channel name: "bad name"');
  expect(usageError(() => checkInputFromFlags({ channels: 'a,a' })).message).toBe('--channels: invalid check input: channels[1] names channel "a" twice');
});

test('cli: validation errors name the CLI flag and the exact field', () => {
  expect(usageError(() => checkInputFromFlags({ recipients: 'a@x.io,nope' })).message).toMatch(/^--recipients: invalid check input: recipients\[1\] /);
  expect(usageError(() => checkInputFromFlags({ recipients: 'a@x.io', steps: '1,10,5' })).message).toMatch(/^--steps: invalid check input: steps\[2\] /);
  expect(usageError(() => checkInputFromFlags({ recipients: 'a@x.io', steps: '-1' })).message).toMatch(/^--steps: invalid check input: steps\[0\] /);
  expect(usageError(() => checkInputFromFlags({ recipients: 'a@x.io', steps: ',' })).message).toMatch(/^--steps: invalid check input: steps /);
  expect(usageError(() => checkInputFromFlags({ recipients: 'a@x.io', ignoreHours: '4,24' })).message).toMatch(/^--ignore-hours: invalid check input: ignoreHours\[1\] /);
  expect(usageError(() => checkInputFromFlags({ recipients: 'a@x.io', timezone: 'Mars/Base' })).message).toMatch(/^--timezone: invalid check input: timezone /);
  // a bad value inherited from the base is reported against the flag that would fix it
  expect(usageError(() => checkInputFromFlags({}, { recipients: ['a@x.io'], steps: [10, 1] })).message).toMatch(/^--steps: /);
});

test('cli: non-numeric --steps and --ignore-hours items are rejected before validation, naming the flag', () => {
  const steps = usageError(() => checkInputFromFlags({ recipients: 'a@x.io', steps: '1,ten' }));
  expect(steps.message).toBe('--steps must be a comma-separated list of whole numbers, got "ten"');
  const hours = usageError(() => checkInputFromFlags({ recipients: 'a@x.io', ignoreHours: '4.5' }));
  expect(hours.message.startsWith('--ignore-hours ')).toBe(true);
  expect(hours.message).toContain('"4.5"');
});

test('cli: an error in a field with no flag keeps the plain validation message', () => {
  const err = usageError(() => checkInputFromFlags({ recipients: 'a@x.io' }, { bogus: 1 } as never));
  expect(err.message).toMatch(/^invalid check input: bogus /);
});
