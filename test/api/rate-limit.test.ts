/**
 * Failed authentication is limited per source address and per key: 429 with Retry-After, refused before the
 * credentials are checked, and nothing in the database changes. Real FerretDB; the API's clock is injected.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AuthFailureLimiter } from '../../src/api/auth-limiter.js';
import { buildApi } from '../../src/api/app.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';
import { reportHeaders, snapshot } from './support.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const LIMITS = { perSource: 6, perKey: 4, windowMs: 60_000 };
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let clock = T;
let host: { key: string; secret: string };

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  host = await hosts.add('limited-host');
});
afterAll(async () => {
  await mongo?.close();
});
beforeEach(async () => {
  clock = T;
  await app?.close();
  app = buildApi({ hosts, adminToken: ADMIN_TOKEN, now: () => new Date(clock), authLimits: LIMITS, trustProxy: '127.0.0.1' });
});

function report(key: string, secret: string, from: string) {
  // Through a trusted proxy on 127.0.0.1: X-Forwarded-For names the client.
  return app.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '127.0.0.1', headers: { ...reportHeaders(key, secret), 'x-forwarded-for': from }, payload: '{"cpu":1}' });
}

function admin(token: string, from: string) {
  return app.inject({ method: 'GET', url: '/api/v1/hosts', remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': from } });
}

test('one source: after 6 failures (several keys) the 7th attempt gets 429 with Retry-After, even with the right secret; after the window it is checked again', async () => {
  const before = await snapshot(hosts);
  for (let i = 0; i < LIMITS.perSource; i++) expect((await report(`unknown-${i}`, 'wrong', '203.0.113.7')).statusCode).toBe(401);
  clock += 15_000;
  const limited = await report(host.key, host.secret, '203.0.113.7');
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['retry-after']).toBe('45');
  expect(limited.json()).toEqual({ error: 'too_many_attempts', message: 'too many failed authentication attempts; retry after 45 s' });
  expect(limited.body).not.toContain(host.secret);
  expect(await snapshot(hosts)).toBe(before); // nothing recorded while limited

  // Another source is not affected.
  expect((await report(host.key, host.secret, '198.51.100.1')).statusCode).toBe(204);

  clock = T + LIMITS.windowMs; // the window opened by the first failure has ended
  expect((await report(host.key, host.secret, '203.0.113.7')).statusCode).toBe(204);
});

test("one key from many sources: after 4 wrong secrets the key is refused with 429 for new sources, but its own host's source keeps reporting", async () => {
  expect((await report(host.key, host.secret, '192.0.2.10')).statusCode).toBe(204); // the host itself, before the attack
  for (let i = 1; i <= LIMITS.perKey; i++) expect((await report(host.key, `guess-${i}`, `203.0.113.${i}`)).statusCode).toBe(401);

  const before = await snapshot(hosts);
  const guess = await report(host.key, 'guess-5', '203.0.113.99');
  expect(guess.statusCode).toBe(429);
  expect(Number(guess.headers['retry-after'])).toBe(60);
  // Refused before checking: even the right secret from an unknown source gets 429 and changes nothing.
  expect((await report(host.key, host.secret, '203.0.113.100')).statusCode).toBe(429);
  expect(await snapshot(hosts)).toBe(before);

  // The source that authenticated with this key before keeps working: an attacker cannot silence a host.
  expect((await report(host.key, host.secret, '192.0.2.10')).statusCode).toBe(204);
  // Other keys are not affected.
  const other = await hosts.add('other-host');
  expect((await report(other.key, other.secret, '203.0.113.101')).statusCode).toBe(204);
});

test('the admin API is limited the same way: wrong tokens lead to 429, and the right token after the window works', async () => {
  for (let i = 0; i < LIMITS.perKey; i++) expect((await admin(`wrong-token-${i}-xxxxxxxx`, `203.0.113.${i}`)).statusCode).toBe(401);
  const limited = await admin(ADMIN_TOKEN, '203.0.113.50');
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['retry-after']).toBe('60');
  expect(limited.body).not.toContain(ADMIN_TOKEN);
  clock += LIMITS.windowMs;
  expect((await admin(ADMIN_TOKEN, '203.0.113.50')).statusCode).toBe(200);
});

test('without a trusted proxy, X-Forwarded-For is ignored: the connection address is the source', async () => {
  const direct = buildApi({ hosts, now: () => new Date(clock), authLimits: LIMITS });
  try {
    for (let i = 0; i < LIMITS.perSource; i++) {
      const r = await direct.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '203.0.113.8', headers: { ...reportHeaders(`k${i}`, 'x'), 'x-forwarded-for': `198.51.100.${i}` }, payload: '{}' });
      expect(r.statusCode).toBe(401);
    }
    const r = await direct.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '203.0.113.8', headers: { ...reportHeaders(host.key, host.secret), 'x-forwarded-for': '198.51.100.200' }, payload: '{}' });
    expect(r.statusCode).toBe(429);
  } finally {
    await direct.close();
  }
});

test('a correct secret does not count as a failure, however often it is sent', async () => {
  for (let i = 0; i < 3 * LIMITS.perSource; i++) expect((await report(host.key, host.secret, '192.0.2.20')).statusCode).toBe(204);
});

test('the limiter stays bounded under a flood of distinct keys and sources', async () => {
  const limiter = new AuthFailureLimiter({ perSource: 5, perKey: 5, windowMs: 60_000 }, 1_000);
  for (let i = 0; i < 20_000; i++) void limiter.failed({ source: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, key: `key-${i}` }, T);
  expect(limiter.size).toBeLessThanOrEqual(1_000);
  // The most recent offenders are still remembered.
  for (let i = 0; i < 5; i++) void limiter.failed({ source: '10.99.99.99', key: 'k' }, T);
  expect(await limiter.retryAfter({ source: '10.99.99.99' }, T + 1_000)).toBe(59);
  // Expired windows are forgotten.
  expect(await limiter.retryAfter({ source: '10.99.99.99' }, T + 60_000)).toBe(0);
});

test("a guessing flood with the default limits: the host's own reports all land, guesses get 401 then 429, nothing else changes", async () => {
  const rest = await freshStore();
  const flood = buildApi({ hosts: rest.hosts, now: () => new Date(clock) }); // production defaults
  try {
    const victim = await rest.hosts.add('victim');
    const bystander = await rest.hosts.add('bystander');
    await rest.hosts.recordReport(bystander.id, { cpu: 1 }, new Date(T - 60_000));
    const bystanderBefore = await snapshot(rest.hosts, { name: 'bystander' });
    const byStatus: Record<string, number> = {};
    let hostReports = 0;
    let lastSeen = 0;
    for (let i = 0; i < 2_000; i++) {
      clock = T + i * 100; // 200 s in all: more than three windows
      const own = i % 10 === 0;
      const r = await flood.inject({
        method: 'POST',
        url: '/api/v1/report',
        remoteAddress: own ? '192.0.2.1' : `203.0.113.${i % 5}`,
        headers: reportHeaders(own || i % 7 === 0 ? victim.key : `k-${i % 50}`, own ? victim.secret : `guess-${i}`),
        payload: JSON.stringify({ cpu: i % 100 }),
      });
      const key = own ? 'host' : String(r.statusCode);
      byStatus[key] = (byStatus[key] ?? 0) + 1;
      if (own) {
        expect(r.statusCode).toBe(204);
        hostReports++;
        lastSeen = clock;
      } else expect([401, 429]).toContain(r.statusCode);
    }
    console.log(`guessing flood with default limits: ${JSON.stringify(byStatus)}`);
    expect(hostReports).toBe(200);
    expect(byStatus['429']).toBeGreaterThan(byStatus['401']!); // most guesses never reached a comparison
    // 5 addresses x 30 failures a window at most, over 4 windows.
    expect(byStatus['401']).toBeLessThanOrEqual(5 * 30 * 4);
    const doc = await rest.hosts.collection.findOne({ name: 'victim' });
    expect(doc?.lastReportAt).toEqual(new Date(lastSeen));
    expect(await snapshot(rest.hosts, { name: 'bystander' })).toBe(bystanderBefore);
    expect(await rest.hosts.collection.countDocuments()).toBe(2);
  } finally {
    await flood.close();
    await rest.mongo.close();
  }
}, 120_000);

test('only 401s count: 204, 403 and 400 never lead to 429; when limited, 415 and 413 still come first, then 429 before 403 and 400', async () => {
  const off = await hosts.add('limited-off', { active: false });
  const send = (headers: Record<string, string>, payload: string) =>
    app.inject({ method: 'POST', url: '/api/v1/report', remoteAddress: '127.0.0.1', headers: { ...headers, 'x-forwarded-for': '192.0.2.30' }, payload });
  for (let i = 0; i < 2 * LIMITS.perSource; i++) {
    expect((await send(reportHeaders(host.key, host.secret), '{}')).statusCode).toBe(204);
    expect((await send(reportHeaders(off.key, off.secret), '{}')).statusCode).toBe(403);
    expect((await send(reportHeaders(host.key, host.secret), '{"cpu": 500}')).statusCode).toBe(400);
  }
  for (let i = 0; i < LIMITS.perSource; i++) expect((await send(reportHeaders(`unknown-${i}`, 'x'), '{}')).statusCode).toBe(401);
  const before = await snapshot(hosts);
  expect((await send({ ...reportHeaders(host.key, host.secret), 'content-type': 'text/plain' }, '{}')).statusCode).toBe(415);
  expect((await send(reportHeaders(host.key, host.secret), JSON.stringify({ pad: 'x'.repeat(70_000) }))).statusCode).toBe(413);
  expect((await send(reportHeaders(off.key, off.secret), '{}')).statusCode).toBe(429);
  expect((await send(reportHeaders(host.key, host.secret), '{"cpu": 500}')).statusCode).toBe(429);
  expect(await snapshot(hosts)).toBe(before);
});
