import { afterAll, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { DEFAULT_STEPS, emptyEvaluation, evaluateHosts, offlineCutoff, type CheckEvaluation } from '../../src/alerting/policy.js';
import type { Destination, HostSnapshot } from '../../src/alerting/types.js';
import { encodeDestKey, notifiedWrite } from '../../src/store/alert-state.js';
import { DuplicateHostError, type HostStore } from '../../src/store/hosts-store.js';
import { hashSecret, secretMatches } from '../../src/store/credentials.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { addReportedHost, freshStore, markNotified, OPS } from '../support/db.js';

// The store as the check workflow uses it (src/workflows/check-host-status.ts): pages from loadCheckPage evaluated
// with evaluateHosts, then applyHostWrites with the keys of the destinations that accepted their notice.

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const SEC = 1_000;
const MIN = 60 * SEC;
const POLICY = { steps: DEFAULT_STEPS, graceMs: 60 * SEC };

const mail = (address: string): Destination => ({ key: `mailto:${address}`, target: address, kind: 'mailto', label: address, fromStep: 0 });
const OPS_DEST = mail('ops@example.com');
const BOB = 'mailto:bob@example.com';
const BOB_DEST = mail('bob@example.com');
/** A chat channel with one destination: its key is the channel name. */
const TEAM = 'oncall';
const TEAM_DEST: Destination = { key: TEAM, channel: TEAM, target: '', kind: 'slack', label: 'oncall (slack)', fromStep: 0 };
const ops = encodeDestKey(OPS);
const bob = encodeDestKey(BOB);

let mongo: MongoHandle;
let hosts: HostStore;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

/** Every host a check at `checkTime` reads, page by page. */
async function loadAll(checkTime: number, limit = 1000, store = hosts): Promise<HostSnapshot[]> {
  const out: HostSnapshot[] = [];
  let afterId: string | undefined;
  do {
    const page = await store.loadCheckPage({ cutoff: offlineCutoff(checkTime, POLICY.steps), limit, ...(afterId && { afterId }) });
    out.push(...page.hosts);
    afterId = page.nextAfterId;
  } while (afterId);
  return out;
}

/** A check at `checkTime` for the hosts `ids` (the file's database holds other tests' hosts too). */
async function check(checkTime: number, ids: readonly string[], destinations: readonly Destination[], policy = POLICY): Promise<CheckEvaluation> {
  const loaded = (await loadAll(checkTime, 7)).filter((h) => ids.includes(h.id));
  return evaluateHosts(loaded, checkTime, policy, destinations, emptyEvaluation());
}

/** The lines of an evaluation, with destination keys instead of indexes. */
function linesOf(ev: CheckEvaluation, destinations: readonly Destination[]) {
  return ev.lines.map(({ line, to }) => {
    const dests = to.map((i) => destinations[i]!.key);
    if (line.kind === 'offline') return { kind: line.kind, name: line.name, step: line.step, to: dests };
    if (line.kind !== 'recovered') throw new Error(`unexpected ${line.kind} line`);
    return { kind: line.kind, name: line.name, wentSilentAt: line.wentSilentAt, seenAgainAt: line.seenAgainAt, to: dests };
  });
}

/** A check, and the state write for the destinations in `accepted` (as the workflow does after delivery). */
async function run(checkTime: number, ids: readonly string[], destinations: readonly Destination[], accepted: readonly string[]) {
  const ev = await check(checkTime, ids, destinations);
  const written = await hosts.applyHostWrites(ev.writes, accepted, checkTime);
  return { lines: linesOf(ev, destinations), ev, written };
}

async function docOf(id: string) {
  return hosts.collection.findOne({ _id: new ObjectId(id) });
}

async function isLoaded(checkTime: number, id: string): Promise<boolean> {
  return (await loadAll(checkTime)).some((h) => h.id === id);
}

/** Writes a record of the release before per-destination state, as it left it. */
async function setLegacyAlert(id: string, alert: { outage: number; step: number; notifiedAt: number; backAt?: number }): Promise<void> {
  const doc = { outage: new Date(alert.outage), step: alert.step, notifiedAt: new Date(alert.notifiedAt), ...(alert.backAt !== undefined && { backAt: new Date(alert.backAt) }) };
  await hosts.collection.updateOne({ _id: new ObjectId(id) }, { $set: { alert: doc } });
}

// ---------------------------------------------------------------- registry and reading

test('add stores only a hash of the secret and rejects a duplicate name', async () => {
  const created = await hosts.add('store-dup');
  const doc = await hosts.collection.findOne({ name: 'store-dup' });
  expect(doc?.secretHash).toBe(hashSecret(created.secret));
  expect(JSON.stringify(doc)).not.toContain(created.secret);
  expect(secretMatches(created.secret, doc!.secretHash)).toBe(true);
  expect(secretMatches(`${created.secret}x`, doc!.secretHash)).toBe(false);
  await expect(hosts.add('store-dup')).rejects.toThrow(DuplicateHostError);
  await expect(hosts.add('store-dup')).rejects.toThrow('a host named "store-dup" already exists');
});

test('the check reads eligible hosts that are offline or have alert state (alerts, or a legacy alert), and nothing else', async () => {
  const offline = await addReportedHost(hosts, 'pg-offline', T - 5 * MIN);
  await addReportedHost(hosts, 'pg-online', T - 10 * SEC);
  await addReportedHost(hosts, 'pg-disabled', T - 5 * MIN, { active: false });
  await addReportedHost(hosts, 'pg-no-alarm', T - 5 * MIN, { alarm: false });
  const noCredentials = await addReportedHost(hosts, 'pg-no-credentials', T - 5 * MIN);
  await hosts.collection.updateOne({ _id: new ObjectId(noCredentials) }, { $unset: { secretHash: '' } });
  await hosts.add('pg-never-reported');
  const alerted = await addReportedHost(hosts, 'pg-alerted-back', T - 30 * MIN);
  await markNotified(hosts, alerted, T - 30 * MIN, 10, T - 20 * MIN);
  await hosts.recordReport(alerted, {}, new Date(T - 10 * SEC));
  const legacy = await addReportedHost(hosts, 'pg-legacy-back', T - 10 * SEC);
  await setLegacyAlert(legacy, { outage: T - 40 * MIN, step: 10, notifiedAt: T - 30 * MIN, backAt: T - 20 * SEC });
  const disabledAlerted = await addReportedHost(hosts, 'pg-disabled-alerted', T - 30 * MIN, { active: false });
  await markNotified(hosts, disabledAlerted, T - 30 * MIN, 10, T - 20 * MIN);

  const loaded = (await loadAll(T)).filter((h) => h.name.startsWith('pg-'));
  expect(loaded.map((h) => h.name).sort()).toEqual(['pg-alerted-back', 'pg-legacy-back', 'pg-offline']);
  expect(loaded.find((h) => h.id === offline)).toEqual({ id: offline, name: 'pg-offline', lastReportAt: T - 5 * MIN, alerts: [] });
  const key = `offline_${T - 30 * MIN}`;
  expect(loaded.find((h) => h.id === alerted)).toEqual({
    id: alerted,
    name: 'pg-alerted-back',
    lastReportAt: T - 10 * SEC,
    back: { from: T - 30 * MIN, at: T - 10 * SEC },
    alerts: [{ key, start: T - 30 * MIN, sent: { [OPS]: 10 }, backAt: T - 10 * SEC }],
  });
  expect(loaded.find((h) => h.id === legacy)?.alerts).toEqual([{ key: `offline_${T - 40 * MIN}`, start: T - 40 * MIN, sent: {}, legacyStep: 10, backAt: T - 20 * SEC }]);
});

test('pages cover every host exactly once, in id order', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 23; i++) ids.push(await addReportedHost(hosts, `page-${i}`, T - 100 * MIN));
  const seen = (await loadAll(T, 5)).map((h) => h.id);
  expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
  expect(new Set(seen).size).toBe(seen.length);
  expect([...seen].sort()).toEqual(seen); // ObjectId hex strings sort as the ids do
});

