import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { RuleCache } from '../../src/api/rule-cache.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { freshStore, markNotified } from '../support/db.js';
import { reportHeaders, SAMPLE_REPORT } from './support.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const TOKEN = 'admin-token-0123456789abcdef';
let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let noToken: FastifyInstance;
let rules: RuleCache;
const credentials: { key: string; secret: string }[] = [];
const GIB = 1024 ** 3;
/** i-breaching's report: /var 95 % full (rule var-full: above 90) and CPU 75 % (rule busy: above 50, removed later). */
const BREACHING = { ...SAMPLE_REPORT, cpu: 75, disk: [SAMPLE_REPORT.disk[0]!, { mount: '/var', total: 50 * GIB, used: 47.5 * GIB }] };
const VAR_FULL = { condition: 'metric', rule: 'var-full', metric: 'disk', item: '/var', op: 'above', threshold: 90, value: 95, peak: 95, since: new Date(T).toISOString(), step: null, text: 'disk /var 95 % > 90 %' };

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  const ruleStore = new RuleStore(mongo.db);
  await ruleStore.ensureIndexes();
  await ruleStore.add({ name: 'var-full', metric: 'disk', op: 'above', threshold: 90, steps: [1, 10] });
  await ruleStore.add({ name: 'busy', metric: 'cpu', op: 'above', threshold: 50, steps: [5] });
  rules = new RuleCache(ruleStore, { refreshMs: 3_600_000 });
  await rules.start();
  app = buildApi({ hosts, rules, adminToken: TOKEN, now: () => new Date(T) });
  noToken = buildApi({ hosts, now: () => new Date(T) });
  const add = async (name: string, lastReportAt: number | null, data: Record<string, unknown> = SAMPLE_REPORT, opts: { active?: boolean; alarm?: boolean } = {}) => {
    const h = await hosts.add(name, opts);
    credentials.push(h);
    if (lastReportAt !== null) await hosts.recordReport(h.id, { ...data, privateNote: `note-of-${name}` }, new Date(lastReportAt));
    return h;
  };
  await add('a-online', T - 59_999);
  await add('b-offline', T - 5 * MIN - 30_000);
  const alerted = await add('c-alerted', T - 70 * MIN);
  await markNotified(hosts, alerted.id, T - 70 * MIN, 60, T - 5 * MIN);
  await add('d-never', null);
  await add('e-muted', T - 3 * MIN);
  await hosts.update('e-muted', { mutedUntil: new Date(T + 2 * 60 * MIN) });
  await add('f-mute-expired', T - 10_000);
  await hosts.update('f-mute-expired', { mutedUntil: new Date(T - MIN) });
  await add('g-disabled', T - 26 * 60 * MIN, { hostname: 'g', cpu: 'not-a-number', disk: 'garbage' }, { active: false });
  const back = await add('h-back', T - 50 * MIN);
  await markNotified(hosts, back.id, T - 50 * MIN, 10, T - 30 * MIN);
  await hosts.recordReport(back.id, {}, new Date(T - 20_000));
  // Through the report route, evaluated against the rules the API has read; then one rule is removed.
  const breaching = await hosts.add('i-breaching');
  credentials.push(breaching);
  const stored = await app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(breaching.key, breaching.secret), payload: JSON.stringify(BREACHING) });
  expect(stored.statusCode).toBe(204);
  const doc = await hosts.collection.findOne({ name: 'i-breaching' });
  expect(Object.values(doc!.alerts ?? {}).map((a) => a.name).sort()).toEqual(['busy', 'var-full']);
  await ruleStore.remove('busy');
  await rules.refresh();
});
afterAll(async () => {
  rules.stop();
  await app.close();
  await noToken.close();
  await mongo.db.dropDatabase();
  await mongo.close();
});

const get = (a: FastifyInstance, url: string, headers: Record<string, string> = {}) => a.inject({ method: 'GET', url, headers });

test('GET /healthz answers 200 with a database ping', async () => {
  const res = await get(app, '/healthz');
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 'ok' });
});

test('GET /healthz answers 503 when the database cannot be reached', async () => {
  const other = await freshStore();
  const api = buildApi({ hosts: other.hosts });
  expect((await get(api, '/healthz')).statusCode).toBe(200);
  await other.mongo.db.dropDatabase();
  await other.mongo.close();
  const started = Date.now();
  const res = await get(api, '/healthz');
  expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 503, body: { status: 'unavailable' } });
  expect(Date.now() - started).toBeLessThan(4_000);
  await api.close();
});

/** No stored hash, no key and no secret of any host appears in a response body. */
async function expectNoCredentials(body: string): Promise<void> {
  for (const d of await hosts.collection.find().toArray()) {
    expect(body).not.toContain(d.secretHash);
    expect(body).not.toContain(d.secretKey);
  }
  for (const c of credentials) expect(body).not.toContain(c.secret);
}

test('GET /api/v1/hosts refuses every request when no admin token is configured', async () => {
  const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer ' }, { authorization: `Bearer ${TOKEN}` }, { authorization: 'Bearer undefined' }];
  for (const headers of attempts) {
    const res = await get(noToken, '/api/v1/hosts', headers);
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 401, body: { error: 'unauthorized', message: 'a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>' } });
  }
});

test('GET /api/v1/hosts refuses a missing, malformed or wrong token', async () => {
  const wrong: Record<string, string>[] = [{}, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: 'Bearer ' }, { authorization: `bearer${TOKEN}` }];
  for (const headers of wrong) {
    const res = await get(app, '/api/v1/hosts', headers);
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 401, body: { error: 'unauthorized', message: 'a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>' } });
  }
});

