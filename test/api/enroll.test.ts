/** `POST /api/v1/enroll` on the real API (buildApi listening) over a fresh FerretDB database. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { buildApi, type ApiOptions } from '../../src/api/app.js';
import { EnrollStore } from '../../src/store/enroll-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { freePort } from '../../scripts/lib/services.js';
import { startTsProcess, untilProcess } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { JSON_HEADERS, reportHeaders, snapshot } from './support.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(extra: Partial<ApiOptions> = {}): Promise<{ hosts: HostStore; enroll: EnrollStore; url: string }> {
  const { hosts, mongo } = await freshStore();
  const enroll = new EnrollStore(mongo.db);
  const app = buildApi({ hosts, enroll, ...extra });
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { hosts, enroll, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function post(url: string, body: unknown, headers: Record<string, string> = JSON_HEADERS): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(`${url}/api/v1/enroll`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: r.headers };
}

test('a 2-use token enrols two hosts with its tags (lower-cased names, working credentials), then 401 spent and nothing created', async () => {
  const { hosts, enroll, url } = await start();
  const { token } = await enroll.create({ tags: ['prod', 'eu'], uses: 2 });
  const a = await post(url, { token, hostname: 'Web-1' });
  expect(a.status).toBe(201);
  expect(a.headers.get('cache-control')).toBe('no-store');
  expect(Object.keys(a.body).sort()).toEqual(['key', 'name', 'secret']);
  expect(a.body.name).toBe('web-1');
  expect((await post(url, { token, hostname: 'web-2' })).status).toBe(201);
  expect((await hosts.byName('web-1')).tags).toEqual(['eu', 'prod']);
  // The credentials report.
  const report = await fetch(`${url}/api/v1/report`, { method: 'POST', headers: reportHeaders(a.body.key as string, a.body.secret as string), body: '{}' });
  expect(report.status).toBe(204);

  const before = await snapshot(hosts);
  const spent = await post(url, { token, hostname: 'web-3' });
  expect(spent).toMatchObject({ status: 401, body: { error: 'unauthorized', reason: 'spent' } });
  expect(spent.body.message).toContain('no use left');
  expect(await snapshot(hosts)).toBe(before);
});

test('expired, revoked and wrong tokens: 401 with their reason; bad bodies 400 naming the field; nothing created', async () => {
  let clock = Date.now();
  const { hosts, enroll, url } = await start({ now: () => new Date(clock) });
  const expiring = await enroll.create({ expiresMs: 60_000, now: new Date(clock) });
  const revoked = await enroll.create();
  await enroll.revoke(revoked.id);
  const good = await enroll.create();
  clock += 60_000;
  expect(await post(url, { token: expiring.token, hostname: 'a' })).toMatchObject({ status: 401, body: { reason: 'expired' } });
  expect(await post(url, { token: revoked.token, hostname: 'a' })).toMatchObject({ status: 401, body: { reason: 'revoked' } });
  expect(await post(url, { token: `${good.token.slice(0, -3)}xyz`, hostname: 'a' })).toMatchObject({ status: 401, body: { reason: 'unknown' } });
  expect(await post(url, { token: 'et_nonsense', hostname: 'a' })).toMatchObject({ status: 401, body: { reason: 'unknown' } });
  const hostnameRule = 'hostname must be 1 to 100 characters of letters, digits, ".", "_" and "-"';
  expect(await post(url, { token: good.token, hostname: 'bad name' })).toMatchObject({ status: 400, body: { error: 'bad_request', message: hostnameRule } });
  expect(await post(url, { token: good.token, hostname: 'x'.repeat(101) })).toMatchObject({ status: 400, body: { message: hostnameRule } });
  expect(await post(url, { token: good.token })).toMatchObject({ status: 400, body: { message: hostnameRule } });
  expect(await post(url, { hostname: 'a' })).toMatchObject({ status: 400, body: { message: 'token must be a string of 1 to 256 characters' } });
  expect(await post(url, '[1]')).toMatchObject({ status: 400 });
  expect(await post(url, 'not json')).toMatchObject({ status: 400 });
  expect(await post(url, { token: good.token, hostname: 'a' }, { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
  expect(await hosts.list()).toEqual([]);
  expect(await enroll.uses.countDocuments({})).toBe(0);
  expect(await post(url, { token: good.token, hostname: 'a' })).toMatchObject({ status: 201 });
});

test('a duplicate host name: 409, nothing created, the use is kept', async () => {
  const { hosts, enroll, url } = await start();
  await hosts.add('db-1');
  const { token } = await enroll.create();
  const before = await snapshot(hosts);
  const r = await post(url, { token, hostname: 'DB-1' });
  expect(r).toMatchObject({ status: 409, body: { error: 'conflict' } });
  expect(r.body.message).toContain('a host named "db-1" already exists');
  expect(await snapshot(hosts)).toBe(before);
  expect(await post(url, { token, hostname: 'db-2' })).toMatchObject({ status: 201 });
});

test('20 concurrent enrolments on a 5-use token: exactly 5 hosts, 15 refused as spent', async () => {
  const { hosts, enroll, url } = await start();
  const { token } = await enroll.create({ uses: 5 });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(url, { token, hostname: `n-${i}` })));
  expect(results.filter((r) => r.status === 201).length).toBe(5);
  expect(results.filter((r) => r.status === 401 && r.body.reason === 'spent').length).toBe(15);
  expect((await hosts.list()).length).toBe(5);
});

test('wrong tokens count as failed authentications: 429 with Retry-After, even for a good token then', async () => {
  const { hosts, enroll, url } = await start({ authLimits: { perSource: 3, perKey: 100, windowMs: 60_000 } });
  const { token } = await enroll.create();
  for (let i = 0; i < 3; i++) expect((await post(url, { token: `et_${'a'.repeat(24)}_${'b'.repeat(43)}`, hostname: 'x' })).status).toBe(401);
  const limited = await post(url, { token, hostname: 'x' });
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await hosts.list()).toEqual([]);
});

test('without an enrolment store the route is not served', async () => {
  const { hosts } = await freshStore();
  const app = buildApi({ hosts });
  apps.push(app);
  const r = await app.inject({ method: 'POST', url: '/api/v1/enroll', headers: JSON_HEADERS, payload: '{}' });
  expect(r.statusCode).toBe(404);
});

test('npm run api serves enrolment; with request logging on, neither the token nor the new secret is logged', async () => {
  const { mongo, uri, dbName, hosts } = await freshStore();
  const { token } = await new EnrollStore(mongo.db).create({ uses: 1 });
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { MONGODB_URI: uri, MONGODB_DB: dbName, PORT: String(port), LOG_FORMAT: 'json', LOG_LEVEL: 'info', STATUS_PUBLIC: '' });
  try {
    await untilProcess(api, 'api', () => api.out().includes('hostwatch api listening'));
    const url = `http://127.0.0.1:${port}`;
    const created = await post(url, { token, hostname: 'logged-host' });
    expect(created.status).toBe(201);
    expect((await post(url, { token, hostname: 'second' })).body.reason).toBe('spent');
    expect((await hosts.byName('logged-host')).secretKey).toBe(created.body.key);
    await untilProcess(api, 'request lines', () => api.out().split('/api/v1/enroll').length >= 3);
    for (const out of [api.out(), api.err()]) {
      expect(out).not.toContain(token.slice(28));
      expect(out).not.toContain(created.body.secret as string);
    }
  } finally {
    api.child.kill('SIGTERM');
    await api.exited;
  }
});
