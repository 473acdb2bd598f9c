/**
 * Failed-authentication limits of the ingest API on FerretDB: per source and per key, 429 with Retry-After
 * before any credential check, nothing changed by a limited request, the admin API, the trusted proxy setting
 * and bounded memory. The clock is injected, so windows pass without sleeping.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { AuthLimiter } from '../../src/api/auth-limiter.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';
import { reportHeaders, SAMPLE_REPORT, snapshot } from './support.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const TOKEN = 'rate-limit-admin-token-0123456789';
let mongo: MongoHandle;
let hosts: HostStore;
let web: { id: string; key: string; secret: string };
let db: { id: string; key: string; secret: string };
let disabled: { id: string; key: string; secret: string };
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  web = await hosts.add('web-1');
  db = await hosts.add('db-1');
  disabled = await hosts.add('off-1', { active: false });
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await mongo.db.dropDatabase();
  await mongo.close();
});

/** A fresh API with its own limiter (defaults unless given) and a clock the test moves. */
function api(limits: ConstructorParameters<typeof AuthLimiter>[0] = {}, extra: { trustProxy?: string } = {}) {
  const clock = { t: T };
  const limiter = new AuthLimiter(limits);
  const app = buildApi({ hosts, adminToken: TOKEN, now: () => new Date(clock.t), authLimits: limiter, ...extra });
  apps.push(app);
  const report = (from: string, key: string, secret: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: from, headers: { ...reportHeaders(key, secret), ...headers }, payload: JSON.stringify(SAMPLE_REPORT) });
  const admin = (from: string, token: string) => app.inject({ method: 'GET', url: '/api/v1/hosts', remoteAddress: from, headers: { authorization: `Bearer ${token}` } });
  return { clock, limiter, app, report, admin };
}

/** The request's answer, with the hosts collection checked byte-for-byte unchanged. */
async function unchanged<R>(send: () => Promise<R>): Promise<R> {
  const before = await snapshot(hosts);
  const res = await send();
  expect(await snapshot(hosts)).toBe(before);
  return res;
}

test('per source: after 10 failures the next request gets 429 with Retry-After, even with a right secret, and changes nothing', async () => {
  const { clock, limiter, report } = api();
  // Ten different unknown keys, so only the source counter reaches its limit.
  for (let i = 0; i < 10; i++) {
    clock.t = T + i * 1000;
    expect((await report('203.0.113.9', `hk_guess_${i}`, 'wrong')).statusCode).toBe(401);
  }
  expect(limiter.failures('source', '203.0.113.9', clock.t)).toBe(10);
  clock.t = T + 10_000;
  const limited = await unchanged(() => report('203.0.113.9', web.key, web.secret));
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['retry-after']).toBe('50');
  expect(limited.json()).toEqual({ error: 'rate_limited', message: 'too many failed authentications from this address; retry after 50 s' });
  // A wrong secret gets the very same answer: a limited client learns nothing about the secret.
  const wrong = await unchanged(() => report('203.0.113.9', web.key, 'wrong'));
  expect({ status: wrong.statusCode, body: wrong.body, retry: wrong.headers['retry-after'] }).toEqual({ status: 429, body: limited.body, retry: '50' });
  // Refusals while limited are not counted, so they do not extend the window.
  expect(limiter.failures('source', '203.0.113.9', clock.t)).toBe(10);
  expect(limiter.failures('key', web.key, clock.t)).toBe(0);
  // Missing headers are limited too.
  expect((await unchanged(() => report('203.0.113.9', '', ''))).statusCode).toBe(429);

  // One millisecond before the window ends: still limited, Retry-After 1; at its end: allowed again.
  clock.t = T + 59_999;
  expect((await report('203.0.113.9', web.key, web.secret)).headers['retry-after']).toBe('1');
  clock.t = T + 60_000;
  const ok = await report('203.0.113.9', web.key, web.secret);
  expect(ok.statusCode).toBe(204);
  expect((await hosts.collection.findOne({ name: 'web-1' }))?.lastReportAt).toEqual(new Date(T + 60_000));
});

