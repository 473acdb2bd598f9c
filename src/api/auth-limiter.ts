/**
 * Failed-authentication limits for the API, per source address and per presented key (or the admin token).
 * Fixed windows: the first failure opens a window of `windowMs`; once `perSource` (or `perKey`) failures fall
 * in it, that source (or key) is refused with 429 until the window ends.
 * Without a store the counts are in memory, per API process. With an AuthFailureStore (server.ts) they are shared
 * by every API process on the database: each failure is counted there too (`$inc` by `_id`), and every
 * `refreshMs` each process reads the sources and keys over their limit into memory, so the checks before
 * authentication, and everything a correct report does, read memory only. See docs/security.md.
 */
import { AuthFailureStore, authId } from '../store/auth-failures-store.js';

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

export interface SharedLimiterOptions {
  /** Where the counts are shared; none: in memory only. */
  store?: AuthFailureStore;
  /** How often the blocked sources and keys are read from the store (the propagation delay); 1 s. */
  refreshMs?: number;
  /** How often ended documents are deleted from the store; 10 min. */
  sweepMs?: number;
  /** The clock of the timers' reads (the API's own clock in tests). */
  clock?: () => number;
  /** A store read or write failed (the limiter then goes on with what it has in memory). */
  onError?: (err: unknown) => void;
}

export class AuthFailureLimiter {
  private readonly counters: BoundedMap<Counter>;
  /** `key \n source` pairs that authenticated recently: a key's limit does not lock its own host out. */
  private readonly trusted: BoundedMap<{ until: number }>;
  /** Sources and keys over their limit in any process (by `authId`), as last read from the store. */
  private shared = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private readonly store: AuthFailureStore | undefined;

  constructor(
    readonly limits: Readonly<AuthLimits> = DEFAULT_AUTH_LIMITS,
    maxEntries = 50_000,
    private readonly opts: SharedLimiterOptions = {},
  ) {
    this.counters = new BoundedMap(maxEntries);
    this.trusted = new BoundedMap(maxEntries);
    this.store = opts.store;
  }

  /** Reads the blocks now, then every `refreshMs`; sweeps every `sweepMs`. No-op without a store. */
  async start(): Promise<void> {
    if (!this.store || this.timers.length > 0) return;
    await this.refresh();
    const every = (ms: number, f: () => Promise<unknown>) => setInterval(() => void f().catch((err) => this.opts.onError?.(err)), ms).unref();
    this.timers = [every(this.opts.refreshMs ?? 1_000, () => this.refresh()), every(this.opts.sweepMs ?? 600_000, () => this.store!.sweep(this.clock()))];
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Reads the sources and keys over their limit from the store. */
  async refresh(): Promise<void> {
    if (this.store) this.shared = await this.store.liveBlocks(this.clock());
  }

  private clock(): number {
    return (this.opts.clock ?? Date.now)();
  }

  /** Counters and trusted pairs held (bounded by `maxEntries` each). */
  get size(): number {
    return this.counters.size + this.trusted.size;
  }

  /**
   * Whole seconds until this attempt may be checked, or 0 when it may be checked now. Asked before the
   * credentials are looked at, so a refused attempt learns nothing about them.
   */
  async retryAfter(a: AuthAttempt, now: number): Promise<number> {
    let until = this.blockedUntil(`s:${a.source}`, this.limits.perSource, now);
    if (a.key !== undefined && !(await this.isTrusted(a.key, a.source, now))) {
      until = Math.max(until, this.blockedUntil(`k:${a.key}`, this.limits.perKey, now));
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  /** Counts a 401 here and, with a store, in the store (the slow path: one write per counter). */
  async failed(a: AuthAttempt, now: number): Promise<void> {
    const counts = [this.count(`s:${a.source}`, this.limits.perSource, now)];
    if (a.key !== undefined) counts.push(this.count(`k:${a.key}`, this.limits.perKey, now));
    await Promise.all(counts);
  }

  /** Trusts the pair; with a store, writes it there when it is new here or a day's trust has begun to age. */
  succeeded(a: AuthAttempt, now: number): void {
    if (a.key === undefined) return;
    const name = `${a.key}\n${a.source}`;
    const known = this.trusted.get(name, now);
    if (known !== undefined && known.until - now > TRUSTED_FOR_MS - 3_600_000) return;
    this.trusted.set(name, { until: now + TRUSTED_FOR_MS }, now);
    this.store?.setTrusted(authId(name), now + TRUSTED_FOR_MS).catch((err) => this.opts.onError?.(err));
  }

  /** Trusted here, or (only asked when the key is over its limit) trusted by another process. */
  private async isTrusted(key: string, source: string, now: number): Promise<boolean> {
    const name = `${key}\n${source}`;
    if (this.trusted.get(name, now) !== undefined) return true;
    if (!this.store || this.blockedUntil(`k:${key}`, this.limits.perKey, now) <= now) return false;
    try {
      const until = await this.store.trustedUntil(authId(name), now);
      if (until > now) this.trusted.set(name, { until }, now);
      return until > now;
    } catch (err) {
      this.opts.onError?.(err);
      return false;
    }
  }

  private blockedUntil(name: string, limit: number, now: number): number {
    const c = this.counters.get(name, now);
    const local = c !== undefined && c.failures >= limit ? c.until : 0;
    if (!this.store) return local;
    const shared = this.shared.get(authId(name)) ?? 0;
    return Math.max(local, shared > now ? shared : 0);
  }

  private async count(name: string, limit: number, now: number): Promise<void> {
    // Shared: windows aligned to multiples of windowMs, the same in every process. Alone: opened by the first failure.
    const until = this.store ? AuthFailureStore.window(this.limits.windowMs, now).until : now + this.limits.windowMs;
    const c = this.counters.get(name, now) ?? { failures: 0, until };
    c.failures++;
    this.counters.set(name, c, now);
    if (!this.store) return;
    const id = authId(name);
    try {
      // Slots below this process's own count are known taken.
      const stored = await this.store.recordFailure(id, this.limits.windowMs, now, c.until === until ? c.failures : 1);
      // The failure's number counts those of every process.
      const mine = this.counters.get(name, now);
      this.counters.set(name, { failures: Math.max(stored.failures, mine?.until === stored.until ? mine.failures : 0), until: stored.until }, now);
      if (stored.failures >= limit) {
        this.shared.set(id, stored.until);
        await this.store.block(id, stored.until);
      }
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
