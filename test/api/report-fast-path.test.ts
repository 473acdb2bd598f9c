/**
 * The report path's database commands, seen through the driver's command monitoring on FerretDB: a key of the
 * current shape (`hk_<host id>_<random>`) is looked up by `_id` alone and a report is one update filtered by `_id`
 * alone (the only filter FerretDB's SQLite backend answers without reading the whole collection); a key of the old
 * shape still works through the `secretKey` lookup; a key forged from another host's id is refused.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MongoClient, ObjectId, type CommandStartedEvent, type Document } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { keyShape, newCredentials } from '../../src/store/credentials.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { freshStore, markNotified } from '../support/db.js';
import { reportHeaders, SAMPLE_REPORT, snapshot } from './support.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
let client: MongoClient;
let dropDb: () => Promise<unknown>;
let outageCommands: CommandStartedEvent[] = [];
let hosts: HostStore;
let app: FastifyInstance;
let clock = new Date(T);
/** Every command the store sent to the hosts collection since the last reset (reads and writes). */
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  const fresh = await freshStore();
  await fresh.mongo.close();
  client = new MongoClient(fresh.uri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e) => {
    // The hosts collection's commands; the history collections' (outage log, metric history) are counted apart.
    if (!['find', 'update', 'insert', 'delete', 'aggregate', 'findAndModify'].includes(e.commandName)) return;
    if (e.command[e.commandName] === 'hosts') commands.push(e);
    else if (e.command[e.commandName] === 'outages') outageCommands.push(e);
  });
  const db = client.db(fresh.dbName);
  dropDb = () => db.dropDatabase();
  hosts = new HostStore(db);
  app = buildApi({ hosts, now: () => clock, authLimits: { perSource: 1000, perKey: 1000, windowMs: 60_000 } });
});
afterAll(async () => {
  await app?.close();
  await dropDb?.();
  await client?.close();
});
beforeEach(() => {
  commands = [];
  outageCommands = [];
});

const doc = (id: string) => hosts.collection.findOne({ _id: new ObjectId(id) });

function post(key: string, secret: string, payload: object = SAMPLE_REPORT) {
  return app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(key, secret), payload: JSON.stringify(payload) });
}

/** The filters of the commands sent, e.g. `find {_id}` or `update {_id}`, with the ids as hex strings. */
function filters(): { command: string; filter: Document }[] {
  return commands.map((e) => {
    const c = e.command;
    const raw: Document = e.commandName === 'find' ? c.filter : e.commandName === 'update' ? (c.updates as Document[])[0]!.q : {};
    const filter = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v instanceof ObjectId ? v.toHexString() : v]));
    return { command: e.commandName, filter };
  });
}

test('keys carry the host id and 96 random bits, url-safe; rotation keeps the id', async () => {
  const h = await hosts.add('shape-1');
  expect(h.key).toMatch(new RegExp(`^hk_${h.id}_[A-Za-z0-9_-]{16}$`));
  expect(Buffer.from(h.key.slice(-16), 'base64url')).toHaveLength(12);
  expect(keyShape(h.key)).toEqual({ kind: 'id', hostId: h.id });
  expect(encodeURIComponent(h.key)).toBe(h.key);
  const fresh = await hosts.rotateSecret('shape-1');
  expect(fresh.key.slice(0, 28)).toBe(`hk_${h.id}_`);
  expect(fresh.key).not.toBe(h.key);
  // Two keys for the same id differ in their random part.
  const id = new ObjectId().toHexString();
  expect(newCredentials(id).key).not.toBe(newCredentials(id).key);
  expect(() => newCredentials('not-an-id')).toThrow(TypeError);
});

test('a key of the current shape: one find by _id alone, then one update by _id alone', async () => {
  const h = await hosts.add('fast-1');
  commands = [];
  clock = new Date(T);
  expect((await post(h.key, h.secret)).statusCode).toBe(204);
  expect(filters()).toEqual([
    { command: 'find', filter: { _id: h.id } },
    { command: 'update', filter: { _id: h.id } },
  ]);
  // The report body of the previous report is not read back to authenticate the next one.
  expect(commands[0]!.command.projection).toEqual({ data: 0 });
  expect(await doc(h.id)).toMatchObject({ lastReportAt: new Date(T), data: SAMPLE_REPORT });
});

test('a key of the old shape still authenticates, through the secretKey lookup; rotating gives a fast key', async () => {
  const h = await hosts.add('legacy-1');
  // A host registered before keys carried the id: `hk_` and 16 random base64url characters.
  const legacyKey = `hk_${randomBytes(12).toString('base64url')}`;
  expect(keyShape(legacyKey)).toEqual({ kind: 'legacy' });
  await hosts.collection.updateOne({ _id: new ObjectId(h.id) }, { $set: { secretKey: legacyKey } });
  commands = [];
  clock = new Date(T + MIN);
  expect((await post(legacyKey, h.secret)).statusCode).toBe(204);
  expect(filters()).toEqual([
    { command: 'find', filter: { secretKey: legacyKey } },
    { command: 'update', filter: { _id: h.id } },
  ]);
  expect((await doc(h.id))?.lastReportAt).toEqual(new Date(T + MIN));
  expect((await post(legacyKey, `${h.secret}x`)).statusCode).toBe(401);
  expect((await post(`hk_${randomBytes(12).toString('base64url')}`, h.secret)).statusCode).toBe(401);

  const fresh = await hosts.rotateSecret('legacy-1');
  expect(keyShape(fresh.key)).toEqual({ kind: 'id', hostId: h.id });
  expect((await post(legacyKey, fresh.secret)).statusCode).toBe(401);
  commands = [];
  expect((await post(fresh.key, fresh.secret)).statusCode).toBe(204);
  expect(filters().map((f) => f.filter)).toEqual([{ _id: h.id }, { _id: h.id }]);
});

