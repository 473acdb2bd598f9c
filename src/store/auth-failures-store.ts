/**
 * Failed-authentication counts shared by every API process (src/api/auth-limiter.ts), in three collections:
 * - `auth_failures`: one document per counted failure, `{_id: "<id>:<window start>:<n>", until}`: the n-th
 *   failure of a source or key in a window. FerretDB 1.24 applies `$inc` and findOneAndUpdate as read-then-write
 *   (concurrent increments are lost: 20 concurrent `$inc` by `_id` left 6), but a unique `_id` insert is atomic,
 *   so each failure claims the next free slot number instead;
 * - `auth_blocks`: the sources and keys that reached their limit, `{_id: "<id>:<until>", until}`: small, read by
 *   every process each second;
 * - `auth_trust`: key-and-address pairs that authenticated, `{_id, until}`.
 * Every id is a SHA-256 of the name (never the raw key, secret or address). Windows are fixed and aligned to
 * multiples of the window length, so every process agrees on them. Lookups and writes are by `_id`; FerretDB
 * 1.24 has no TTL index, so expiry is in the queries and `sweep` deletes ended documents.
 */
import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './mongo.js';

interface UntilDoc {
  _id: string;
  until: Date;
}

/** The stored id of a counter, block or trusted pair name. */
export function authId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export class AuthFailureStore {
  readonly failures: Collection<UntilDoc>;
  readonly blocks: Collection<UntilDoc>;
  readonly trust: Collection<UntilDoc>;

  constructor(db: Db) {
    this.failures = db.collection<UntilDoc>('auth_failures');
    this.blocks = db.collection<UntilDoc>('auth_blocks');
    this.trust = db.collection<UntilDoc>('auth_trust');
  }

  /** The window holding `now`: [start, until). */
  static window(windowMs: number, now: number): { start: number; until: number } {
    const start = Math.floor(now / windowMs) * windowMs;
    return { start, until: start + windowMs };
  }

  /**
   * Counts one failure for `id` (an `authId`) in the window holding `now`: claims the first free slot from
   * `from` (slots below it are known taken). Returns the failure's number in the window and the window's end.
   */
  async recordFailure(id: string, windowMs: number, now: number, from = 1): Promise<{ failures: number; until: number }> {
    const { start, until } = AuthFailureStore.window(windowMs, now);
    for (let n = Math.max(1, from); n < from + 10_000; n++) {
      try {
        await this.failures.insertOne({ _id: `${id}:${start}:${n}`, until: new Date(until) });
        return { failures: n, until };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new Error(`auth_failures: no free slot for ${id.slice(0, 12)}… in the window from ${new Date(start).toISOString()}`);
  }

  /** Marks `id` as over its limit until `until` (every process writes the same document for one window). */
  async block(id: string, until: number): Promise<void> {
    await this.ignoringDuplicate(this.blocks.insertOne({ _id: `${id}:${until}`, until: new Date(until) }));
  }

  /** The blocks still in force at `now`: id → until (epoch ms). */
  async liveBlocks(now: number): Promise<Map<string, number>> {
    const docs = await this.blocks.find({ until: { $gt: new Date(now) } }).toArray();
    const out = new Map<string, number>();
    for (const d of docs) {
      const id = d._id.slice(0, d._id.indexOf(':'));
      out.set(id, Math.max(out.get(id) ?? 0, d.until.getTime()));
    }
    return out;
  }

  /** Trusts the pair `id` until `until` (another process writing it at the same moment wins instead). */
  async setTrusted(id: string, until: number): Promise<void> {
    await this.ignoringDuplicate(this.trust.updateOne({ _id: id }, { $max: { until: new Date(until) } }, { upsert: true }));
  }

  private async ignoringDuplicate(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Until when the pair `id` is trusted (epoch ms), or 0. */
  async trustedUntil(id: string, now: number): Promise<number> {
    const d = await this.trust.findOne({ _id: id });
    return d && d.until.getTime() > now ? d.until.getTime() : 0;
  }

  /** Deletes counters, blocks and trusted pairs that ended before `now`. */
  async sweep(now: number): Promise<number> {
    const old = { until: { $lte: new Date(now) } };
    const r = await Promise.all([this.failures.deleteMany(old), this.blocks.deleteMany(old), this.trust.deleteMany(old)]);
    return r.reduce((n, x) => n + x.deletedCount, 0);
  }
}
