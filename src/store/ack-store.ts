/**
 * Acknowledgements (ALERTING.md rule 6) and the signed acknowledge links (issue 14 point 3).
 *
 * An acknowledgement is `alerts.<instance key>.ack = { at, by }` on the instance it stops: the check's state writes and
 * the ingest's condition writes set fields below an instance, never the instance as a whole, so they keep it; the
 * instance goes, with its ack, when the check has told its end (rule 4). An offline host not notified yet has no
 * entry: acknowledging writes `start` and `ack` of the current instance (`offline_<lastReportAt>`, no `sent`), so
 * nothing is ever sent for it and its end is dropped without a line.
 *
 * A link token names one instance: base64url of the host id (12 bytes), the instance key in binary (offline: the
 * start; metric: the start, the rule id and the item hash) and an HMAC-SHA256 of both (its first 16 bytes) under a key
 * kept in `settings` (`_id: "ack-key"`), made once by whichever process needs it first. The key is never logged or
 * shown.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { isDuplicateKey } from './mongo.js';
import type { AlertLine } from '../alerting/types.js';
import { metricKey } from './condition-state.js';
import { RuleStore } from './rules-store.js';

/** An acknowledgement as stored. */
export interface AckDoc {
  at: Date;
  /** Who or what: `cli (ops@box)`, `link`, the API caller. */
  by: string;
}

/** The settings document holding the link key. */
interface KeyDoc {
  _id: string;
  /** 32 random bytes, base64url. */
  key: string;
  createdAt: Date;
}

export const ACK_KEY_ID = 'ack-key';

/**
 * The link key, read from (or, the first time, inserted into) `settings`; cached for the life of the store. Two
 * processes inserting at once: the second insert fails on the unique `_id` and reads the first one's key.
 */
export class AckKeyStore {
  private readonly settings: Collection<KeyDoc>;
  private cached: Promise<Buffer> | undefined;

  constructor(db: Db) {
    this.settings = db.collection<KeyDoc>('settings');
  }

  key(): Promise<Buffer> {
    this.cached ??= this.load().catch((err: unknown) => {
      this.cached = undefined; // a failed read is tried again next time
      throw err;
    });
    return this.cached;
  }

  private async load(): Promise<Buffer> {
    const found = await this.settings.findOne({ _id: ACK_KEY_ID });
    if (found) return Buffer.from(found.key, 'base64url');
    const key = randomBytes(32);
    try {
      await this.settings.insertOne({ _id: ACK_KEY_ID, key: key.toString('base64url'), createdAt: new Date() });
      return key;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const first = await this.settings.findOne({ _id: ACK_KEY_ID });
      if (!first) throw err;
      return Buffer.from(first.key, 'base64url');
    }
  }
}

const OFFLINE = /^offline_(\d{1,15})$/;
const METRIC = /^metric_([0-9a-f]{24})_(\d{1,15})_([0-9a-f]{8})$/;
const HOST_ID = /^[0-9a-f]{24}$/;
const MAC_BYTES = 16;
/** Longest token accepted for decoding (a metric token is 68 characters). */
const MAX_TOKEN = 128;

/** Whether an instance key is one a link can name: an offline or a metric-rule instance. */
export function linkableKey(key: string): boolean {
  return OFFLINE.test(key) || METRIC.test(key);
}

function startBytes(ms: string): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(Number(ms), 0, 6);
  return b;
}

/** The instance key in binary: `0` + start (6 bytes) for offline, `1` + start + rule id (12) + item hash (4) for metric. */
function keyBytes(key: string): Buffer {
  const o = OFFLINE.exec(key);
  if (o) return Buffer.concat([Buffer.from([0]), startBytes(o[1]!)]);
  const m = METRIC.exec(key);
  if (!m) throw new Error('not a linkable instance key');
  return Buffer.concat([Buffer.from([1]), startBytes(m[2]!), Buffer.from(m[1]!, 'hex'), Buffer.from(m[3]!, 'hex')]);
}

function keyFrom(b: Buffer): string | undefined {
  if (b.length === 7 && b[0] === 0) return `offline_${b.readUIntBE(1, 6)}`;
  if (b.length === 23 && b[0] === 1) return `metric_${b.subarray(7, 19).toString('hex')}_${b.readUIntBE(1, 6)}_${b.subarray(19, 23).toString('hex')}`;
  return undefined;
}

function mac(secret: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', secret).update('hostwatch-ack\0').update(body).digest().subarray(0, MAC_BYTES);
}

/** The token of a link that acknowledges instance `key` of host `hostId`. */
export function signAckToken(secret: Buffer, hostId: string, key: string): string {
  if (!HOST_ID.test(hostId)) throw new Error('not a host id');
  const body = Buffer.concat([Buffer.from(hostId, 'hex'), keyBytes(key)]);
  return Buffer.concat([body, mac(secret, body)]).toString('base64url');
}

/** A token read back: the instance it names, or why not (`malformed`: not a token at all; `forged`: a bad signature). */
export type AckTokenRead = { ok: true; hostId: string; key: string } | { ok: false; reason: 'malformed' | 'forged' };

