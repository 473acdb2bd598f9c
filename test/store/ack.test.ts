/**
 * Acknowledgement (ALERTING.md rule 6, issue 14 point 3) on FerretDB: the op and the store. The ack survives the
 * check's state writes and the ingest's condition writes; an acknowledged offline instance nobody was told of is
 * dropped silently once the host is back; refusals write nothing; link tokens and their key.
 */
import { afterAll, beforeEach, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { ruleBook } from '../../src/alerting/conditions.js';
import { evaluateHosts } from '../../src/alerting/policy.js';
import type { Destination, HostWrite } from '../../src/alerting/types.js';
import { acknowledge, acknowledgeLinked, linkedInstance } from '../../src/ops/ack.js';
import { OpError } from '../../src/ops/errors.js';
import { instancesOf } from '../../src/store/alert-state.js';
import { AckKeyStore, AckLinks, readAckToken, signAckToken } from '../../src/store/ack-store.js';
import { metricKey } from '../../src/store/condition-state.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { addReportedHost, freshStore, markNotified, OPS } from '../support/db.js';

const MIN = 60_000;
const DEST: Destination = { key: OPS, target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 0 };
const POLICY = { steps: [1, 10, 60], graceMs: 0 };

let hosts: HostStore;
let mongo: MongoHandle;
let rules: RuleStore;
const handles: MongoHandle[] = [];

beforeEach(async () => {
  const s = await freshStore();
  hosts = s.hosts;
  mongo = s.mongo;
  handles.push(mongo);
  rules = new RuleStore(mongo.db);
  await rules.ensureIndexes();
});
afterAll(async () => {
  for (const h of handles) await h.close();
});

const doc = async (id: string) => (await hosts.collection.findOne({ _id: new ObjectId(id) }))!;

async function refusal(p: Promise<unknown>): Promise<OpError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpError);
  return err as OpError;
}

test('an offline host not notified yet: the ack writes the current instance (start, no sent) with the ack; read back as InstanceState.ack in ms; a second ack keeps the first', async () => {
  const now = Date.now();
  const last = now - 5 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  const r = await acknowledge(mongo.db, { host: 'web-1', by: 'alice' }, now);
  expect(r).toEqual({ host: 'web-1', acknowledged: [{ key: `offline_${last}`, condition: 'offline', since: new Date(last).toISOString(), ack: { at: new Date(now).toISOString(), by: 'alice' }, already: false }] });
  const d = await doc(id);
  expect(d.alerts).toEqual({ [`offline_${last}`]: { start: new Date(last), ack: { at: new Date(now), by: 'alice' } } });
  expect(instancesOf(d.alerts, d.alert)).toEqual([{ key: `offline_${last}`, start: last, sent: {}, ack: { at: now, by: 'alice' } }]);

  const again = await acknowledge(mongo.db, { host: 'web-1', condition: 'offline', by: 'bob' }, now + MIN);
  expect(again.acknowledged[0]).toMatchObject({ already: true, ack: { at: new Date(now).toISOString(), by: 'alice' } });
  expect((await doc(id)).alerts![`offline_${last}`]!.ack).toEqual({ at: new Date(now), by: 'alice' });
});

test('the check sends nothing for it, and once the host is back its entry is dropped without a line', async () => {
  const now = Date.now();
  const last = now - 30 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  await acknowledge(mongo.db, { host: 'web-1', by: 'alice' }, now);
  const page = async (t: number) => (await hosts.loadCheckPage({ cutoff: t - MIN, limit: 10 })).hosts;
  const silent = evaluateHosts(await page(now), now, POLICY, [DEST]);
  expect(silent.lines).toEqual([]);
  expect(silent.writes).toEqual([]);

  await hosts.recordReport(id, { hostname: 'web-1' }, new Date(now + MIN));
  const back = evaluateHosts(await page(now + MIN + 10_000), now + MIN + 10_000, POLICY, [DEST]);
  expect(back.lines).toEqual([]);
  expect(back.writes.map((w) => w.drop)).toEqual([[`offline_${last}`]]);
  await hosts.applyHostWrites(back.writes, [], now + 2 * MIN);
  expect((await doc(id)).alerts).toBeUndefined();
});

