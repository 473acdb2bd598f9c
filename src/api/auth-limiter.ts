/**
 * Counts failed authentications per source address and per presented key, in memory, and says when either
 * is over its limit. Pure apart from the clock, which the caller passes in as epoch milliseconds.
 */

export interface AuthLimits {
  /** Failed authentications allowed from one source address per window, before 429. Default 10. */
  perSource: number;
  /** Failed authentications allowed for one presented key (from any source) per window, before 429. Default 5. */
  perKey: number;
  /** Window length in milliseconds; it starts at the first failure. Default 60,000 (1 minute). */
  windowMs: number;
  /** Most counters kept in each of the two tables (sources, keys); the oldest is dropped beyond it. Default 10,000. */
  maxEntries: number;
}

export const DEFAULT_AUTH_LIMITS: Readonly<AuthLimits> = Object.freeze({ perSource: 10, perKey: 5, windowMs: 60_000, maxEntries: 10_000 });

export type LimitScope = 'source' | 'key';

/** A refusal: which counter is over its limit and how many whole seconds until it resets (at least 1). */
export interface Limited {
  scope: LimitScope;
  retryAfterSeconds: number;
}

interface Counter {
  failures: number;
  resetAt: number;
}

/** One table of counters. Map order is insertion order, which is also reset order (the window is fixed). */
class CounterTable {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.counters.size;
  }

  /** Drops expired counters from the front; they are the oldest, so the loop stops at the first live one. */
  private sweep(now: number): void {
    for (const [id, c] of this.counters) {
      if (c.resetAt > now) break;
      this.counters.delete(id);
    }
  }

  failures(id: string, now: number): number {
    const c = this.counters.get(id);
    return c && c.resetAt > now ? c.failures : 0;
  }

  limited(id: string, now: number): number | undefined {
    const c = this.counters.get(id);
    if (!c || c.resetAt <= now || c.failures < this.limit) return undefined;
    return c.resetAt - now;
  }

  fail(id: string, now: number): void {
    this.sweep(now);
    const c = this.counters.get(id);
    if (c && c.resetAt > now) {
      c.failures++;
      return;
    }
    if (c) this.counters.delete(id);
    while (this.counters.size >= this.maxEntries) {
      const oldest = this.counters.keys().next().value as string;
      this.counters.delete(oldest);
    }
    this.counters.set(id, { failures: 1, resetAt: now + this.windowMs });
  }
}

/** Checks a limit value and names it in the error. */
export function validateAuthLimits(limits: AuthLimits): AuthLimits {
  for (const name of ['perSource', 'perKey', 'windowMs', 'maxEntries'] as const) {
    const v = limits[name];
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`authLimits.${name} must be a whole number >= 1, got ${String(v)}`);
  }
  return limits;
}

export class AuthLimiter {
  readonly limits: Readonly<AuthLimits>;
  private readonly sources: CounterTable;
  private readonly keys: CounterTable;

  constructor(limits: Partial<AuthLimits> = {}) {
    this.limits = Object.freeze(validateAuthLimits({ ...DEFAULT_AUTH_LIMITS, ...limits }));
    const { perSource, perKey, windowMs, maxEntries } = this.limits;
    this.sources = new CounterTable(perSource, windowMs, maxEntries);
    this.keys = new CounterTable(perKey, windowMs, maxEntries);
  }

  /**
   * Whether a request from `source` presenting `key` must be refused now, before its credentials are looked
   * at. When both are limited, the longer wait is reported.
   */
  check(source: string, key: string | undefined, now: number): Limited | undefined {
    const bySource = this.sources.limited(source, now);
    const byKey = key === undefined ? undefined : this.keys.limited(key, now);
    if (bySource === undefined && byKey === undefined) return undefined;
    const scope: LimitScope = byKey !== undefined && (bySource === undefined || byKey > bySource) ? 'key' : 'source';
    const ms = Math.max(bySource ?? 0, byKey ?? 0);
    return { scope, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
  }

  /** Records one failed authentication; an absent key counts for the source only. */
  fail(source: string, key: string | undefined, now: number): void {
    this.sources.fail(source, now);
    if (key !== undefined) this.keys.fail(key, now);
  }

  /** Failures counted in the current window for one source or key (for tests and diagnostics). */
  failures(scope: LimitScope, id: string, now: number): number {
    return (scope === 'source' ? this.sources : this.keys).failures(id, now);
  }

  /** Counters currently held (for tests and diagnostics). */
  get size(): { sources: number; keys: number } {
    return { sources: this.sources.size, keys: this.keys.size };
  }
}