export function readAckToken(secret: Buffer, token: string): AckTokenRead {
  if (token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(token, 'base64url');
  if (raw.length <= 12 + MAC_BYTES) return { ok: false, reason: 'malformed' };
  const body = raw.subarray(0, raw.length - MAC_BYTES);
  const key = keyFrom(body.subarray(12));
  if (key === undefined) return { ok: false, reason: 'malformed' };
  if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), mac(secret, body))) return { ok: false, reason: 'forged' };
  return { ok: true, hostId: body.subarray(0, 12).toString('hex'), key };
}

/** What an acknowledgement needs of the host document. */
export interface AckTarget {
  _id: ObjectId;
  lastReportAt: Date | null;
  alerts?: Record<string, { start?: unknown; ack?: AckDoc }>;
}

/**
 * Records `ack` on instance `key` of the host, unless it has one (the first is kept): returns the ack it has now.
 * An instance without an entry is the current offline one (the caller decided it is active): its `start` is written
 * with the ack. One write filtered by `_id` alone, each field by its path: a check or report writing the same
 * instance meanwhile keeps its own fields.
 */
export async function writeAck(hosts: Collection<AckTarget>, host: AckTarget, key: string, ack: AckDoc): Promise<{ ack: AckDoc; already: boolean }> {
  const current = host.alerts?.[key];
  if (current?.ack?.at instanceof Date) return { ack: current.ack, already: true };
  const $set: Record<string, unknown> = { [`alerts.${key}.ack`]: ack };
  if (!(current?.start instanceof Date)) {
    const o = OFFLINE.exec(key);
    if (!o || host.lastReportAt?.getTime() !== Number(o[1])) throw new Error(`no instance ${key} to acknowledge`);
    $set[`alerts.${key}.start`] = host.lastReportAt;
  }
  await hosts.updateOne({ _id: host._id }, { $set });
  return { ack, already: false };
}

/** A step line of a notice with its acknowledge link (the delivery activity adds it; the workflow never sees it). */
export type LinkedLine = AlertLine & { ackUrl?: string };

/**
 * Makes the acknowledge links of a notice's step lines (offline and metric; reboots have no ladder to stop) for the
 * API at `publicUrl`. A metric line names its rule by name: the rules are read once per call to find its id.
 */
export class AckLinks {
  private readonly keys: AckKeyStore;
  private readonly rules: RuleStore;

  constructor(
    db: Db,
    private readonly publicUrl: string,
  ) {
    this.keys = new AckKeyStore(db);
    this.rules = new RuleStore(db);
  }

  async addTo(lines: readonly AlertLine[]): Promise<LinkedLine[]> {
    if (!lines.some((l) => l.kind === 'offline' || l.kind === 'metric')) return [...lines];
    const secret = await this.keys.key();
    const ruleIds = lines.some((l) => l.kind === 'metric') ? new Map((await this.rules.all()).map((r) => [r.name, r.id])) : new Map<string, string>();
    return lines.map((line) => {
      const key = line.kind === 'offline' ? `offline_${line.lastReportAt}` : line.kind === 'metric' && ruleIds.has(line.rule) ? metricKey(ruleIds.get(line.rule)!, line.since, line.item) : undefined;
      return key === undefined ? line : { ...line, ackUrl: `${this.publicUrl}/ack/${signAckToken(secret, line.hostId, key)}` };
    });
  }
}

/** An acknowledged instance holding now, as the status page, the host page and the read API show it. */
export interface AcknowledgedView {
  /** `offline`, or the metric rule's name (and the disk's mount): `disk-full /var`. */
  condition: string;
  by: string;
  /** ISO time of the acknowledgement. */
  at: string;
}

/**
 * The host's acknowledged instances that have not ended: the current offline one and open metric ones (`names`: the
 * rules' current names by id, when known). Pure.
 */
export function acknowledgedOf(host: { lastReportAt: Date | null; alerts?: Record<string, unknown> }, names?: ReadonlyMap<string, { name: string }>): AcknowledgedView[] {
  const out: AcknowledgedView[] = [];
  const current = host.lastReportAt ? `offline_${host.lastReportAt.getTime()}` : undefined;
  for (const [key, raw] of Object.entries(host.alerts ?? {})) {
    const doc = raw as { ack?: AckDoc; start?: unknown; backAt?: unknown; condition?: unknown; endAt?: unknown; rule?: unknown; name?: unknown; item?: unknown };
    if (!(doc?.ack?.at instanceof Date) || !(doc.start instanceof Date)) continue;
    const ack = { by: String(doc.ack.by), at: doc.ack.at.toISOString() };
    if (key === current && doc.backAt === undefined) out.push({ condition: 'offline', ...ack });
    else if (doc.condition === 'metric' && doc.endAt === undefined) {
      const name = (typeof doc.rule === 'string' && names?.get(doc.rule)?.name) || String(doc.name);
      out.push({ condition: `${name}${typeof doc.item === 'string' && doc.item ? ` ${doc.item}` : ''}`, ...ack });
    }
  }
  return out;
}