test('per key: 5 wrong secrets from 5 sources lock the key for every source, for one window', async () => {
  const { clock, report } = api();
  for (let i = 0; i < 5; i++) expect((await report(`198.51.100.${i + 1}`, web.key, `wrong-${i}`)).statusCode).toBe(401);
  // The real host, from its own address that never failed, is delayed by the key lock: 429, nothing stored.
  clock.t = T + 15_000;
  const res = await unchanged(() => report('192.0.2.10', web.key, web.secret));
  expect(res.statusCode).toBe(429);
  expect(res.headers['retry-after']).toBe('45');
  expect(res.json()).toEqual({ error: 'rate_limited', message: 'too many failed authentications for this key; retry after 45 s' });
  // Another host reporting from one of the attacking sources (4 failures left there) is not affected.
  expect((await report('198.51.100.1', db.key, db.secret)).statusCode).toBe(204);
  // The window passes: the real host gets through.
  clock.t = T + 60_000;
  expect((await report('192.0.2.10', web.key, web.secret)).statusCode).toBe(204);
  expect((await hosts.collection.findOne({ name: 'web-1' }))?.lastReportAt).toEqual(new Date(T + 60_000));
});

test('a right secret from another source is accepted while only the attacking source is limited', async () => {
  const { clock, report, limiter } = api();
  for (let i = 0; i < 12; i++) await report('203.0.113.50', `hk_unknown_${i}`, 'x');
  // 10 counted, then 2 refused with 429 without counting.
  expect(limiter.failures('source', '203.0.113.50', clock.t)).toBe(10);
  expect((await report('203.0.113.50', web.key, web.secret)).statusCode).toBe(429);
  clock.t = T + 1000;
  expect((await report('192.0.2.20', web.key, web.secret)).statusCode).toBe(204);
  expect((await hosts.collection.findOne({ name: 'web-1' }))?.lastReportAt).toEqual(new Date(T + 1000));
});

test('only failed authentication counts: 204, 403 and 400 answers do not', async () => {
  const { clock, app, report, limiter } = api({ perSource: 2, perKey: 2 });
  const badBody = () => app.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '192.0.2.30', headers: reportHeaders(web.key, web.secret), payload: '{"cpu": 500}' });
  for (let i = 0; i < 20; i++) {
    clock.t = T + i;
    expect((await report('192.0.2.30', web.key, web.secret)).statusCode).toBe(204);
    expect((await report('192.0.2.30', disabled.key, disabled.secret)).statusCode).toBe(403);
    expect((await badBody()).statusCode).toBe(400);
  }
  expect(limiter.size).toEqual({ sources: 0, keys: 0 });
  // A success does not reset the count either: failure, success, failure reaches the limit of 2.
  await report('192.0.2.30', web.key, 'wrong');
  expect((await report('192.0.2.30', web.key, web.secret)).statusCode).toBe(204);
  await report('192.0.2.31', web.key, 'wrong');
  expect(limiter.failures('key', web.key, clock.t)).toBe(2);
  expect((await report('192.0.2.32', web.key, web.secret)).statusCode).toBe(429);
});

test('415 and 413 come first; 429 comes before 401, 403 and 400', async () => {
  const { app, report } = api({ perSource: 1 });
  await report('192.0.2.40', 'hk_x', 'x');
  const inj = (headers: Record<string, string>, payload: string) => app.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '192.0.2.40', headers, payload });
  expect((await inj({ 'content-type': 'text/plain', 'x-host-key': web.key, 'x-host-secret': web.secret }, '{}')).statusCode).toBe(415);
  expect((await inj(reportHeaders(web.key, web.secret), JSON.stringify({ pad: 'x'.repeat(70_000) }))).statusCode).toBe(413);
  expect((await unchanged(() => inj(reportHeaders(disabled.key, disabled.secret), '{}'))).statusCode).toBe(429);
  expect((await unchanged(() => inj(reportHeaders(web.key, web.secret), '{"cpu": 500}'))).statusCode).toBe(429);
  expect((await unchanged(() => inj(reportHeaders(web.key, web.secret), '{bad'))).statusCode).toBe(429);
});

