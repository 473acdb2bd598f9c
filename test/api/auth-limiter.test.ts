/** The failed-authentication limiter on its own: counting, windows, Retry-After and bounded memory. */
import { expect, test } from 'vitest';
import { AuthLimiter, DEFAULT_AUTH_LIMITS } from '../../src/api/auth-limiter.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);

test('defaults: 10 failures per source, 5 per key, per minute, 10,000 counters per table', () => {
  expect(DEFAULT_AUTH_LIMITS).toEqual({ perSource: 10, perKey: 5, windowMs: 60_000, maxEntries: 10_000 });
  expect(new AuthLimiter().limits).toEqual(DEFAULT_AUTH_LIMITS);
});

test('a source is limited at its 10th failure until the window that began at its first failure ends', () => {
  const l = new AuthLimiter();
  for (let i = 0; i < 9; i++) l.fail('10.0.0.1', undefined, T + i * 1000);
  expect(l.check('10.0.0.1', undefined, T + 9000)).toBeUndefined();
  l.fail('10.0.0.1', undefined, T + 9000);
  expect(l.check('10.0.0.1', undefined, T + 9000)).toEqual({ scope: 'source', retryAfterSeconds: 51 });
  expect(l.check('10.0.0.1', 'hk_any', T + 9000)).toEqual({ scope: 'source', retryAfterSeconds: 51 });
  // Whole seconds, rounded up, never 0.
  expect(l.check('10.0.0.1', undefined, T + 59_001)).toEqual({ scope: 'source', retryAfterSeconds: 1 });
  expect(l.check('10.0.0.1', undefined, T + 59_999)).toEqual({ scope: 'source', retryAfterSeconds: 1 });
  expect(l.check('10.0.0.1', undefined, T + 60_000)).toBeUndefined();
  // Other sources are not affected.
  expect(l.check('10.0.0.2', undefined, T + 9000)).toBeUndefined();
  // A new window starts with the next failure.
  l.fail('10.0.0.1', undefined, T + 60_000);
  expect(l.failures('source', '10.0.0.1', T + 60_000)).toBe(1);
});

test('a key is limited at its 5th failure from any sources; a source without failures is not', () => {
  const l = new AuthLimiter();
  for (let i = 0; i < 5; i++) l.fail(`192.0.2.${i}`, 'hk_target', T + i);
  expect(l.check('198.51.100.7', 'hk_target', T + 10)).toEqual({ scope: 'key', retryAfterSeconds: 60 });
  expect(l.check('198.51.100.7', 'hk_other', T + 10)).toBeUndefined();
  expect(l.check('198.51.100.7', undefined, T + 10)).toBeUndefined();
  expect(l.check('198.51.100.7', 'hk_target', T + 60_000)).toBeUndefined();
});

test('when both are limited the longer wait is reported', () => {
  const l = new AuthLimiter({ perSource: 2, perKey: 2 });
  l.fail('a', 'k1', T);
  l.fail('b', 'k2', T + 20_000);
  l.fail('a', 'k2', T + 30_000);
  // source a: resets at T+60 s; key k2: resets at T+80 s.
  expect(l.check('a', 'k2', T + 30_000)).toEqual({ scope: 'key', retryAfterSeconds: 50 });
  expect(l.check('a', 'k1', T + 30_000)).toEqual({ scope: 'source', retryAfterSeconds: 30 });
});

test('limits are validated, naming the option', () => {
  expect(() => new AuthLimiter({ perKey: 0 })).toThrow('authLimits.perKey must be a whole number >= 1, got 0');
  expect(() => new AuthLimiter({ windowMs: 1.5 })).toThrow('authLimits.windowMs must be a whole number >= 1, got 1.5');
  expect(() => new AuthLimiter({ maxEntries: Number.NaN })).toThrow('authLimits.maxEntries must be a whole number >= 1, got NaN');
});

test('memory stays bounded: expired counters are dropped, and at most maxEntries are kept per table', () => {
  const l = new AuthLimiter({ maxEntries: 1000 });
  // 100,000 distinct keys from 100,000 distinct sources within one window: capped at 1,000 each.
  for (let i = 0; i < 100_000; i++) l.fail(`src-${i}`, `hk_${i}`, T + Math.floor(i / 10));
  expect(l.size).toEqual({ sources: 1000, keys: 1000 });
  // The newest are kept (the oldest dropped first).
  expect(l.failures('key', 'hk_99999', T + 10_000)).toBe(1);
  expect(l.failures('key', 'hk_98999', T + 10_000)).toBe(0);
  // A failure after every window has ended leaves only its own counters.
  l.fail('late', 'hk_late', T + 10 * 60_000);
  expect(l.size).toEqual({ sources: 1, keys: 1 });

  // With the default cap, a steady flood of distinct keys never holds more than one window's worth.
  const d = new AuthLimiter({ maxEntries: 10_000 });
  let most = 0;
  for (let i = 0; i < 50_000; i++) {
    d.fail('attacker', `hk_guess_${i}`, T + i * 20); // 50 per second, 3,000 per minute
    most = Math.max(most, d.size.keys);
  }
  expect(most).toBe(3000);
  expect(d.size.sources).toBe(1);
});
