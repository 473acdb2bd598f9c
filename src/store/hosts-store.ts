import { ObjectId, type Collection, type Db } from 'mongodb';
import type { HostSnapshot, HostWrite } from '../alerting/types.js';
import type { Rule } from '../rules/rule.js';
import { reportStateFields } from './alert-state.js';
import { applyHostWrites, type AlertsDoc, type StateWriteResult } from './state-writes.js';

export type { StateWriteResult } from './state-writes.js';
import { ruleStateFields } from './condition-state.js';
import { hashSecret, keyShape, newCredentials, type Credentials } from './credentials.js';
import { CHECK_PROJECTION, checkPageFilter, checkSnapshot, type CheckPageRequest } from './check-snapshot.js';

export { checkPageFilter, type CheckPageRequest } from './check-snapshot.js';
import { WriteGate } from './write-gate.js';
import { isDuplicateKey } from './mongo.js';
import { OutageStore } from './outages-store.js';
import { normalizeTags } from './tags.js';
import { withoutTags, withTags } from './host-tags.js';
import { reportOutages } from '../history/outage-records.js';
import { MetricHistoryStore } from './metric-history.js';
import { TagSettingsStore } from './tag-settings-store.js';
import { MaintenanceStore } from './maintenance-store.js';
import { clockAheadUpdate } from './report-clock.js';

export { DuplicateHostError, UnknownHostError, type HostAuth, type HostDoc, type HostPatch, type HostView, type ReportTarget } from './host-doc.js';
import { DuplicateHostError, UnknownHostError, type HostDoc, type HostAuth, type HostPatch, type HostView, type ReportTarget } from './host-doc.js';

/** Leaves out the previous report body (up to 64 KiB) that authenticating a report never needs. */
const AUTH_PROJECTION = { data: 0 } as const;

export interface CheckPage {
  hosts: HostSnapshot[];
  /** Present when more hosts follow. */
  nextAfterId?: string;
}

/**
 * Report writes in flight at once per store (that is, per API process); the rest wait in arrival order. FerretDB's
 * SQLite backend performs one write at a time, and many writers waiting there starve some of them. Re-measured with
 * the `_id` index (bench/ingest.ts, 1,000 hosts, 64 connections, 2 runs of 8 s): ungated (64 in flight) 741
 * reports/s with p99 1.16 s; gated at 8, 737 reports/s with p99 0.22 s; gated at 1, 555 reports/s with p99 0.14 s.
 * 8 keeps the throughput and cuts the tail five-fold. MongoDB answers a single-document update in about a
 * millisecond, so 8 in flight still leaves room for thousands of reports a second.
 */
const REPORT_WRITE_CONCURRENCY = 8;

export class HostStore {
  readonly collection: Collection<HostDoc>;
  private readonly reportWrites = new WriteGate(REPORT_WRITE_CONCURRENCY);

  /** The outage log (outages-store.ts), completed by reports that end an instance and by the check's state writes. */
  readonly outages: OutageStore;

  /** Metric history each report adds its point to (metric-history.ts), after the host write; null: off. */
  readonly history: MetricHistoryStore | null;

  /** Per-tag graces (issue 14 point 4), read by the check for pages with tagged hosts without a grace of their own. */
  readonly tagSettings: TagSettingsStore;
  /** Maintenance windows (maintenance-store.ts), decided per check page at the check time. */
  readonly maintenance: MaintenanceStore;

  constructor(db: Db, options: { history?: MetricHistoryStore | false } = {}) {
    this.collection = db.collection<HostDoc>('hosts');
    this.tagSettings = new TagSettingsStore(db);
    this.maintenance = new MaintenanceStore(db);
    this.outages = new OutageStore(db);
    this.history = options.history === false ? null : (options.history ?? new MetricHistoryStore(db, { gate: this.reportWrites }));
  }

  /**
   * Indexes that keep a check to offline or alerted hosts: `lastReportAt` for the offline range and a sparse
   * index on `alerts` for hosts with alert state (and on `alert.outage` for state a release before per-destination
   * state wrote). All are supported by MongoDB and FerretDB.
   */
  async ensureIndexes(): Promise<void> {
    // One createIndex per index: FerretDB 1.x drops the connection when one createIndexes command names
    // several indexes that already exist, which would stop every worker start after the first.
    await this.collection.createIndex({ name: 1 }, { name: 'name_unique', unique: true });
    await this.collection.createIndex({ secretKey: 1 }, { name: 'secretKey_unique', unique: true });
    await this.collection.createIndex({ lastReportAt: 1 }, { name: 'lastReportAt' });
    await this.collection.createIndex({ alerts: 1 }, { name: 'alerts', sparse: true });
    await this.collection.createIndex({ 'alert.outage': 1 }, { name: 'alert_outage', sparse: true });
    // A check of some tags (check input `hosts.tags`): multikey on `tags`, its prefix serves the `alerts` branches and
    // the pair the offline range (docs/operations.md "Tags").
    await this.collection.createIndex({ tags: 1, lastReportAt: 1 }, { name: 'tags_lastReportAt' });
    await this.outages.ensureIndexes();
    await this.maintenance.ensureIndexes();
  }

