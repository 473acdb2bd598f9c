/**
 * Metric rules at ingest, on the real database through the real report route: the rule state a report implies is
 * written in the report's one update (no extra round trip), a concurrent check never sees a report without its rule
 * state, and rule changes reach the API through its RuleCache within seconds.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import { checkSnapshot } from '../../src/store/check-snapshot.js';
import { isConditionDoc, type ConditionDoc } from '../../src/store/condition-state.js';
import { HostStore } from '../../src/store/hosts-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { freshStore } from '../support/db.js';
import { diskReport } from '../support/rule-sim.js';
import { reportHeaders } from './support.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
let client: MongoClient;
let dropDb: () => Promise<unknown>;
let hosts: HostStore;
let rules: RuleStore;
let cache: RuleCache;
let app: FastifyInstance;
let clock = T;
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  const fresh = await freshStore();
  await fresh.mongo.close();
  client = new MongoClient(fresh.uri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e) => {
    if (['find', 'update', 'insert', 'delete', 'aggregate', 'findAndModify'].includes(e.commandName) && e.command[e.commandName] === 'hosts') commands.push(e);
  });
  const db = client.db(fresh.dbName);
  dropDb = () => db.dropDatabase();
  hosts = new HostStore(db);
  rules = new RuleStore(db);
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
  commands = [];
});

function post(key: string, secret: string, payload: object) {
  return app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(key, secret), payload: JSON.stringify(payload) });
}

const conditions = async (id: string): Promise<ConditionDoc[]> => {
  const doc = await hosts.collection.findOne({ _id: new ObjectId(id) });
  return Object.values(doc?.alerts ?? {}).filter(isConditionDoc);
};

test('a breaching report opens the instance in the one update that stores it: one find, one update, nothing else', async () => {
  const h = await hosts.add('one-write');
  clock = T;
  expect((await post(h.key, h.secret, diskReport({ '/': 50 }, { uptime: 1000 }))).statusCode).toBe(204);
  commands = [];
  clock = T + 60_000;
  expect((await post(h.key, h.secret, diskReport({ '/': 95, '/var': 40 }, { uptime: 1060 }))).statusCode).toBe(204);
  expect(commands.map((c) => c.commandName)).toEqual(['find', 'update']);
  const update = (commands[1]!.command.updates as { u: { $set: Record<string, unknown> } }[])[0]!.u.$set;
  expect(Object.keys(update).sort()).toEqual(expect.arrayContaining(['data', 'lastReportAt', 'lastUptime']));
  expect(Object.keys(update).filter((k) => k.startsWith('alerts.metric_'))).toHaveLength(1);
  expect(await conditions(h.id)).toEqual([expect.objectContaining({ condition: 'metric', item: '/', value: 95, peak: 95, start: new Date(T + 60_000) })]);

  // a reboot: again one update, carrying the reboot instance
  commands = [];
  clock = T + 120_000;
  expect((await post(h.key, h.secret, diskReport({ '/': 80 }, { uptime: 5 }))).statusCode).toBe(204);
  expect(commands.map((c) => c.commandName)).toEqual(['find', 'update']);
  const all = await conditions(h.id);
  expect(all.find((c) => c.condition === 'reboot')).toMatchObject({ uptime: 5, previousUptime: 1060 });
  expect(all.find((c) => c.condition === 'metric')).toMatchObject({ endAt: new Date(T + 120_000), endValue: 80 });
});

test('a concurrent check never sees a report without the rule state it implies', async () => {
  const h = await hosts.add('atomic');
  const id = new ObjectId(h.id);
  let stop = false;
  let reads = 0;
  const problems: string[] = [];
  // The check's own read path (the projection it uses, then its snapshot), as fast as it goes.
  const reader = (async () => {
    while (!stop) {
      const doc = await hosts.collection.findOne({ _id: id });
      if (!doc?.lastReportAt) continue;
      reads++;
      const disk = (doc.data?.disk as { used: number; total: number }[] | undefined)?.[0];
      const pct = disk ? Math.round((disk.used / disk.total) * 1000) / 10 : undefined;
      const open = Object.values(doc.alerts ?? {}).filter((a) => isConditionDoc(a) && a.endAt === undefined) as ConditionDoc[];
      // reports alternate 95 (breach) and 80 (clear): an open instance exactly when the stored report breaches
      if (pct === 95 && (open.length !== 1 || open[0]!.value !== 95)) problems.push(`report at 95 with ${open.length} open instance(s)`);
      if (pct === 80 && open.length !== 0) problems.push('report at 80 with an open instance');
      const snap = checkSnapshot(doc);
      if (snap && snap.alerts.some((a) => a.condition && a.condition.endAt === undefined && a.start > snap.lastReportAt)) problems.push('instance newer than the report');
    }
  })();
  for (let i = 0; i < 60; i++) {
    clock = T + 3_600_000 + i * 1000;
    expect((await post(h.key, h.secret, diskReport({ '/': i % 2 === 0 ? 95 : 80 }))).statusCode).toBe(204);
  }
  stop = true;
  await reader;
  expect(reads).toBeGreaterThan(10);
  expect(problems).toEqual([]);
  // 30 breaches, each ended by the next report: 30 instances, all ended
  const all = await conditions(h.id);
  expect(all.filter((c) => c.condition === 'metric')).toHaveLength(30);
  expect(all.every((c) => c.endAt !== undefined)).toBe(true);
});

test('rule changes reach the API within seconds: added, tightened, removed', async () => {
  const h = await hosts.add('live-rules');
  clock = T + 7_200_000;
  await post(h.key, h.secret, { cpu: 70 });
  expect(await conditions(h.id)).toEqual([]);
  await rules.add({ name: 'cpu-busy', metric: 'cpu', op: 'above', threshold: 60, steps: [] });
  const seen = async (check: () => Promise<boolean>) => {
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      clock += 1000;
      await post(h.key, h.secret, { cpu: 70 });
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  expect(await seen(async () => (await conditions(h.id)).some((c) => c.metric === 'cpu' && c.endAt === undefined))).toBe(true);
  await rules.update('cpu-busy', { threshold: 75 });
  // 70 is not above 75 (and is at or below the clear threshold, the threshold itself): the instance ends
  expect(await seen(async () => (await conditions(h.id)).every((c) => c.metric !== 'cpu' || c.endAt !== undefined))).toBe(true);
  await rules.remove('cpu-busy');
  await new Promise((r) => setTimeout(r, 600)); // three refreshes
  const before = (await conditions(h.id)).length;
  clock += 1000;
  await post(h.key, h.secret, { cpu: 99 });
  expect((await conditions(h.id)).length).toBe(before);
});