test('GET /api/v1/hosts lists every host with its state, and no credentials', async () => {
  const res = await get(app, '/api/v1/hosts', { authorization: `Bearer ${TOKEN}` });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  expect(body.checkedAt).toBe(new Date(T).toISOString());
  const byName = Object.fromEntries(body.hosts.map((h: { name: string }) => [h.name, h]));
  expect(body.hosts.map((h: { name: string }) => h.name)).toEqual(['a-online', 'b-offline', 'c-alerted', 'd-never', 'e-muted', 'f-mute-expired', 'g-disabled', 'h-back', 'i-breaching']);
  expect(byName['a-online']).toEqual({
    name: 'a-online',
    active: true,
    alarm: true,
    state: 'online',
    lastReportAt: new Date(T - 59_999).toISOString(),
    offlineMinutes: 0,
    offlineFor: null,
    alertStep: null,
    mutedUntil: null,
    conditions: [],
    data: { ...SAMPLE_REPORT, privateNote: 'note-of-a-online' },
  });
  expect(byName['b-offline']).toMatchObject({ state: 'offline', offlineMinutes: 5, offlineFor: '5 minutes', alertStep: null, lastReportAt: new Date(T - 5 * MIN - 30_000).toISOString() });
  expect(byName['c-alerted']).toMatchObject({ state: 'offline', offlineMinutes: 70, offlineFor: '70 minutes', alertStep: 60 });
  expect(byName['d-never']).toMatchObject({ state: 'never reported', lastReportAt: null, offlineMinutes: null, offlineFor: null, alertStep: null, data: null });
  expect(byName['e-muted']).toMatchObject({ state: 'offline', offlineMinutes: 3, mutedUntil: new Date(T + 120 * MIN).toISOString() });
  expect(byName['f-mute-expired']).toMatchObject({ state: 'online', mutedUntil: null });
  expect(byName['g-disabled']).toMatchObject({ active: false, state: 'offline', offlineMinutes: 1560, offlineFor: '26 h 0 min' });
  // Back online after an alert, before the check cleared it: online, and the old outage's step is not shown.
  expect(byName['h-back']).toMatchObject({ state: 'online', offlineMinutes: 0, alertStep: null, conditions: [] });
  // Its open metric instance; the removed rule's one (still stored until the next check drops it) is not active.
  expect(byName['i-breaching']).toMatchObject({ state: 'online', conditions: [VAR_FULL], data: BREACHING });

  for (const h of body.hosts) expect(Object.keys(h)).not.toEqual(expect.arrayContaining(['secretKey']));
  expect(res.body).not.toMatch(/secretHash|secretKey|_id/);
  await expectNoCredentials(res.body);
});

test('GET /api/v1/status needs no token and shows states and a few metrics, never data or credentials', async () => {
  const res = await get(app, '/api/v1/status');
  expect(res.statusCode).toBe(200);
  const body = res.json();
  const byName = Object.fromEntries(body.hosts.map((h: { name: string }) => [h.name, h]));
  expect(byName['a-online']).toEqual({
    name: 'a-online',
    active: true,
    alarm: true,
    state: 'online',
    lastReportAt: new Date(T - 59_999).toISOString(),
    offlineMinutes: 0,
    offlineFor: null,
    alertStep: null,
    mutedUntil: null,
    conditions: [],
    metrics: {
      cpu: 12.5,
      memoryUsed: SAMPLE_REPORT.memory.used,
      memoryTotal: SAMPLE_REPORT.memory.total,
      diskUsed: SAMPLE_REPORT.disk[0]!.used,
      diskTotal: SAMPLE_REPORT.disk[0]!.total,
      load1: 0.42,
      uptime: SAMPLE_REPORT.uptime,
    },
  });
  expect(byName['b-offline']).toMatchObject({ state: 'offline', offlineFor: '5 minutes' });
  expect(byName['c-alerted']).toMatchObject({ state: 'offline', alertStep: 60 });
  // Data stored before validation existed, of any shape, gives nulls rather than errors.
  expect(byName['g-disabled'].metrics).toEqual({ cpu: null, memoryUsed: null, memoryTotal: null, diskUsed: null, diskTotal: null, load1: null, uptime: null });
  expect(byName['d-never'].metrics.cpu).toBeNull();
  expect(byName['i-breaching']).toMatchObject({ state: 'online', conditions: [VAR_FULL], metrics: { cpu: 75 } });

  for (const h of body.hosts) expect(h).not.toHaveProperty('data');
  expect(res.body).not.toMatch(/secretHash|secretKey|privateNote|note-of-|Debian|hostname/);
  await expectNoCredentials(res.body);
});

test('without a rule source every stored open instance is shown, the removed rule\'s too', async () => {
  const plain = buildApi({ hosts, now: () => new Date(T) });
  const res = await get(plain, '/api/v1/status');
  const host = res.json().hosts.find((h: { name: string }) => h.name === 'i-breaching');
  expect(host.conditions.map((c: { rule: string }) => c.rule)).toEqual(['busy', 'var-full']);
  expect(host.conditions[0]).toMatchObject({ metric: 'cpu', value: 75, text: 'cpu 75 % > 50 %' });
  await plain.close();
});

test('GET / is one self-contained HTML page that reads /api/v1/status', async () => {
  const res = await get(app, '/');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*connect-src 'self'/);
  expect(res.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(res.body).toContain("fetch('api/v1/status'");
  expect(res.body).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
});