  /** Registers a host. Its key carries its `_id` (credentials.ts), so the id is made first. */
  async add(name: string, options: { alarm?: boolean; active?: boolean; tags?: readonly string[] } = {}): Promise<{ id: string } & Credentials> {
    const tags = normalizeTags(options.tags ?? []);
    const _id = new ObjectId();
    const credentials = newCredentials(_id.toHexString());
    try {
      await this.collection.insertOne({
        _id,
        name,
        active: options.active ?? true,
        alarm: options.alarm ?? true,
        secretKey: credentials.key,
        secretHash: hashSecret(credentials.secret),
        data: null,
        lastReportAt: null,
        createdAt: new Date(),
        ...(tags.length > 0 && { tags }),
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateHostError(name);
      throw err;
    }
    return { id: _id.toHexString(), ...credentials };
  }

  /**
   * The host a key belongs to, without its report body, or null. A key with the host id in it
   * (`hk_<id>_<random>`) is looked up by `_id` alone and accepted only if it is the host's current key: FerretDB's
   * SQLite backend answers exactly `{_id}` from its primary key, while any other filter reads and decodes the whole
   * collection. A key of the old shape (`hk_` + 16 characters) is still found by `secretKey`, which on FerretDB is
   * such a full scan per report; `hosts rotate-secret` gives the host a key of the fast shape. Anything else is not a
   * key hostwatch ever issued and is refused without a query.
   */
  async byKey(key: string): Promise<HostAuth | null> {
    const shape = keyShape(key);
    if (shape.kind === 'id') {
      const doc = await this.collection.findOne({ _id: new ObjectId(shape.hostId) }, { projection: AUTH_PROJECTION });
      // The key is an identifier, not a secret (the secret is checked in constant time by the caller).
      return doc && doc.secretKey === key ? doc : null;
    }
    if (shape.kind === 'legacy') return this.collection.findOne({ secretKey: key }, { projection: AUTH_PROJECTION });
    return null;
  }

  async byName(name: string): Promise<HostView> {
    const doc = await this.collection.findOne({ name }, { projection: { secretHash: 0 } });
    if (!doc) throw new UnknownHostError(name);
    return doc;
  }

  /** Every host (or those carrying any of `tags`), by name, without secret hashes. */
  async list(options: { tags?: readonly string[] } = {}): Promise<HostView[]> {
    const filter = options.tags ? { tags: { $in: normalizeTags(options.tags) } } : {};
    return this.collection.find(filter, { projection: { secretHash: 0 } }).sort({ name: 1 }).toArray();
  }

  /** Adds tags to a host (validated first: a bad one changes nothing); returns its tags as stored. */
  addTags(name: string, tags: readonly string[]): Promise<string[]> {
    normalizeTags(tags);
    return this.editTags(name, (old) => withTags(name, old, tags));
  }

  /** Removes tags from a host (validated first); returns what is left. */
  removeTags(name: string, tags: readonly string[]): Promise<string[]> {
    normalizeTags(tags);
    return this.editTags(name, (old) => withoutTags(old, tags));
  }

  /** Read by name, written by `_id` (host-tags.ts); none left is no field. Registry edits are rare and by hand. */
  private async editTags(name: string, edit: (old: string[]) => string[]): Promise<string[]> {
    const host = await this.collection.findOne({ name }, { projection: { tags: 1 } });
    if (!host) throw new UnknownHostError(name);
    const tags = edit(host.tags ?? []);
    const result = await this.collection.updateOne({ _id: host._id }, tags.length > 0 ? { $set: { tags } } : { $unset: { tags: '' } });
    if (result.matchedCount === 0) throw new UnknownHostError(name); // removed meanwhile
    return tags;
  }

  async update(name: string, patch: HostPatch): Promise<void> {
    const $set: Partial<HostDoc> = {};
    const $unset: Record<string, ''> = {};
    if (patch.name !== undefined) $set.name = patch.name;
    if (patch.active !== undefined) $set.active = patch.active;
    if (patch.alarm !== undefined) $set.alarm = patch.alarm;
    if (patch.mutedUntil) $set.mutedUntil = patch.mutedUntil;
    if (patch.mutedUntil === null) $unset.mutedUntil = '';
    if (typeof patch.interval === 'number') $set.interval = patch.interval;
    if (patch.interval === null) $unset.interval = '';
    if (typeof patch.grace === 'number') $set.grace = patch.grace;
    if (patch.grace === null) $unset.grace = '';
    if (patch.active === true) {
      // Rule 9: a disabled host's reports were refused, so its offline time restarts when it is enabled again.
      const host = await this.collection.findOne({ name }, { projection: { active: 1 } });
      if (!host) throw new UnknownHostError(name);
      if (!host.active) $set.enabledAt = new Date();
    }
    const update = { ...(Object.keys($set).length > 0 && { $set }), ...(Object.keys($unset).length > 0 && { $unset }) };
    if (Object.keys(update).length === 0) return;
    try {
      const result = await this.collection.updateOne({ name }, update);
      if (result.matchedCount === 0) throw new UnknownHostError(name);
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateHostError(patch.name ?? name);
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    const result = await this.collection.deleteOne({ name });
    if (result.deletedCount === 0) throw new UnknownHostError(name);
  }

  /** New key and secret; the old ones stop working at once. The new key carries the host's id (old-shape keys too). */
  async rotateSecret(name: string): Promise<Credentials> {
    const host = await this.collection.findOne({ name }, { projection: { _id: 1 } });
    if (!host) throw new UnknownHostError(name);
    const credentials = newCredentials(host._id.toHexString());
    const result = await this.collection.updateOne({ _id: host._id }, { $set: { secretKey: credentials.key, secretHash: hashSecret(credentials.secret) } });
    if (result.matchedCount === 0) throw new UnknownHostError(name); // removed meanwhile
    return credentials;
  }

  /**
   * Stores a report: the body becomes `data` and `lastReportAt` is set to `at` (server time); in the same write,
   * `reportStateFields` (alert-state.ts) records `back` after a silence of a minute or more and the ended instance's
   * `backAt`, so the recovery line says when the host was first seen again (rule 4), and `ruleStateFields`
   * (condition-state.ts) the instances of the metric `rules` the report begins, continues or ends: a check never sees
   * a report without the rule state it implies.
   *
   * One write, filtered by `_id` alone (the only filter FerretDB's SQLite backend does not answer with a scan): the
   * decisions are made from `host`, which the API has just read to authenticate the report. Given an id instead, the
   * host is read by `_id` first. A check clearing the state between the read and this write leaves a stub
   * (`alerts.<key>` with only `backAt`), which the next check drops without a line. At most
   * REPORT_WRITE_CONCURRENCY of these writes are in flight at once; the rest queue in arrival order.
   */
  async recordReport(host: string | ReportTarget, data: Record<string, unknown>, at: Date, rules: readonly Rule[] = []): Promise<boolean> {
    const target = typeof host === 'string' ? await this.collection.findOne({ _id: new ObjectId(host) }, { projection: { name: 1, lastReportAt: 1, alerts: 1, alert: 1, back: 1, lastUptime: 1, enabledAt: 1, interval: 1, tags: 1, clockAheadMs: 1 } }) : host;
    if (!target) return false;
    const clock = clockAheadUpdate(target, data, at); // the agent's clock ahead of ours (report-clock.ts)
    const $set = { data, lastReportAt: at, ...(target.lastReportAt === null && { firstReportAt: at }), ...reportStateFields(target, at), ...ruleStateFields(target, data, at, rules), ...clock.set };
    // The instances this report ends go to the outage log first: if the host write then fails, the retried report
    // writes the same records again (a report that ends nothing writes nothing more).
    const ended = reportOutages(target, data, at, $set);
    if (ended.length > 0) await this.reportWrites.run(() => this.outages.recordEnds(ended));
    const result = await this.reportWrites.run(() => this.collection.updateOne({ _id: target._id }, { $set, ...(clock.unset && { $unset: clock.unset }) }));
    if (result.matchedCount === 1 && this.history) await this.history.recordSafely(target._id.toHexString(), data, at);
    return result.matchedCount === 1;
  }

  /** One page of eligible hosts that are offline at the cutoff or have alert state, in id order. */
  async loadCheckPage(req: CheckPageRequest): Promise<CheckPage> {
    // One more than the page: a page that ends the hosts says so, and no further query is made for nothing
    // (on FerretDB each query reads the whole collection).
    const docs = await this.collection.find(checkPageFilter(req), { projection: CHECK_PROJECTION }).sort({ _id: 1 }).limit(req.limit + 1).toArray();
    const more = docs.length > req.limit;
    if (more) docs.length = req.limit;
    // Tag graces (a small collection) only when a host on the page may take one.
    const tagGraces = docs.some((d) => d.grace === undefined && (d.tags?.length ?? 0) > 0) ? await this.tagSettings.graces() : undefined;
    // Hosts inside a maintenance window at the check time carry it (rule 6; maintenance-store.ts).
    const hosts = await this.maintenance.mark(docs.flatMap((d) => checkSnapshot(d, tagGraces) ?? []), req.checkTime);
    const last = docs.at(-1);
    return { hosts, ...(more && last && { nextAfterId: last._id.toHexString() }) };
  }

  /** Rule 3: records a run after delivery (state-writes.ts). */
  async applyHostWrites(writes: readonly HostWrite[], accepted: readonly string[], checkTime: number, onProgress?: (done: number) => void): Promise<StateWriteResult> {
    return applyHostWrites(this.collection as unknown as Collection<AlertsDoc>, this.outages, writes, accepted, checkTime, onProgress);
  }
}