test("the ack survives the check's state writes (a step, a recovery to others) and the ingest's report writes", async () => {
  const now = Date.now();
  const last = now - 15 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  await markNotified(hosts, id, last, 10, now - 5 * MIN, [OPS, 'chat']);
  await acknowledge(mongo.db, { host: 'web-1', by: 'alice' }, now);
  const key = `offline_${last}`;
  // A write that raced with the ack: the chat's step 60 (from a run that read the host before the ack).
  const write: HostWrite = { hostId: id, notify: { key, start: last, steps: { chat: 60 } }, ended: [], drop: [], keys: [key] };
  await hosts.applyHostWrites([write], ['chat'], now + MIN);
  expect((await doc(id)).alerts![key]).toMatchObject({ start: new Date(last), sent: { 'mailto:ops@example%2Ecom': 10, chat: 60 }, ack: { at: new Date(now), by: 'alice' } });
  // The host comes back: the report writes backAt beside the ack.
  await hosts.recordReport(id, { hostname: 'web-1' }, new Date(now + 2 * MIN));
  const d = await doc(id);
  expect(d.alerts![key]).toMatchObject({ backAt: new Date(now + 2 * MIN), ack: { at: new Date(now), by: 'alice' } });
  // The check tells those notified (rule 4: the ack does not hold back the recovery), then the instance goes.
  const run = evaluateHosts((await hosts.loadCheckPage({ cutoff: now, limit: 10 })).hosts, now + 2 * MIN + 10_000, POLICY, [DEST, { ...DEST, key: 'chat', channel: 'chat', target: '', kind: 'slack', label: 'chat (slack)' }]);
  expect(run.lines.map((l) => [l.line.kind, l.to])).toEqual([['recovered', [0, 1]]]);
  // Only one destination accepts: the instance stays, with its ack, for the other.
  await hosts.applyHostWrites(run.writes, [OPS], now + 3 * MIN);
  expect((await doc(id)).alerts![key]).toMatchObject({ sent: { chat: 60 }, ack: { by: 'alice' } });
});

test('a metric instance: acknowledged by rule name or id; the ingest updating its value and the check writing a step keep the ack', async () => {
  const rule = await rules.add({ name: 'cpu-hot', metric: 'cpu', op: 'above', threshold: 90, steps: [5, 60] });
  const all = await rules.all();
  const now = Date.now();
  const start = now - 10 * MIN;
  const { id } = await hosts.add('db-1');
  await hosts.recordReport(id, { cpu: 95 }, new Date(start), all);
  await hosts.recordReport(id, { cpu: 96 }, new Date(now - MIN), all);
  const key = metricKey(rule.id, start, '');
  await markNotifiedMetric(id, key, 5, now - 2 * MIN);

  const r = await acknowledge(mongo.db, { host: 'db-1', condition: 'cpu-hot', by: 'carol' }, now);
  expect(r.acknowledged).toEqual([{ key, condition: 'metric', rule: 'cpu-hot', ruleId: rule.id, metric: 'cpu', item: '', since: new Date(start).toISOString(), ack: { at: new Date(now).toISOString(), by: 'carol' }, already: false }]);
  expect((await acknowledge(mongo.db, { host: 'db-1', condition: rule.id, by: 'dave' }, now + 1)).acknowledged[0]!.already).toBe(true);

  // Ingest: a higher value (value and peak written) and the check's step 60 for another destination.
  await hosts.recordReport(id, { cpu: 99 }, new Date(now + MIN), all);
  await hosts.applyHostWrites([{ hostId: id, ended: [], drop: [], keys: [key], conditions: [{ key, steps: { chat: 60 } }] }], ['chat'], now + MIN);
  const stored = (await doc(id)).alerts![key]!;
  expect(stored).toMatchObject({ value: 99, peak: 99, sent: { 'mailto:ops@example%2Ecom': 5, chat: 60 }, ack: { at: new Date(now), by: 'carol' } });
  const [instance] = instancesOf((await doc(id)).alerts, undefined);
  expect(instance!.ack).toEqual({ at: now, by: 'carol' });

  // The check: no step for anyone, not even a destination never told of it (step 5 is due).
  const page = (await hosts.loadCheckPage({ cutoff: now + 2 * MIN, limit: 10 })).hosts;
  const fresh = { ...DEST, key: 'mailto:new@example.com', target: 'new@example.com', label: 'new@example.com' };
  expect(evaluateHosts(page, now + MIN + 10_000, POLICY, [DEST, fresh], undefined, ruleBook(all)).lines).toEqual([]);
  // Without the ack it would have had one (the same snapshot, ack left out).
  const unacked = page.map((h) => ({ ...h, alerts: h.alerts.map(({ ack: _ack, ...i }) => i) }));
  expect(evaluateHosts(unacked, now + MIN + 10_000, POLICY, [DEST, fresh], undefined, ruleBook(all)).lines.map((l) => [l.line.kind, l.to])).toEqual([['metric', [1]]]);
});