test("401 for a key of the right shape built from another host's id, and for keys no host has; nothing changes", async () => {
  const victim = await hosts.add('victim');
  const attacker = await hosts.add('attacker');
  clock = new Date(T + 2 * MIN);
  const before = await snapshot(hosts);
  const forged = [
    `hk_${victim.id}_${attacker.key.slice(-16)}`, // the victim's id with the attacker's random part
    `hk_${victim.id}_${randomBytes(12).toString('base64url')}`,
    `hk_${new ObjectId().toHexString()}_${victim.key.slice(-16)}`, // no host has this id
    `${victim.key.slice(0, -1)}${victim.key.endsWith('A') ? 'B' : 'A'}`,
  ];
  for (const key of forged) {
    // With the attacker's secret, with the victim's secret: neither gets in.
    for (const secret of [attacker.secret, victim.secret]) {
      const res = await post(key, secret);
      expect({ status: res.statusCode, body: res.json() }, key).toEqual({ status: 401, body: { error: 'unauthorized' } });
    }
  }
  // Not a shape hostwatch issues: refused without a query at all.
  commands = [];
  expect((await post('hk_unknown', victim.secret)).statusCode).toBe(401);
  expect((await post(`${victim.key}x`, victim.secret)).statusCode).toBe(401);
  expect(commands).toEqual([]);
  expect(await snapshot(hosts)).toBe(before);
});

test('a report after a notified outage sets the instance\'s backAt in its one write, on the first report only', async () => {
  const h = await hosts.add('outage-1');
  clock = new Date(T);
  expect((await post(h.key, h.secret, {})).statusCode).toBe(204);
  await markNotified(hosts, h.id, T, 10, T + 12 * MIN);

  commands = [];
  outageCommands = [];
  clock = new Date(T + 30 * MIN);
  expect((await post(h.key, h.secret, { cpu: 1 })).statusCode).toBe(204);
  const first = filters();
  expect(first).toEqual([
    { command: 'find', filter: { _id: h.id } },
    { command: 'update', filter: { _id: h.id } },
  ]);
  const update = (commands[1]!.command.updates as Document[])[0]!;
  const key = `offline_${T}`;
  expect(update.u).toEqual({
    $set: { data: { cpu: 1 }, lastReportAt: new Date(T + 30 * MIN), back: { from: new Date(T), at: new Date(T + 30 * MIN) }, [`alerts.${key}.backAt`]: new Date(T + 30 * MIN) },
  });
  const instance = { start: new Date(T), notifiedAt: new Date(T + 12 * MIN), sent: { 'mailto:ops@example%2Ecom': 10 }, backAt: new Date(T + 30 * MIN) };
  expect((await doc(h.id))?.alerts).toEqual({ [key]: instance });
  // The outage it ends goes to the outage log in one upsert of its month's bucket, filtered by `_id` alone too.
  expect(outageCommands.map((e) => [e.commandName, (e.command.updates as Document[])[0]!.q])).toEqual([['update', { _id: `${h.id}:${new Date(T + 30 * MIN).toISOString().slice(0, 7)}` }]]);
  outageCommands = [];

  // The second report, 30 s later: one write again, without backAt, which stays at the first report's time.
  commands = [];
  clock = new Date(T + 30 * MIN + 30_000);
  expect((await post(h.key, h.secret, { cpu: 2 })).statusCode).toBe(204);
  expect(filters().map((f) => f.command)).toEqual(['find', 'update']);
  expect((commands[1]!.command.updates as Document[])[0]!.u).toEqual({ $set: { data: { cpu: 2 }, lastReportAt: new Date(T + 30 * MIN + 30_000) } });
  expect(await doc(h.id)).toMatchObject({ lastReportAt: new Date(T + 30 * MIN + 30_000), alerts: { [key]: instance } });
  expect(outageCommands).toEqual([]);
});

test('recordReport by id reads the host by _id and writes once; state from an ended outage gets no backAt', async () => {
  const h = await hosts.add('by-id');
  await hosts.recordReport(h.id, {}, new Date(T));
  await markNotified(hosts, h.id, T, 1, T + MIN);
  commands = [];
  expect(await hosts.recordReport(h.id, { n: 1 }, new Date(T + 5 * MIN))).toBe(true);
  expect(filters()).toEqual([
    { command: 'find', filter: { _id: h.id } },
    { command: 'update', filter: { _id: h.id } },
  ]);
  expect((await doc(h.id))?.alerts?.[`offline_${T}`]?.backAt).toEqual(new Date(T + 5 * MIN));

  // Alert state whose outage is not the host's last report (it came back and went quiet again without a check
  // in between, or backAt was lost): a report does not invent a backAt for it.
  const g = await hosts.add('ended');
  await hosts.recordReport(g.id, {}, new Date(T));
  await markNotified(hosts, g.id, T, 1, T + MIN);
  await hosts.collection.updateOne({ _id: new ObjectId(g.id) }, { $set: { lastReportAt: new Date(T + 2 * MIN) } });
  await hosts.recordReport(g.id, {}, new Date(T + 2 * MIN + 30_000));
  expect((await doc(g.id))?.alerts?.[`offline_${T}`]?.backAt).toBeUndefined();

  expect(await hosts.recordReport(new ObjectId().toHexString(), {}, new Date(T))).toBe(false);
});