test('paging: a page that ends the hosts says so, so 6 offline hosts in pages of 3 take two queries, not three', async () => {
  const own = await freshStore();
  try {
    for (let i = 0; i < 6; i++) await addReportedHost(own.hosts, `six-${i}`, T - 30 * MIN);
    const first = await own.hosts.loadCheckPage({ cutoff: T - MIN, limit: 3 });
    expect(first.hosts).toHaveLength(3);
    expect(first.nextAfterId).toBe(first.hosts[2]!.id);
    const second = await own.hosts.loadCheckPage({ cutoff: T - MIN, limit: 3, afterId: first.nextAfterId! });
    expect(second.hosts.map((h) => h.name)).toEqual(['six-3', 'six-4', 'six-5']);
    expect('nextAfterId' in second).toBe(false);
  } finally {
    await own.mongo.db.dropDatabase();
    await own.mongo.close();
  }
});

test('ensureIndexes can run again on a database that has them (every worker start after the first)', async () => {
  await hosts.ensureIndexes();
  await hosts.ensureIndexes();
  const names = (await hosts.collection.indexes()).map((i) => i.name).sort();
  expect(names).toEqual(['_id_', 'alert_outage', 'alerts', 'lastReportAt', 'name_unique', 'secretKey_unique', 'tags_lastReportAt']);
});

