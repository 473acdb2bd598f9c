/**
 * Enrolment tokens (issue 14): `hostwatch enroll create` makes one, `hostwatch agent --enroll TOKEN` trades it for a
 * host of its own (`POST /api/v1/enroll`). Two collections:
 * - `enroll_tokens`: `{_id: <24 hex>, secretHash, tags, uses, expiresAt, createdAt, revokedAt?}`; the token is
 *   `et_<_id>_<secret>`, so it is found by `_id` alone (the only filter FerretDB 1.24 serves from its index) and
 *   only the SHA-256 of its secret part is stored, like a host secret (credentials.ts);
 * - `enroll_uses`: one document per use, `{_id: "<token id>:<n>", token, host, at}` for the n-th of `uses`.
 *   FerretDB applies `$inc` as read-then-write (concurrent increments are lost, see auth-failures-store.ts), but a
 *   unique `_id` insert is atomic, so an enrolment claims a free slot number instead of counting: two enrolments
 *   can never hold the same slot, and there are only `uses` slots. A claim whose host could not be created is
 *   deleted, so the use is not consumed.
 */
import { randomBytes } from 'node:crypto';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { hashSecret, secretMatches } from './credentials.js';
import type { HostStore } from './hosts-store.js';
import { isDuplicateKey } from './mongo.js';
import { normalizeTags } from './tags.js';

export interface EnrollTokenDoc {
  /** 24 lower-case hex digits; the token's id part. */
  _id: string;
  /** SHA-256 (hex) of the token's secret part. */
  secretHash: string;
  /** Tags every host enrolled with it gets (tags.ts). */
  tags: string[];
  /** How many hosts it may enrol. */
  uses: number;
  expiresAt: Date;
  createdAt: Date;
  revokedAt?: Date;
}

interface UseDoc {
  _id: string;
  token: string;
  host: string;
  at: Date;
}

/** Longest and shortest validity of a token, in ms (`--expires`). */
export const MIN_EXPIRES_MS = 60_000;
export const MAX_EXPIRES_MS = 365 * 86_400_000;
export const DEFAULT_EXPIRES_MS = 7 * 86_400_000;
/** Most hosts one token may enrol (`--uses`). */
export const MAX_USES = 10_000;

const TOKEN = /^et_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;
/** Compared with a presented secret when the token id is unknown, so the answer takes as long as for a known one. */
const DUMMY_HASH = hashSecret(randomBytes(32).toString('base64url'));

/** Why a token enrols nothing: no such token or a wrong secret (`unknown`), or a known one that is done. */
export type RefusalReason = 'unknown' | 'expired' | 'spent' | 'revoked';

export type EnrollResult =
  | { ok: true; name: string; id: string; key: string; secret: string; tags: string[] }
  | { ok: false; reason: RefusalReason };

/** A token as `enroll list` shows it: never the token itself. */
export interface EnrollTokenView {
  id: string;
  tags: string[];
  uses: number;
  usesLeft: number;
  expiresAt: Date;
  createdAt: Date;
  revokedAt?: Date;
  state: 'active' | 'expired' | 'spent' | 'revoked';
}

/** A bad `enroll create` setting, naming the field. */
export class InvalidEnrollSettingError extends Error {
  override name = 'InvalidEnrollSettingError';
}

export class UnknownEnrollTokenError extends Error {
  override name = 'UnknownEnrollTokenError';
  constructor(readonly id: string) {
    super(`no enrolment token "${id.slice(0, 80)}" (see "hostwatch enroll list")`);
  }
}

/** The id part of a token, or undefined when it does not have a token's shape. */
export function enrollTokenId(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}

export class EnrollStore {
  readonly tokens: Collection<EnrollTokenDoc>;
  readonly uses: Collection<UseDoc>;

  constructor(db: Db) {
    this.tokens = db.collection<EnrollTokenDoc>('enroll_tokens');
    this.uses = db.collection<UseDoc>('enroll_uses');
  }

