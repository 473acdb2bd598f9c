/**
 * The outage log on the real database, through the real report route and the check's state write: what a report
 * ends is recorded once (also when the same report is written twice), what destinations accepted is kept after the
 * host's state forgets it, a report that ends nothing writes nothing more, and the log and uptime read it back.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import { outageLog } from '../../src/history/outage-log.js';
import { reportOutages } from '../../src/history/outage-records.js';
import { uptimeOf } from '../../src/history/uptime.js';
import { notifiedWrite } from '../../src/store/alert-state.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { freshStore, OPS } from '../support/db.js';
import { diskReport } from '../support/rule-sim.js';
import { reportHeaders } from '../api/support.js';

const T = Date.UTC(2026, 11, 1, 8, 0, 0);
const MIN = 60_000;
let client: MongoClient;
let dropDb: () => Promise<unknown>;
let hosts: HostStore;
let cache: RuleCache;
let app: FastifyInstance;
let clock = T;
let outageCommands: CommandStartedEvent[] = [];

beforeAll(async () => {
  const fresh = await freshStore();
  await fresh.mongo.close();
  client = new MongoClient(fresh.uri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e) => {
    if (e.command[e.commandName] === 'outages') outageCommands.push(e);
  });
  const db = client.db(fresh.dbName);
  dropDb = () => db.dropDatabase();
  hosts = new HostStore(db);
  await hosts.ensureIndexes();
  const rules = new RuleStore(db);
  await rules.ensureIndexes();
  await rules.add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, clear: 85, steps: [] });
  await rules.add({ name: 'reboots', metric: 'reboot', steps: [] });
  cache = new RuleCache(rules, { refreshMs: 200 });
  await cache.start();
  app = buildApi({ hosts, rules: cache, now: () => new Date(clock), authLimits: { perSource: 10_000, perKey: 10_000, windowMs: 60_000 } });
});
afterAll(async () => {
  cache?.stop();
  await app?.close();
  await dropDb?.();
  await client?.close();
});
beforeEach(() => {
  outageCommands = [];
});

async function report(h: { key: string; secret: string }, at: number, body: Record<string, unknown>): Promise<void> {
  clock = at;
  const res = await app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(h.key, h.secret), payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(204);
}

test('an offline outage: steps accepted while it holds are kept, the report after it ends it; reports in between write nothing more', async () => {
  const h = await hosts.add('web-1');
  await report(h, T, { uptime: 100 });
  await report(h, T + 30_000, { uptime: 130 });
  expect(outageCommands).toEqual([]); // ordinary reports: no outage-log write at all
  expect((await hosts.collection.findOne({ _id: new ObjectId(h.id) }))?.firstReportAt).toEqual(new Date(T));

  // The check notifies step 1 then 10 (ops@ accepts, the chat does not), then a retried step-1 write lands late.
  const start = T + 30_000;
  await hosts.applyHostWrites([notifiedWrite(h.id, start, { [OPS]: 1, 'team-chat': 1 })], [OPS], T + 2 * MIN);
  await hosts.applyHostWrites([notifiedWrite(h.id, start, { [OPS]: 10 })], [OPS], T + 11 * MIN);
  await hosts.applyHostWrites([notifiedWrite(h.id, start, { [OPS]: 1 })], [OPS], T + 12 * MIN);
  const open = await hosts.outages.forHost(h.id);
  expect(open).toEqual([expect.objectContaining({ id: `${h.id}:offline_${start}`, condition: 'offline', start: new Date(start), end: null, notified: { [OPS]: 10 } })]);

  await report(h, T + 20 * MIN, { uptime: 1330 });
  const [rec] = await hosts.outages.forHost(h.id);
  expect(rec).toEqual({ id: `${h.id}:offline_${start}`, hostId: h.id, host: 'web-1', condition: 'offline', start: new Date(start), end: new Date(T + 20 * MIN), notified: { [OPS]: 10 } });
  expect(await hosts.outages.collection.countDocuments({ hostId: h.id })).toBe(1); // one month bucket
});

test('an outage nobody was told of is recorded too; the same report written twice records it once', async () => {
  const h = await hosts.add('quiet-1');
  await report(h, T, {});
  const target = (await hosts.collection.findOne({ _id: new ObjectId(h.id) }))!;
  // The same report applied twice from the same read (a retried write): one record with the same fields.
  await hosts.recordReport(target, {}, new Date(T + 5 * MIN));
  await hosts.recordReport(target, {}, new Date(T + 5 * MIN));
  const recs = await hosts.outages.forHost(h.id);
  expect(recs).toHaveLength(1);
  expect(recs[0]).toMatchObject({ condition: 'offline', start: new Date(T), end: new Date(T + 5 * MIN), notified: {} });
});

test('grace: a host that states its interval has an outage only past interval + 60 s', () => {
  const host = { _id: new ObjectId(), name: 'x', lastReportAt: new Date(T) };
  expect(reportOutages(host, { interval: 300 }, new Date(T + 360_000), {})).toEqual([]);
  expect(reportOutages(host, { interval: 300 }, new Date(T + 360_001), {})).toHaveLength(1);
  expect(reportOutages(host, {}, new Date(T + 59_999), {})).toEqual([]);
  expect(reportOutages(host, {}, new Date(T + 60_000), {})).toHaveLength(1);
  // Counted from the last enabling when that is later (rule 9).
  const enabled = reportOutages({ ...host, enabledAt: new Date(T + 10 * MIN) }, {}, new Date(T + 12 * MIN), {});
  expect(enabled).toEqual([expect.objectContaining({ start: new Date(T + 10 * MIN), end: new Date(T + 12 * MIN) })]);
});

test('metric conditions are recorded when they end (with rule, item and peak), reboots when they happen', async () => {
  const h = await hosts.add('db-1');
  await report(h, T, diskReport({ '/var': 50 }, { uptime: 1000 }));
  await report(h, T + 30_000, diskReport({ '/var': 95 }, { uptime: 1030 }));
  await report(h, T + 60_000, diskReport({ '/var': 97 }, { uptime: 1060 }));
  expect(await hosts.outages.forHost(h.id)).toEqual([]); // still holding: only the host document knows
  const live = outageLog((await hosts.collection.findOne({ _id: new ObjectId(h.id) }))!, [], T + 70_000);
  expect(live).toEqual([expect.objectContaining({ condition: 'metric', ruleName: 'disk-full', item: '/var', end: null, peak: 97 })]);

  await report(h, T + 90_000, diskReport({ '/var': 80 }, { uptime: 5 }));
  const recs = await hosts.outages.forHost(h.id);
  expect(recs.map((r) => r.condition).sort()).toEqual(['metric', 'reboot']);
  expect(recs.find((r) => r.condition === 'metric')).toMatchObject({ ruleName: 'disk-full', metric: 'disk', item: '/var', peak: 97, start: new Date(T + 30_000), end: new Date(T + 90_000) });
  expect(recs.find((r) => r.condition === 'reboot')).toMatchObject({ ruleName: 'reboots', start: new Date(T + 90_000), end: new Date(T + 90_000) });
  // Neither is downtime.
  const doc = (await hosts.collection.findOne({ _id: new ObjectId(h.id) }))!;
  expect(uptimeOf(doc, recs, T + 91_000).d1).toBe(1);
});

test('the log shows a silence going on now with what was notified; since() reads every host in one query', async () => {
  const h = await hosts.add('gone-1');
  await report(h, T, {});
  await hosts.applyHostWrites([notifiedWrite(h.id, T, { [OPS]: 10 })], [OPS], T + 11 * MIN);
  const doc = (await hosts.collection.findOne({ _id: new ObjectId(h.id) }))!;
  const log = outageLog(doc, await hosts.outages.forHost(h.id), T + 30 * MIN);
  expect(log).toEqual([expect.objectContaining({ id: `${h.id}:offline_${T}`, condition: 'offline', start: new Date(T), end: null, notified: { [OPS]: 10 }, host: 'gone-1' })]);
  // Monitored from its first report, 30 minutes ago, and silent ever since.
  expect(uptimeOf(doc, log, T + 30 * MIN).d1).toBe(0);
  expect(uptimeOf(doc, log, T + 60 * MIN).d1).toBe(0);

  outageCommands = [];
  const all = await hosts.outages.since(new Date(T - 60 * MIN));
  expect(outageCommands.map((c) => c.commandName)).toEqual(['find']);
  expect(all.some((r) => r.hostId === h.id && r.end === null)).toBe(true);
});

test('an outage across the end of a month: its steps (month it began) and its end (month it ended) read back as one record, by _id only', async () => {
  const h = await hosts.add('month-1');
  const start = Date.UTC(2026, 10, 30, 23, 50);
  await hosts.recordReport(h.id, {}, new Date(start));
  await hosts.applyHostWrites([notifiedWrite(h.id, start, { [OPS]: 10 })], [OPS], start + 11 * MIN);
  await hosts.recordReport(h.id, {}, new Date(start + 30 * MIN));
  expect((await hosts.outages.collection.find({ hostId: h.id }).toArray()).map((b) => b._id).sort()).toEqual([`${h.id}:2026-11`, `${h.id}:2026-12`]);
  outageCommands = [];
  const recs = await hosts.outages.forHost(h.id, { since: new Date(start - 60 * 86_400_000), now: new Date(start + 40 * MIN) });
  expect(recs).toEqual([{ id: `${h.id}:offline_${start}`, hostId: h.id, host: 'month-1', condition: 'offline', start: new Date(start), end: new Date(start + 30 * MIN), notified: { [OPS]: 10 } }]);
  // One find per month in the range, each filtered by `_id` alone (FerretDB's primary key).
  expect(outageCommands.every((c) => c.commandName === 'find' && Object.keys(c.command.filter).join() === '_id')).toBe(true);
  expect(outageCommands).toHaveLength(3);
});
