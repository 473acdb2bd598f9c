import { expect, test } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { jsonLogLine, safeStringify } from '../src/logging.js';

const AT = BigInt(Date.UTC(2026, 10, 23, 5, 0, 0, 12)) * 1_000_000n;

test('jsonLogLine: time, lower-case level and message first, then the metadata', () => {
  const line = jsonLogLine({ level: 'WARN', message: 'Activity failed', timestampNanos: AT, meta: { activityType: 'sendDigest', attempt: 2 } });
  expect(line).toBe('{"time":"2026-11-23T05:00:00.012Z","level":"warn","message":"Activity failed","activityType":"sendDigest","attempt":2}');
  expect(line).not.toContain('\n');
});

test('jsonLogLine: metadata named time, level or message does not overwrite them', () => {
  const parsed = JSON.parse(jsonLogLine({ level: 'INFO', message: 'm', timestampNanos: AT, meta: { message: 'other', level: 1, x: true } }));
  expect(parsed).toEqual({ time: '2026-11-23T05:00:00.012Z', level: 'info', message: 'm', x: true, fields: { message: 'other', level: 1 } });
});

test('safeStringify: errors keep name, message, failure type and cause; bigints, functions and cycles do not throw', () => {
  const failure = ApplicationFailure.create({ type: 'SmtpRejected', nonRetryable: true, message: 'mail server rejected the digest: 550 no' });
  const cyclic: Record<string, unknown> = { n: 1n, f: () => 1 };
  cyclic.self = cyclic;
  const out = JSON.parse(safeStringify({ error: failure, wrapped: new Error('outer', { cause: new TypeError('inner') }), cyclic }));
  expect(out.error).toMatchObject({ name: 'ApplicationFailure', type: 'SmtpRejected', nonRetryable: true, message: 'mail server rejected the digest: 550 no' });
  expect(out.error.stack).toContain('ApplicationFailure');
  expect(out.wrapped).toMatchObject({ name: 'Error', message: 'outer', cause: { name: 'TypeError', message: 'inner' } });
  expect(out.cyclic).toEqual({ n: '1', self: '[circular]' });
});