test('the admin API: bad tokens are limited per source, the right token from there too; other sources are not', async () => {
  const { clock, admin, report } = api();
  for (let i = 0; i < 10; i++) expect((await admin('203.0.113.77', `guess-${i}-xxxxxxxxxxxxxxxx`)).statusCode).toBe(401);
  const res = await admin('203.0.113.77', TOKEN);
  expect(res.statusCode).toBe(429);
  expect(res.headers['retry-after']).toBe('60');
  expect(res.json()).toEqual({ error: 'rate_limited', message: 'too many failed authentications from this address; retry after 60 s' });
  expect(res.body).not.toContain('web-1');
  expect((await admin('192.0.2.50', TOKEN)).statusCode).toBe(200);
  // The source counter is shared with the report endpoint.
  expect((await report('203.0.113.77', web.key, web.secret)).statusCode).toBe(429);
  clock.t = T + 60_000;
  expect((await admin('203.0.113.77', TOKEN)).statusCode).toBe(200);

  // Failures at the report endpoint and the admin API add up.
  const both = api({ perSource: 4 });
  await both.report('203.0.113.78', 'hk_a', 'x');
  await both.report('203.0.113.78', 'hk_b', 'x');
  await both.admin('203.0.113.78', 'not-the-token-xxxxxxxxx');
  await both.admin('203.0.113.78', '');
  expect((await both.admin('203.0.113.78', TOKEN)).statusCode).toBe(429);
});

test('behind a proxy: X-Forwarded-For is the source only when the peer is a trusted proxy', async () => {
  // Not trusted (the default): rotating X-Forwarded-For does not dodge the limit.
  const plain = api({ perSource: 3, perKey: 1000 });
  for (let i = 0; i < 3; i++) await plain.report('127.0.0.1', `hk_${i}`, 'x', { 'x-forwarded-for': `198.51.100.${i}` });
  expect((await plain.report('127.0.0.1', web.key, web.secret, { 'x-forwarded-for': '192.0.2.99' })).statusCode).toBe(429);

  // Trusted proxy: each forwarded client has its own counter, and the proxy itself is never limited as a whole.
  const proxied = api({ perSource: 3, perKey: 1000 }, { trustProxy: '127.0.0.1' });
  for (let i = 0; i < 3; i++) await proxied.report('127.0.0.1', `hk_${i}`, 'x', { 'x-forwarded-for': '198.51.100.66' });
  expect(proxied.limiter.failures('source', '198.51.100.66', T)).toBe(3);
  expect(proxied.limiter.failures('source', '127.0.0.1', T)).toBe(0);
  expect((await proxied.report('127.0.0.1', web.key, web.secret, { 'x-forwarded-for': '198.51.100.66' })).statusCode).toBe(429);
  expect((await proxied.report('127.0.0.1', web.key, web.secret, { 'x-forwarded-for': '192.0.2.99' })).statusCode).toBe(204);
  // A peer that is not the trusted proxy cannot choose its source address.
  for (let i = 0; i < 3; i++) await proxied.report('203.0.113.5', `hk_${i}`, 'x', { 'x-forwarded-for': `10.9.9.${i}` });
  expect(proxied.limiter.failures('source', '203.0.113.5', T)).toBe(3);
  expect((await proxied.report('203.0.113.5', web.key, web.secret, { 'x-forwarded-for': '192.0.2.99' })).statusCode).toBe(429);
});

test('counters stay bounded under many distinct keys and sources', async () => {
  const { clock, report, limiter } = api({ maxEntries: 200 });
  let biggest = 0;
  for (let i = 0; i < 1500; i++) {
    clock.t = T + i * 10;
    const res = await report(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `hk_flood_${i}`, 'x');
    expect(res.statusCode).toBe(401);
    biggest = Math.max(biggest, limiter.size.sources, limiter.size.keys);
  }
  expect(biggest).toBe(200);
  expect(limiter.size).toEqual({ sources: 200, keys: 200 });
  // The host is unaffected throughout.
  expect((await report('192.0.2.60', web.key, web.secret)).statusCode).toBe(204);
});