  /**
   * Makes a token: valid for `expiresMs` (default 7 days, 1 minute to 365 days) for `uses` hosts (default 1,
   * 1 to 10,000), each enrolled with `tags`. Returns the token, shown once (only its hash is stored).
   */
  async create(options: { tags?: readonly string[]; expiresMs?: number; uses?: number; now?: Date } = {}): Promise<{ id: string; token: string; expiresAt: Date }> {
    const tags = normalizeTags(options.tags ?? []);
    const expiresMs = options.expiresMs ?? DEFAULT_EXPIRES_MS;
    if (!Number.isFinite(expiresMs) || expiresMs < MIN_EXPIRES_MS || expiresMs > MAX_EXPIRES_MS) {
      throw new InvalidEnrollSettingError('--expires must be between 1m and 365d');
    }
    const uses = options.uses ?? 1;
    if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES) throw new InvalidEnrollSettingError(`--uses must be a whole number from 1 to ${MAX_USES}`);
    const now = options.now ?? new Date();
    const id = new ObjectId().toHexString();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + expiresMs);
    await this.tokens.insertOne({ _id: id, secretHash: hashSecret(secret), tags, uses, expiresAt, createdAt: now });
    return { id, token: `et_${id}_${secret}`, expiresAt };
  }

  /**
   * Registers host `name` with the token's tags if `token` is live and has a use left; otherwise creates nothing
   * and says why. Throws DuplicateHostError (the use is not consumed) when a host of that name exists.
   */
  async enroll(token: string, name: string, hosts: HostStore, now: Date = new Date()): Promise<EnrollResult> {
    const m = TOKEN.exec(token);
    const doc = m ? await this.tokens.findOne({ _id: m[1]! }) : null;
    // Always one comparison, against a dummy hash when the id is unknown: the timing does not tell.
    const matches = secretMatches(m?.[2] ?? '', doc?.secretHash ?? DUMMY_HASH);
    if (!doc || !matches) return { ok: false, reason: 'unknown' };
    if (doc.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
    if (doc.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    const slot = await this.claim(doc, name, now);
    if (slot === undefined) return { ok: false, reason: 'spent' };
    try {
      const created = await hosts.add(name, { tags: doc.tags });
      return { ok: true, name, tags: doc.tags, ...created };
    } catch (err) {
      await this.uses.deleteOne({ _id: slot });
      throw err;
    }
  }

  /**
   * Claims a free use slot of `doc`: the first free one found by halving over slots read by `_id` (slots are
   * claimed from the lowest, so they are taken from 1 up but for released ones), then upwards; only when those are
   * all taken, one read of the token's claims finds released ones. Undefined: every slot is taken.
   */
  private async claim(doc: EnrollTokenDoc, host: string, at: Date): Promise<string | undefined> {
    const slotId = (n: number) => `${doc._id}:${n}`;
    const tryInsert = async (n: number): Promise<boolean> => {
      try {
        await this.uses.insertOne({ _id: slotId(n), token: doc._id, host, at });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    };
    let lo = 1;
    let hi = doc.uses + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.uses.findOne({ _id: slotId(mid) }, { projection: { _id: 1 } })) lo = mid + 1;
      else hi = mid;
    }
    for (let n = lo; n <= doc.uses; n++) if (await tryInsert(n)) return slotId(n);
    const taken = new Set((await this.uses.find({ token: doc._id }, { projection: { _id: 1 } }).toArray()).map((u) => u._id));
    for (let n = 1; n < lo; n++) if (!taken.has(slotId(n)) && (await tryInsert(n))) return slotId(n);
    return undefined;
  }

  /** Every token, newest first, with its uses left (one read of each collection: an admin listing). */
  async list(now: Date = new Date()): Promise<EnrollTokenView[]> {
    const [docs, uses] = await Promise.all([this.tokens.find({}).toArray(), this.uses.find({}, { projection: { token: 1 } }).toArray()]);
    const used = new Map<string, number>();
    for (const u of uses) used.set(u.token, (used.get(u.token) ?? 0) + 1);
    return docs
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : -1))
      .map((d) => {
        const usesLeft = Math.max(0, d.uses - (used.get(d._id) ?? 0));
        const state = d.revokedAt !== undefined ? 'revoked' : d.expiresAt.getTime() <= now.getTime() ? 'expired' : usesLeft === 0 ? 'spent' : 'active';
        return { id: d._id, tags: d.tags, uses: d.uses, usesLeft, expiresAt: d.expiresAt, createdAt: d.createdAt, ...(d.revokedAt && { revokedAt: d.revokedAt }), state };
      });
  }

  /** Revokes the token with id `id` (or the token itself): it enrols nothing from now on; hosts it enrolled stay. */
  async revoke(idOrToken: string, now: Date = new Date()): Promise<void> {
    const id = enrollTokenId(idOrToken) ?? idOrToken;
    if (!/^[0-9a-f]{24}$/.test(id)) throw new UnknownEnrollTokenError(id);
    const r = await this.tokens.updateOne({ _id: id }, { $set: { revokedAt: now } });
    if (r.matchedCount === 0) throw new UnknownEnrollTokenError(id);
  }
}
