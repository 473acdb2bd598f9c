/**
 * Failed-authentication limits for the API, per source address and per presented key (or the admin token).
 * Fixed windows: the first failure opens a window of `windowMs`; once `perSource` (or `perKey`) failures fall
 * in it, that source (or key) is refused with 429 until the window ends. In memory, per API process.
 */

export interface AuthLimits {
  /** Failed attempts from one source address per window. */
  perSource: number;
  /** Failed attempts with one key (from any source) per window. */
  perKey: number;
  windowMs: number;
}

export const DEFAULT_AUTH_LIMITS: Readonly<AuthLimits> = Object.freeze({ perSource: 30, perKey: 10, windowMs: 60_000 });

/** How long a source stays trusted for a key after it authenticated with it. */
const TRUSTED_FOR_MS = 24 * 60 * 60_000;

interface Counter {
  failures: number;
  until: number;
}

/** Least recently touched first (a Map keeps insertion order; entries are re-inserted when touched). */
class BoundedMap<V extends { until: number }> {
  private readonly map = new Map<string, V>();
  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The live entry, or undefined once it expired (then it is dropped). */
  get(key: string, now: number): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined && v.until <= now) {
      this.map.delete(key);
      return undefined;
    }
    return v;
  }

  set(key: string, value: V, now: number): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.maxEntries) return;
    for (const [k, v] of this.map) if (v.until <= now) this.map.delete(k);
    // Still full of live entries: forget the least recently touched.
    for (const k of this.map.keys()) {
      if (this.map.size <= this.maxEntries) break;
      this.map.delete(k);
    }
  }
}

export interface AuthAttempt {
  /** Source address of the request. */
  source: string;
  /** The presented host key, or a fixed name for the admin token; undefined when none was presented. */
  key?: string;
}

export class AuthFailureLimiter {
  private readonly counters: BoundedMap<Counter>;
  /** `key \n source` pairs that authenticated recently: a key's limit does not lock its own host out. */
  private readonly trusted: BoundedMap<{ until: number }>;

  constructor(
    readonly limits: Readonly<AuthLimits> = DEFAULT_AUTH_LIMITS,
    maxEntries = 50_000,
  ) {
    this.counters = new BoundedMap(maxEntries);
    this.trusted = new BoundedMap(maxEntries);
  }

  /** Counters and trusted pairs held (bounded by `maxEntries` each). */
  get size(): number {
    return this.counters.size + this.trusted.size;
  }

  /**
   * Whole seconds until this attempt may be checked, or 0 when it may be checked now. Asked before the
   * credentials are looked at, so a refused attempt learns nothing about them.
   */
  retryAfter(a: AuthAttempt, now: number): number {
    let until = this.blockedUntil(`s:${a.source}`, this.limits.perSource, now);
    if (a.key !== undefined && this.trusted.get(`${a.key}\n${a.source}`, now) === undefined) {
      until = Math.max(until, this.blockedUntil(`k:${a.key}`, this.limits.perKey, now));
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  failed(a: AuthAttempt, now: number): void {
    this.count(`s:${a.source}`, now);
    if (a.key !== undefined) this.count(`k:${a.key}`, now);
  }

  succeeded(a: AuthAttempt, now: number): void {
    if (a.key !== undefined) this.trusted.set(`${a.key}\n${a.source}`, { until: now + TRUSTED_FOR_MS }, now);
  }

  private blockedUntil(id: string, limit: number, now: number): number {
    const c = this.counters.get(id, now);
    return c !== undefined && c.failures >= limit ? c.until : 0;
  }

  private count(id: string, now: number): void {
    const c = this.counters.get(id, now) ?? { failures: 0, until: now + this.limits.windowMs };
    c.failures++;
    this.counters.set(id, c, now);
  }
}