// ---------------------------------------------------------------- state writes (rules 1-3)

test('state writes never lower a step, and re-applying the same writes is a no-op', async () => {
  const outage = T - 70 * MIN;
  const id = await addReportedHost(hosts, 'cond', outage);
  const key = `offline_${outage}`;
  const at60 = [notifiedWrite(id, outage, { [OPS]: 60 })];
  expect(await hosts.applyHostWrites(at60, [OPS], T)).toEqual({ applied: 1, skipped: 0 });
  expect(await hosts.applyHostWrites(at60, [OPS], T)).toEqual({ applied: 0, skipped: 1 });
  expect(await hosts.applyHostWrites([notifiedWrite(id, outage, { [OPS]: 10 })], [OPS], T)).toEqual({ applied: 0, skipped: 1 });
  expect((await docOf(id))?.alerts).toEqual({ [key]: { start: new Date(outage), notifiedAt: new Date(T), sent: { [ops]: 60 } } });
  expect(await hosts.applyHostWrites([notifiedWrite(id, outage, { [OPS]: 240 })], [OPS], T + 170 * MIN)).toEqual({ applied: 1, skipped: 0 });
  expect((await docOf(id))?.alerts?.[key]).toEqual({ start: new Date(outage), notifiedAt: new Date(T + 170 * MIN), sent: { [ops]: 240 } });
  // An earlier step re-applied later (a late retry) keeps the higher one.
  await hosts.applyHostWrites(at60, [OPS], T + 171 * MIN);
  expect((await docOf(id))?.alerts?.[key]?.sent).toEqual({ [ops]: 240 });
});

test('rule 3: only accepted destinations\' steps are written; the one that did not accept gets the step in the next run, the others nothing', async () => {
  const dests = [OPS_DEST, BOB_DEST, TEAM_DEST];
  const outage = T - 12 * MIN;
  const id = await addReportedHost(hosts, 'accepted-only', outage);
  const first = await run(T, [id], dests, [OPS, TEAM]);
  expect(first.lines).toEqual([{ kind: 'offline', name: 'accepted-only', step: 10, to: [OPS, BOB, TEAM] }]);
  expect(first.written).toEqual({ applied: 1, skipped: 0 });
  expect((await docOf(id))?.alerts?.[`offline_${outage}`]?.sent).toEqual({ [ops]: 10, [TEAM]: 10 });

  const second = await run(T + MIN, [id], dests, [BOB]);
  expect(second.lines).toEqual([{ kind: 'offline', name: 'accepted-only', step: 10, to: [BOB] }]);
  expect((await docOf(id))?.alerts?.[`offline_${outage}`]?.sent).toEqual({ [ops]: 10, [bob]: 10, [TEAM]: 10 });
  expect((await run(T + 2 * MIN, [id], dests, [OPS, BOB, TEAM])).lines).toEqual([]);
});

// ---------------------------------------------------------------- recoveries (rule 4)