async function markNotifiedMetric(id: string, key: string, step: number, at: number): Promise<void> {
  await hosts.applyHostWrites([{ hostId: id, ended: [], drop: [], keys: [key], conditions: [{ key, steps: { [OPS]: step } }] }], [OPS], at);
}

test('refusals name the problem and write nothing: unknown host, a condition that does not hold, a host that is fine, bad fields', async () => {
  const now = Date.now();
  const id = await addReportedHost(hosts, 'web-1', now - 5 * MIN);
  await addReportedHost(hosts, 'ok-1', now - 5_000);
  const before = JSON.stringify(await hosts.collection.find().sort({ name: 1 }).toArray());

  expect(await refusal(acknowledge(mongo.db, { host: 'nope', by: 'x' }, now))).toMatchObject({ code: 'not_found', message: 'no host named "nope"' });
  expect(await refusal(acknowledge(mongo.db, { host: 'web-1', condition: 'disk', by: 'x' }, now))).toMatchObject({ code: 'invalid', field: 'condition', message: 'host "web-1" has no active condition "disk"' });
  expect(await refusal(acknowledge(mongo.db, { host: 'ok-1', by: 'x' }, now))).toMatchObject({ code: 'invalid', field: 'condition', message: 'host "ok-1" has no active condition' });
  expect(await refusal(acknowledge(mongo.db, { host: 'ok-1', condition: 'offline', by: 'x' }, now))).toMatchObject({ field: 'condition', message: 'host "ok-1" has no active condition "offline"' });
  expect(await refusal(acknowledge(mongo.db, { host: 'web-1', by: '' }, now))).toMatchObject({ code: 'invalid', field: 'by' });
  expect(await refusal(acknowledge(mongo.db, { host: 'web-1', by: 'a\nb' }, now))).toMatchObject({ field: 'by' });
  expect(await refusal(acknowledge(mongo.db, { host: 'web 1', by: 'x' }, now))).toMatchObject({ code: 'invalid', field: 'host' });
  expect(JSON.stringify(await hosts.collection.find().sort({ name: 1 }).toArray())).toBe(before);
  expect((await doc(id)).alerts).toBeUndefined();
});

test("a host within its own or its tag's grace has no offline instance to acknowledge yet, as the check sees it", async () => {
  const now = Date.now();
  await addReportedHost(hosts, 'own-1', now - 5 * MIN);
  await hosts.update('own-1', { grace: 600 });
  await hosts.add('tagged-1', { tags: ['flaky'] });
  await hosts.recordReport((await hosts.byName('tagged-1'))._id.toHexString(), { hostname: 't' }, new Date(now - 5 * MIN));
  await hosts.tagSettings.setGrace('flaky', 600);
  for (const host of ['own-1', 'tagged-1']) {
    expect(await refusal(acknowledge(mongo.db, { host, by: 'x' }, now))).toMatchObject({ code: 'invalid', message: `host "${host}" has no active condition` });
    // past the grace (5 + 6 minutes of silence) the outage is there to acknowledge
    expect((await acknowledge(mongo.db, { host, by: 'x' }, now + 6 * MIN)).acknowledged).toHaveLength(1);
  }
});

test('link tokens: round trip for offline and metric keys, short; a changed byte, another key or garbage is refused', () => {
  const secret = Buffer.alloc(32, 7);
  const hostId = new ObjectId().toHexString();
  for (const key of [`offline_${Date.now()}`, metricKey(new ObjectId().toHexString(), Date.now(), '/var')]) {
    const token = signAckToken(secret, hostId, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,70}$/);
    expect(readAckToken(secret, token)).toEqual({ ok: true, hostId, key });
    expect(readAckToken(Buffer.alloc(32, 8), token)).toEqual({ ok: false, reason: 'forged' });
    const raw = Buffer.from(token, 'base64url');
    raw[3] = raw[3]! ^ 1; // another host id, same signature
    expect(readAckToken(secret, raw.toString('base64url'))).toEqual({ ok: false, reason: 'forged' });
  }
  for (const bad of ['', 'x', 'a'.repeat(500), 'not a token!', Buffer.alloc(40).toString('base64url')]) expect(readAckToken(secret, bad).ok).toBe(false);
});

