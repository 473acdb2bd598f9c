/**
 * The acknowledge link (`GET`/`POST /ack/<token>`) against the real API (fastify inject, and `npm run api` as a
 * process) on FerretDB: the page names the instance and acknowledges nothing; POST acknowledges by "link"; forged,
 * garbage, ended and removed-host links get 403/410/404 pages and change nothing; bad links count as failed
 * authentications; the token opens nothing else and never reaches the request log.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeEach, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { buildApi } from '../../src/api/app.js';
import { requestLogOptions } from '../../src/api/request-log.js';
import { AckKeyStore, signAckToken } from '../../src/store/ack-store.js';
import { metricKey } from '../../src/store/condition-state.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { freePort } from '../../scripts/lib/services.js';
import { startTsProcess, untilHealthy } from '../support/cli.js';
import { addReportedHost, freshStore } from '../support/db.js';
import { snapshot } from './support.js';

const MIN = 60_000;
const ADMIN = 'admin-token-0123456789';
let hosts: HostStore;
let mongo: MongoHandle;
let app: FastifyInstance;
let secret: Buffer;
const handles: MongoHandle[] = [];

beforeEach(async () => {
  const s = await freshStore();
  hosts = s.hosts;
  mongo = s.mongo;
  handles.push(mongo);
  app = buildApi({ hosts, timezone: 'Europe/Berlin', authLimits: { perSource: 5, perKey: 100, windowMs: 60_000 }, adminToken: ADMIN, readAccess: { public: false, adminToken: ADMIN } });
  secret = await new AckKeyStore(mongo.db).key();
});
afterAll(async () => {
  for (const h of handles) await h.close();
});

const get = (token: string) => app.inject({ method: 'GET', url: `/ack/${token}` });
const post = (token: string) => app.inject({ method: 'POST', url: `/ack/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
const ackOf = async (id: string, key: string) => (await hosts.collection.findOne({ _id: new ObjectId(id) }))?.alerts?.[key]?.ack;

test('GET shows host, condition, since and one button, changes nothing; POST acknowledges by "link"; again: already', async () => {
  const last = Date.now() - 12 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  const key = `offline_${last}`;
  const token = signAckToken(secret, id, key);
  const before = await snapshot(hosts);

  const page = await get(token);
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'$/);
  expect(page.headers['referrer-policy']).toBe('no-referrer');
  expect(page.headers['cache-control']).toBe('no-store');
  expect(page.body).toContain('<dt>Host</dt><dd>web-1</dd>');
  expect(page.body).toContain('<dt>Condition</dt><dd>offline (no report)</dd>');
  expect(page.body).toMatch(/<dt>Since<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+01:00 \(Europe\/Berlin\)<\/dd>/);
  expect(page.body).toContain(`<form method="post" action="${token}"><button type="submit">Acknowledge</button></form>`);
  expect(page.body).not.toMatch(/<script/i);
  // Twice, as a mail scanner and then a person would: still nothing written.
  expect((await get(token)).statusCode).toBe(200);
  expect(await snapshot(hosts)).toBe(before);

  const done = await post(token);
  expect(done.statusCode).toBe(200);
  expect(done.body).toContain('<h1>Acknowledged</h1>');
  expect(done.body).toMatch(/<dt>Acknowledged<\/dt><dd>by link at \d{4}-/);
  const ack = await ackOf(id, key);
  expect(ack).toMatchObject({ by: 'link' });

  const again = await post(token);
  expect(again.body).toContain('<h1>Already acknowledged</h1>');
  expect(await ackOf(id, key)).toEqual(ack);
  const shown = await get(token);
  expect(shown.body).toContain('<dt>Acknowledged</dt><dd>by link at ');
  expect(shown.body).not.toContain('<button');

  // The read API (and so the status page) and the host page say who acknowledged it and when.
  const status = await app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${ADMIN}` } });
  expect(status.json().hosts[0].acknowledged).toEqual([{ condition: 'offline', by: 'link', at: ack!.at.toISOString() }]);
  const hostPage = await app.inject({ method: 'GET', url: '/hosts/web-1', headers: { authorization: `Bearer ${ADMIN}` } });
  expect(hostPage.body).toMatch(/ · offline: acknowledged by link at \d{4}-\d\d-\d\d \d\d:\d\d \+01:00</);
});

test('a metric instance by its link', async () => {
  const rules = new RuleStore(mongo.db);
  const rule = await rules.add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, steps: [5] });
  const { id } = await hosts.add('db-1');
  const start = Date.now() - 10 * MIN;
  await hosts.recordReport(id, { disk: [{ mount: '/var', total: 100, used: 95 }] }, new Date(start), await rules.all());
  await hosts.recordReport(id, { disk: [{ mount: '/var', total: 100, used: 96 }] }, new Date(), await rules.all());
  const key = metricKey(rule.id, start, '/var');
  const token = signAckToken(secret, id, key);
  expect((await get(token)).body).toContain('<dt>Condition</dt><dd>disk-full /var (disk)</dd>');
  expect((await post(token)).statusCode).toBe(200);
  expect(await ackOf(id, key)).toMatchObject({ by: 'link' });
});

test('forged and garbage links: 403; an ended instance: 410; a removed host: 404; nothing changes', async () => {
  const last = Date.now() - 12 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  const good = signAckToken(secret, id, `offline_${last}`);
  const forged = signAckToken(Buffer.alloc(32, 1), id, `offline_${last}`);
  const ended = signAckToken(secret, id, `offline_${last - 60 * MIN}`);
  const gone = signAckToken(secret, new ObjectId().toHexString(), `offline_${last}`);
  const before = await snapshot(hosts);
  for (const send of [get, post]) {
    for (const [token, status, title] of [
      [forged, 403, 'Invalid link'],
      ['not-a-token', 403, 'Invalid link'],
      [ended, 410, 'Alert ended'],
      [gone, 404, 'Unknown host'],
    ] as const) {
      const r = await send(token);
      expect({ token, status: r.statusCode }).toEqual({ token, status });
      expect(r.body).toContain(`<h1>${title}</h1>`);
      expect(r.body).toContain('Nothing was changed.');
    }
  }
  expect(await snapshot(hosts)).toBe(before);
  // The host reports: the link's instance has ended, and the link no longer acknowledges anything.
  await hosts.recordReport(id, { hostname: 'web-1' }, new Date());
  const after = await snapshot(hosts);
  expect((await post(good)).statusCode).toBe(410);
  expect(await snapshot(hosts)).toBe(after);
});

test('bad links count as failed authentications of the address: 429 then, even for a good link', async () => {
  const last = Date.now() - 12 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  const good = signAckToken(secret, id, `offline_${last}`);
  const before = await snapshot(hosts);
  const forged = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
  for (let i = 0; i < 5; i++) expect((await get(forged)).statusCode).toBe(403);
  const limited = await post(good);
  expect(limited.statusCode).toBe(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect(limited.body).toContain('<h1>Too many attempts</h1>');
  expect(await snapshot(hosts)).toBe(before);
});

test('the token opens nothing else: not the admin API, not the read API, not the status page', async () => {
  const last = Date.now() - 12 * MIN;
  const id = await addReportedHost(hosts, 'web-1', last);
  const good = signAckToken(secret, id, `offline_${last}`);
  for (const route of ['/api/v1/hosts', '/api/v1/status']) {
    expect((await app.inject({ method: 'GET', url: route, headers: { authorization: `Bearer ${good}` } })).statusCode).toBe(401);
  }
  expect((await app.inject({ method: 'GET', url: '/', headers: { cookie: `hostwatch_view=${good}` } })).body).toContain('Wrong token.');
  expect((await app.inject({ method: 'POST', url: `/ack/${good}/x` })).statusCode).toBe(404);
});

test('the request log writes the link path without its token', () => {
  const serialize = requestLogOptions().serializers.req;
  const fields = serialize({ method: 'POST', url: '/ack/AbCdEf123_-xyz', ip: '127.0.0.1', headers: {} } as never);
  expect(fields).toMatchObject({ method: 'POST', url: '/ack/[redacted]' });
  expect(JSON.stringify(fields)).not.toContain('AbCdEf123');
});

test('npm run api as a process: the link page and its POST over HTTP; the JSON request log never holds the token', async () => {
  const { hosts: store, dbName, uri, mongo: own } = await freshStore();
  handles.push(own);
  const last = Date.now() - 12 * MIN;
  const id = await addReportedHost(store, 'web-1', last);
  const token = signAckToken(await new AckKeyStore(own.db).key(), id, `offline_${last}`);
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { PORT: String(port), MONGODB_URI: uri, MONGODB_DB: dbName, LOG_FORMAT: 'json' });
  try {
    await untilHealthy(api, port);
    const page = await fetch(`http://127.0.0.1:${port}/ack/${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button type="submit">Acknowledge</button>');
    const done = await fetch(`http://127.0.0.1:${port}/ack/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(done.status).toBe(200);
    expect((await store.collection.findOne({ _id: new ObjectId(id) }))!.alerts![`offline_${last}`]!.ack).toMatchObject({ by: 'link' });
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.out()).toContain('"url":"/ack/[redacted]"');
    expect(api.out() + api.err()).not.toContain(token);
  } finally {
    if (api.child.exitCode === null) api.child.kill('SIGKILL');
  }
});
