/** The pure input checks of ops/rules.ts and ops/channels.ts: what each refuses, under which field, and what it keeps. */
import { expect, test } from 'vitest';
import { checkChannelInput } from '../../src/ops/channels.js';
import { OpError } from '../../src/ops/errors.js';
import { checkRuleChanges, checkRuleInput } from '../../src/ops/rules.js';

function refusal(fn: () => unknown): { code: string; field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OpError);
    const e = err as OpError;
    return { code: e.code, ...(e.field !== undefined && { field: e.field }), message: e.message };
  }
  throw new Error('expected a refusal');
}

test('a rule input becomes the spec the store takes: op and threshold, default steps, hosts once, tags normalized', () => {
  expect(checkRuleInput({ name: 'disk-full', metric: 'disk', above: 90, clear: 85, hosts: ['db-1', 'db-1'], tags: ['Prod', 'eu'] })).toEqual({
    name: 'disk-full',
    metric: 'disk',
    op: 'above',
    threshold: 90,
    clear: 85,
    steps: [5, 60, 240, 1440],
    hosts: ['db-1'],
    tags: ['eu', 'prod'],
  });
  expect(checkRuleInput({ name: 'rebooted', metric: 'reboot' })).toEqual({ name: 'rebooted', metric: 'reboot', steps: [] });
  expect(checkRuleInput({ name: 'busy', metric: 'load5', below: 0.5, perCpu: true, steps: [10] })).toMatchObject({ op: 'below', threshold: 0.5, perCpu: true, steps: [10] });
});

test('rule inputs are refused naming the input field, with the rule\'s own message', () => {
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: 90, below: 1 }))).toEqual({ code: 'invalid', field: 'below', message: 'above and below: give one of them, not both' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: Number.NaN }))).toEqual({ code: 'invalid', field: 'above', message: 'invalid rule above: must be a number' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: 90, perCpu: true }))).toMatchObject({ field: 'perCpu', message: 'invalid rule per-cpu: applies only to load1, load5 and load15' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'reboot', clear: 3 }))).toMatchObject({ field: 'clear', message: 'invalid rule clear: a reboot rule takes no threshold: it notices an uptime that went backwards' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: 9, steps: [] }))).toMatchObject({ field: 'steps' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: 9, steps: ['5'] }))).toMatchObject({ field: 'steps' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: 9, hosts: ['ok', 'not ok'] }))).toMatchObject({ field: 'hosts[1]', message: expect.stringContaining('invalid host name "not ok"') });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 'cpu', above: 9, tags: ['fine', '-bad'] }))).toMatchObject({ field: 'tags[1]' });
  expect(refusal(() => checkRuleInput({ name: 42, metric: 'cpu', above: 9 }))).toMatchObject({ field: 'name' });
  expect(refusal(() => checkRuleInput({ name: 'x', metric: 7 }))).toMatchObject({ field: 'metric' });
});

test('rule changes: only what is named; null forgets; nothing named is refused', () => {
  expect(checkRuleChanges({ below: 20, clear: null, hosts: null, tags: ['Lab'] })).toEqual({ op: 'below', threshold: 20, clear: null, hosts: null, tags: ['lab'] });
  expect(checkRuleChanges({ perCpu: false })).toEqual({ perCpu: false });
  expect(refusal(() => checkRuleChanges({}))).toEqual({ code: 'invalid', field: 'body', message: 'name at least one setting to change' });
  expect(refusal(() => checkRuleChanges({ name: 'a b' }))).toMatchObject({ field: 'name' });
  expect(refusal(() => checkRuleChanges({ perCpu: 'yes' }))).toMatchObject({ field: 'perCpu' });
});

test('a channel input is refused naming name or url, never quoting the URL', () => {
  const secret = 'tok3n-Zq81x-never-shown';
  expect(checkChannelInput({ name: 'ops', url: 'mailto:ops@example.com' })).toEqual({ name: 'ops', url: 'mailto:ops@example.com' });
  for (const [input, field] of [
    [{ name: `slack+https://hooks.slack.com/${secret}`, url: 'mailto:a@example.com' }, 'name'],
    [{ name: 'ok', url: `nosuchkind+https://example.com/${secret}` }, 'url'],
    [{ name: 'ok', url: `slack+https://hooks.slack.com/services/${secret}#x` }, 'url'],
    [{ name: 'ok', url: 7 }, 'url'],
    [{ url: 'mailto:a@example.com' }, 'name'],
  ] as const) {
    const r = refusal(() => checkChannelInput(input));
    expect(r).toMatchObject({ code: 'invalid', field });
    expect(r.message).not.toContain(secret);
  }
});