test('rule 4: a recovery accepted by one of two notified destinations clears only that one; the other gets it next run; then alerts is gone', async () => {
  const dests = [OPS_DEST, TEAM_DEST];
  const outage = T - 40 * MIN;
  const id = await addReportedHost(hosts, 'half-told', outage);
  await markNotified(hosts, id, outage, 10, T - 30 * MIN, [OPS, TEAM]);
  const back = T - 20 * SEC;
  await hosts.recordReport(id, { n: 1 }, new Date(back));

  const first = await run(T, [id], dests, [OPS]);
  expect(first.lines).toEqual([{ kind: 'recovered', name: 'half-told', wentSilentAt: outage, seenAgainAt: back, to: [OPS, TEAM] }]);
  const kept = (await docOf(id))?.alerts;
  expect(Object.keys(kept ?? {})).toEqual([`offline_${outage}`]);
  expect(kept?.[`offline_${outage}`]?.sent).toEqual({ [TEAM]: 10 });

  await hosts.recordReport(id, { n: 2 }, new Date(T + 40 * SEC));
  const second = await run(T + MIN, [id], dests, [TEAM]);
  expect(second.lines).toEqual([{ kind: 'recovered', name: 'half-told', wentSilentAt: outage, seenAgainAt: back, to: [TEAM] }]);
  expect((await docOf(id))?.alerts).toBeUndefined();

  // Online and without alert state: the check no longer reads it.
  await hosts.recordReport(id, { n: 3 }, new Date(T + 100 * SEC));
  expect(await isLoaded(T + 2 * MIN, id)).toBe(false);
  expect((await run(T + 2 * MIN, [id], dests, [OPS, TEAM])).lines).toEqual([]);
});

test('a report records when a notified host was first seen again, once', async () => {
  const id = await addReportedHost(hosts, 'back', T - 20 * MIN);
  await markNotified(hosts, id, T - 20 * MIN, 10, T);
  await hosts.recordReport(id, { n: 1 }, new Date(T + MIN));
  await hosts.recordReport(id, { n: 2 }, new Date(T + 2 * MIN));
  await hosts.recordReport(id, { n: 3 }, new Date(T + 4 * MIN));
  const doc = await docOf(id);
  expect(doc?.alerts?.[`offline_${T - 20 * MIN}`]?.backAt).toEqual(new Date(T + MIN));
  expect(doc?.lastReportAt).toEqual(new Date(T + 4 * MIN));
  expect(doc?.data).toEqual({ n: 3 });
});

test('rule 4 (a): a report between the check\'s read and its write (it read the host before the state existed): the recovery says seen again at that report', async () => {
  const dests = [OPS_DEST];
  const outage = T - 12 * MIN;
  const id = await addReportedHost(hosts, 'racer', outage);
  const ev = await check(T, [id], dests);
  expect(linesOf(ev, dests)).toEqual([{ kind: 'offline', name: 'racer', step: 10, to: [OPS] }]);
  const firstBack = T + 5 * SEC;
  await hosts.recordReport(id, {}, new Date(firstBack)); // back before the state is written
  await hosts.applyHostWrites(ev.writes, [OPS], T);
  expect((await docOf(id))?.alerts?.[`offline_${outage}`]).toEqual({ start: new Date(outage), notifiedAt: new Date(T), sent: { [ops]: 10 } });

  const next = await run(T + MIN, [id], dests, [OPS]);
  expect(next.lines).toEqual([{ kind: 'recovered', name: 'racer', wentSilentAt: outage, seenAgainAt: firstBack, to: [OPS] }]);
  expect((await docOf(id))?.alerts).toBeUndefined();
});

test('rule 4 (b): after such a race, later reports (a minute apart or not) do not move the time the host was seen again', async () => {
  const dests = [OPS_DEST];
  for (const [name, failedFirst] of [
    ['racer-retried', true], // the next check's recovery is not accepted; more reports come before the run after
    ['racer-late', false], // no check runs until after more reports (checker down, quiet hours)
  ] as const) {
    const outage = T - 12 * MIN;
    const id = await addReportedHost(hosts, name, outage);
    const ev = await check(T, [id], dests);
    const firstBack = T + 5 * SEC;
    await hosts.recordReport(id, {}, new Date(firstBack));
    await hosts.applyHostWrites(ev.writes, [OPS], T);
    if (failedFirst) {
      const failed = await run(T + MIN, [id], dests, []);
      expect(failed.lines).toEqual([{ kind: 'recovered', name, wentSilentAt: outage, seenAgainAt: firstBack, to: [OPS] }]);
    }
    await hosts.recordReport(id, {}, new Date(T + 30 * SEC)); // within a minute of the first
    await hosts.recordReport(id, {}, new Date(T + 3 * MIN)); // a silence of more than a minute
    await hosts.recordReport(id, {}, new Date(T + 5 * MIN)); // and another
    const next = await run(T + 5 * MIN + 20 * SEC, [id], dests, [OPS]);
    expect(next.lines, name).toEqual([{ kind: 'recovered', name, wentSilentAt: outage, seenAgainAt: firstBack, to: [OPS] }]);
    expect((await docOf(id))?.alerts, name).toBeUndefined();
  }
});