test('the link key: made once in settings (two stores at once agree), then read; links of the link maker verify against it', async () => {
  const [a, b] = await Promise.all([new AckKeyStore(mongo.db).key(), new AckKeyStore(mongo.db).key()]);
  expect(a.equals(b)).toBe(true);
  expect(await mongo.db.collection('settings').countDocuments()).toBe(1);
  expect((await new AckKeyStore(mongo.db).key()).equals(a)).toBe(true);

  const rule = await rules.add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, steps: [5] });
  const hostId = new ObjectId().toHexString();
  const lines = await new AckLinks(mongo.db, 'https://hw.example.com').addTo([
    { kind: 'offline', hostId, name: 'web-1', step: 10, offlineMs: 10 * MIN, lastReportAt: 1_700_000_000_000 },
    { kind: 'metric', hostId, name: 'web-1', rule: 'disk-full', metric: 'disk', item: '/var', op: 'above', threshold: 90, peak: 95, since: 1_700_000_100_000, heldMs: MIN, value: 95, step: 5 },
    { kind: 'reboot', hostId, name: 'web-1', rule: 'r', at: 1, uptime: 1, previousUptime: 2 },
  ]);
  const tokens = lines.map((l) => l.ackUrl?.replace('https://hw.example.com/ack/', ''));
  expect(tokens[2]).toBeUndefined();
  expect(readAckToken(a, tokens[0]!)).toEqual({ ok: true, hostId, key: 'offline_1700000000000' });
  expect(readAckToken(a, tokens[1]!)).toEqual({ ok: true, hostId, key: metricKey(rule.id, 1_700_000_100_000, '/var') });
});

test('the link ops: an active instance is named and acknowledged by "link"; an ended one or a removed host is not, and nothing is written', async () => {
  const now = Date.now();
  const last = now - 5 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  expect(await linkedInstance(mongo.db, id, `offline_${last}`, now)).toMatchObject({ state: 'active', host: 'web-1', instance: { condition: 'offline' } });
  expect(await linkedInstance(mongo.db, id, `offline_${last - MIN}`, now)).toEqual({ state: 'ended', host: 'web-1' });
  expect(await acknowledgeLinked(mongo.db, id, `offline_${last - MIN}`, 'link', now)).toEqual({ state: 'ended', host: 'web-1' });
  expect(await acknowledgeLinked(mongo.db, new ObjectId().toHexString(), `offline_${last}`, 'link', now)).toEqual({ state: 'unknown_host' });
  expect((await doc(id)).alerts).toBeUndefined();
  const done = await acknowledgeLinked(mongo.db, id, `offline_${last}`, 'link', now);
  expect(done.acknowledged).toMatchObject({ already: false, ack: { by: 'link' } });
});

test('a host with state from the release before per-destination state: the ack of its outage holds, and survives the rewrite', async () => {
  const now = Date.now();
  const last = now - 15 * MIN;
  const id = await addReportedHost(hosts, 'old-1', last);
  await hosts.collection.updateOne({ _id: new ObjectId(id) }, { $set: { alert: { outage: new Date(last), step: 10, notifiedAt: new Date(now - 5 * MIN) } } });
  await acknowledge(mongo.db, { host: 'old-1', by: 'alice' }, now);
  const page = async () => (await hosts.loadCheckPage({ cutoff: now, limit: 10 })).hosts;
  const [snap] = await page();
  expect(snap!.alerts).toEqual([{ key: `offline_${last}`, start: last, sent: {}, legacyStep: 10, ack: { at: now, by: 'alice' } }]);
  // An hour in, step 60 is due: nothing for anyone (the legacy step 10 mail destination included).
  const run = evaluateHosts([snap!], last + 61 * MIN, POLICY, [DEST]);
  expect(run.lines).toEqual([]);
});
