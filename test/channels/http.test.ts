/**
 * http.ts on its own: `Retry-After` as a wait (delta seconds, decimal seconds as some vendors send them, an HTTP
 * date; nothing for garbage or absence) and which statuses are retried.
 */
import { expect, test } from 'vitest';
import { isRetryableStatus, retryAfterMs } from '../../src/channels/http.js';

const NOW = Date.UTC(2026, 10, 23, 4, 0, 0);

test('Retry-After in delta seconds', () => {
  expect(retryAfterMs('7', NOW)).toBe(7000);
  expect(retryAfterMs('0', NOW)).toBe(0);
  expect(retryAfterMs(' 120 ', NOW)).toBe(120_000);
});

test('Retry-After in decimal seconds is not read as a date', () => {
  expect(retryAfterMs('1.5', NOW)).toBe(1500);
  expect(retryAfterMs('0.25', NOW)).toBe(250);
  expect(retryAfterMs('2.', NOW)).toBe(2000);
  expect(retryAfterMs('.5', NOW)).toBe(500);
});

test('Retry-After as an HTTP date: the time left until then, never below zero', () => {
  expect(retryAfterMs('Mon, 23 Nov 2026 04:00:30 GMT', NOW)).toBe(30_000);
  expect(retryAfterMs('Monday, 23-Nov-26 04:01:00 GMT', NOW)).toBe(60_000);
  expect(retryAfterMs('Sun, 22 Nov 2026 04:00:00 GMT', NOW)).toBe(0);
});

test('garbage and absence give no wait', () => {
  for (const value of ['soon', '-5', '1.5.3', '1e3', '5s', 'Mon, 99 Nov 2026 25:00:00 GMT', '', '   ', null]) {
    expect({ value, wait: retryAfterMs(value, NOW) }).toEqual({ value, wait: undefined });
  }
});

test('408, 429 and 5xx are retried; other statuses are not', () => {
  for (const status of [408, 429, 500, 502, 503, 504, 599]) expect({ status, retry: isRetryableStatus(status) }).toEqual({ status, retry: true });
  for (const status of [200, 204, 301, 400, 401, 403, 404, 409, 410, 413, 422]) expect({ status, retry: isRetryableStatus(status) }).toEqual({ status, retry: false });
});