test('rule 4 (c): a retried clear, re-applied after the next outage\'s state was written, does not erase that state', async () => {
  const dests = [OPS_DEST];
  const outage = T - 40 * MIN;
  const id = await addReportedHost(hosts, 'retried-clear', outage);
  await markNotified(hosts, id, outage, 10, T - 30 * MIN);
  const back = T - 30 * SEC;
  await hosts.recordReport(id, {}, new Date(back)); // ends the outage and starts the silence of the next one

  const clear = await check(T, [id], dests);
  expect(linesOf(clear, dests)).toEqual([{ kind: 'recovered', name: 'retried-clear', wentSilentAt: outage, seenAgainAt: back, to: [OPS] }]);
  expect(await hosts.applyHostWrites(clear.writes, [OPS], T)).toEqual({ applied: 1, skipped: 0 });
  expect((await docOf(id))?.alerts).toBeUndefined();

  // Silent since `back`: the next outage's step 10 is notified.
  const later = T + 10 * MIN;
  const notice = await run(later, [id], dests, [OPS]);
  expect(notice.lines).toEqual([{ kind: 'offline', name: 'retried-clear', step: 10, to: [OPS] }]);
  const newState = (await docOf(id))?.alerts;
  expect(newState).toEqual({ [`offline_${back}`]: { start: new Date(back), notifiedAt: new Date(later), sent: { [ops]: 10 } } });

  // The first clear lands again (a retried or late activity attempt): it names only the ended instance.
  expect(await hosts.applyHostWrites(clear.writes, [OPS], T)).toEqual({ applied: 0, skipped: 1 });
  expect((await docOf(id))?.alerts).toEqual(newState);
  // So step 10 is not sent twice, and the next step comes when due.
  expect((await run(later + MIN, [id], dests, [OPS])).lines).toEqual([]);
  expect((await run(back + 60 * MIN, [id], dests, [OPS])).lines).toEqual([{ kind: 'offline', name: 'retried-clear', step: 60, to: [OPS] }]);
});

test('rule 4 (d): a report racing the clear leaves a stub, which the next check drops without any line', async () => {
  const dests = [OPS_DEST];
  const outage = T - 40 * MIN;
  const id = await addReportedHost(hosts, 'stub', outage);
  await markNotified(hosts, id, outage, 10, T - 30 * MIN);
  // Two first reports after the outage: both read the host before either was stored.
  const stale = (await hosts.collection.findOne({ _id: new ObjectId(id) }, { projection: { lastReportAt: 1, alerts: 1, alert: 1, back: 1 } }))!;
  const back = T - 30 * SEC;
  await hosts.recordReport(id, { n: 1 }, new Date(back));

  const clear = await run(T, [id], dests, [OPS]);
  expect(clear.lines).toEqual([{ kind: 'recovered', name: 'stub', wentSilentAt: outage, seenAgainAt: back, to: [OPS] }]);
  expect((await docOf(id))?.alerts).toBeUndefined();

  await hosts.recordReport(stale, { n: 2 }, new Date(T + 10 * SEC)); // the other first report lands after the clear
  const stubbed = (await docOf(id))?.alerts;
  expect(stubbed).toEqual({ [`offline_${outage}`]: { backAt: new Date(T + 10 * SEC) } });

  const next = await run(T + MIN, [id], dests, [OPS]);
  expect(next.lines).toEqual([]);
  expect(next.written).toEqual({ applied: 1, skipped: 0 });
  expect((await docOf(id))?.alerts).toBeUndefined();
  await hosts.recordReport(id, { n: 3 }, new Date(T + 70 * SEC));
  expect(await isLoaded(T + 2 * MIN, id)).toBe(false);
});

// ---------------------------------------------------------------- upgrade from the single-recipient release

test('upgrade: a legacy alert record: no re-send to the address that had the step, the new channel gets the due step, the record is rewritten per destination', async () => {
  const dests = [OPS_DEST, TEAM_DEST];
  const outage = T - 30 * MIN;
  const key = `offline_${outage}`;
  const id = await addReportedHost(hosts, 'legacy-current', outage);
  await setLegacyAlert(id, { outage, step: 10, notifiedAt: outage + 10 * MIN });
  expect(await isLoaded(T, id)).toBe(true);

  const first = await run(T, [id], dests, [TEAM]);
  expect(first.lines).toEqual([{ kind: 'offline', name: 'legacy-current', step: 10, to: [TEAM] }]);
  const doc = await docOf(id);
  expect(doc?.alert).toBeUndefined();
  expect(doc?.alerts).toEqual({ [key]: { start: new Date(outage), notifiedAt: new Date(T), sent: { [ops]: 10, [TEAM]: 10 } } });

  expect((await run(T + MIN, [id], dests, [OPS, TEAM])).lines).toEqual([]);
  // The next step is sent to both when due.
  const at60 = outage + 60 * MIN;
  expect((await run(at60, [id], dests, [OPS, TEAM])).lines).toEqual([{ kind: 'offline', name: 'legacy-current', step: 60, to: [OPS, TEAM] }]);
  expect((await docOf(id))?.alerts?.[key]?.sent).toEqual({ [ops]: 60, [TEAM]: 60 });
});

test('upgrade: a legacy record whose next step is due: the address gets it (no loss), and if the channel fails it keeps nothing', async () => {
  const dests = [OPS_DEST, TEAM_DEST];
  const outage = T - 61 * MIN;
  const key = `offline_${outage}`;
  const id = await addReportedHost(hosts, 'legacy-due', outage);
  await setLegacyAlert(id, { outage, step: 10, notifiedAt: outage + 10 * MIN });

  const first = await run(T, [id], dests, [OPS]);
  expect(first.lines).toEqual([{ kind: 'offline', name: 'legacy-due', step: 60, to: [OPS, TEAM] }]);
  const doc = await docOf(id);
  expect(doc?.alert).toBeUndefined();
  expect(doc?.alerts?.[key]?.sent).toEqual({ [ops]: 60 });
  expect((await run(T + MIN, [id], dests, [TEAM])).lines).toEqual([{ kind: 'offline', name: 'legacy-due', step: 60, to: [TEAM] }]);
  expect((await docOf(id))?.alerts?.[key]?.sent).toEqual({ [ops]: 60, [TEAM]: 60 });
});

test('upgrade: a legacy record kept while nothing is written, rewritten even when the channel does not accept', async () => {
  const outage = T - 30 * MIN;
  const id = await addReportedHost(hosts, 'legacy-kept', outage);
  await setLegacyAlert(id, { outage, step: 10, notifiedAt: outage + 10 * MIN });
  // Only the address, which has step 10: nothing to send, nothing to write.
  expect((await run(T, [id], [OPS_DEST], [OPS])).lines).toEqual([]);
  expect((await docOf(id))?.alert).toEqual({ outage: new Date(outage), step: 10, notifiedAt: new Date(outage + 10 * MIN) });
  // The channel fails its step-10 notice: the address's carried step is written anyway, and the record goes.
  expect((await run(T + MIN, [id], [OPS_DEST, TEAM_DEST], [])).lines).toEqual([{ kind: 'offline', name: 'legacy-kept', step: 10, to: [TEAM] }]);
  const doc = await docOf(id);
  expect(doc?.alert).toBeUndefined();
  expect(doc?.alerts?.[`offline_${outage}`]?.sent).toEqual({ [ops]: 10 });
  expect((await run(T + 2 * MIN, [id], [OPS_DEST, TEAM_DEST], [TEAM])).lines).toEqual([{ kind: 'offline', name: 'legacy-kept', step: 10, to: [TEAM] }]);
});

test('upgrade: a legacy outage that ended gets one recovery, to the email address only, at the first report after it', async () => {
  const dests = [OPS_DEST, TEAM_DEST];
  const outage = T - 90 * MIN;
  const backAt = T - 20 * MIN;
  const id = await addReportedHost(hosts, 'legacy-back', outage);
  await setLegacyAlert(id, { outage, step: 60, notifiedAt: outage + 60 * MIN, backAt });
  await hosts.collection.updateOne({ _id: new ObjectId(id) }, { $set: { lastReportAt: new Date(T - 10 * SEC) } }); // reported since

  const first = await run(T, [id], dests, [OPS, TEAM]);
  expect(first.lines).toEqual([{ kind: 'recovered', name: 'legacy-back', wentSilentAt: outage, seenAgainAt: backAt, to: [OPS] }]);
  const doc = await docOf(id);
  expect(doc?.alert).toBeUndefined();
  expect(doc?.alerts).toBeUndefined();
  await hosts.recordReport(id, {}, new Date(T + 30 * SEC));
  expect(await isLoaded(T + MIN, id)).toBe(false);
  expect((await run(T + MIN, [id], dests, [OPS, TEAM])).lines).toEqual([]);
});

// ---------------------------------------------------------------- grace and enabling (rule 9)

test('rule 9: a host that states a 300 s interval is not offline at 5 min 30 s of silence with a 60 s grace, and is at 6 min 1 s', async () => {
  const last = T - 10 * MIN;
  const id = await addReportedHost(hosts, 'interval-300', T - 15 * MIN);
  await hosts.recordReport(id, { interval: 300 }, new Date(last));
  const loaded = (await loadAll(last + 5 * MIN + 30 * SEC)).find((h) => h.id === id);
  expect(loaded?.intervalMs).toBe(300_000);

  const within = await check(last + 5 * MIN + 30 * SEC, [id], [OPS_DEST]);
  expect(within.hostsOffline).toBe(0);
  expect(within.lines).toEqual([]);
  expect(within.writes).toEqual([]);

  const beyond = await check(last + 6 * MIN + SEC, [id], [OPS_DEST]);
  expect(beyond.hostsOffline).toBe(1);
  // Steps count from the last report: 6 minutes, step 1.
  expect(linesOf(beyond, [OPS_DEST])).toEqual([{ kind: 'offline', name: 'interval-300', step: 1, to: [OPS] }]);

  // The interval set on the host record applies when reports do not state one.
  const recorded = await addReportedHost(hosts, 'interval-record', last);
  await hosts.update('interval-record', { interval: 300 });
  expect((await check(last + 5 * MIN + 30 * SEC, [recorded], [OPS_DEST])).lines).toEqual([]);
  expect((await check(last + 6 * MIN + SEC, [recorded], [OPS_DEST])).lines).toHaveLength(1);
});

test('rule 9: enabling a disabled host restarts its offline time; enabling an active host changes nothing', async () => {
  const now = Date.now();
  const last = now - 3 * 60 * MIN;
  const id = await addReportedHost(hosts, 'reenabled', last);
  await hosts.update('reenabled', { active: false });
  expect((await docOf(id))?.enabledAt).toBeUndefined();
  await hosts.update('reenabled', { active: true });
  const enabledAt = (await docOf(id))?.enabledAt?.getTime();
  expect(enabledAt).toBeGreaterThanOrEqual(now);
  expect(enabledAt).toBeLessThanOrEqual(Date.now());

  const dests = [OPS_DEST];
  // Silent for three hours, but enabled just now: nothing until a step is due counted from enabledAt.
  expect((await check(enabledAt! + 30 * SEC, [id], dests)).lines).toEqual([]);
  expect((await check(enabledAt! + 59 * SEC, [id], dests)).lines).toEqual([]);
  expect(linesOf(await check(enabledAt! + MIN, [id], dests), dests)).toEqual([{ kind: 'offline', name: 'reenabled', step: 1, to: [OPS] }]);
  expect(linesOf(await check(enabledAt! + 10 * MIN + SEC, [id], dests), dests)).toEqual([{ kind: 'offline', name: 'reenabled', step: 10, to: [OPS] }]);

  await hosts.update('reenabled', { active: true });
  await hosts.update('reenabled', { alarm: true, active: true });
  expect((await docOf(id))?.enabledAt?.getTime()).toBe(enabledAt);

  // A host that states its interval gets the interval plus grace from its enabling, too.
  const steady = await addReportedHost(hosts, 'reenabled-300', last);
  await hosts.recordReport(steady, { interval: 300 }, new Date(last + 5 * MIN));
  await hosts.update('reenabled-300', { active: false });
  await hosts.update('reenabled-300', { active: true });
  const since = (await docOf(steady))!.enabledAt!.getTime();
  expect((await check(since + 2 * MIN, [steady], dests)).lines).toEqual([]);
  expect((await check(since + 6 * MIN, [steady], dests)).lines).toEqual([]);
  expect(linesOf(await check(since + 6 * MIN + SEC, [steady], dests), dests)).toEqual([{ kind: 'offline', name: 'reenabled-300', step: 1, to: [OPS] }]);
});
