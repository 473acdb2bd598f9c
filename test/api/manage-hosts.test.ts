/**
 * The management API's host routes on FerretDB, in process: create (key and secret once, and the agent reports with
 * them), read, update, remove, rotate, mute and tags; every refusal (400/401/404/409/413/415/429) a documented
 * answer naming the field, after which the hosts collection is byte-for-byte what it was.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { ADMIN, AUTH, documentChecker, JSON_AUTH, manageFixture, type ManageFixture } from './manage-support.js';
import { reportHeaders, SAMPLE_REPORT, snapshot } from './support.js';

let fx: ManageFixture;
let app: FastifyInstance;
let hosts: HostStore;
let documented: Awaited<ReturnType<typeof documentChecker>>;

beforeAll(async () => {
  fx = await manageFixture();
  ({ app, hosts } = fx);
  documented = await documentChecker(app);
});
afterAll(async () => fx.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Asks the API and checks the answer is one the document promises for `route` (the path template). */
async function ask(method: Method, url: string, route: string, body?: unknown, headers: Record<string, string> = body === undefined ? AUTH : JSON_AUTH): Promise<LightMyRequestResponse> {
  const res = await app.inject({ method, url, headers, ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }) });
  documented(method, route, res);
  return res;
}

const report = (key: string, secret: string) => app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(key, secret), payload: JSON.stringify(SAMPLE_REPORT) });
const HOST = '/api/v1/hosts/{name}';

test('POST /api/v1/hosts returns the key and secret once; the agent reports with them; reads never show them', async () => {
  const res = await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'web-1', tags: ['Prod', 'eu', 'prod'], alarm: false });
  expect(res.statusCode).toBe(201);
  expect(res.headers['cache-control']).toBe('no-store');
  const { host, key, secret } = res.json();
  expect(host).toMatchObject({ name: 'web-1', tags: ['eu', 'prod'], alarm: false, active: true, state: 'never reported', lastReportAt: null, muted: false });
  expect(key).toMatch(/^hk_[0-9a-f]{24}_/);
  expect((await report(key, secret)).statusCode).toBe(204);

  const got = await ask('GET', '/api/v1/hosts/web-1', HOST);
  expect(got.statusCode).toBe(200);
  expect(got.json()).toMatchObject({ name: 'web-1', state: 'online', data: SAMPLE_REPORT });
  const doc = await hosts.collection.findOne({ name: 'web-1' });
  for (const body of [got.body, (await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: AUTH })).body]) {
    expect(body).not.toContain(secret);
    expect(body).not.toContain(key);
    expect(body).not.toContain(doc!.secretHash);
  }
});

test('PATCH renames, disables, turns the alarm off, sets the interval and replaces the tags, in one call', async () => {
  const { key, secret } = (await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'db-1', tags: ['lab'] })).json();
  const res = await ask('PATCH', '/api/v1/hosts/db-1', HOST, { name: 'db-2', enabled: false, alarm: false, interval: 300, tags: ['prod', 'EU'] });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ name: 'db-2', active: false, alarm: false, interval: 300, tags: ['eu', 'prod'] });
  expect((await report(key, secret)).statusCode).toBe(403); // disabled: refused
  const back = await ask('PATCH', '/api/v1/hosts/db-2', HOST, { enabled: true, interval: null, tags: [] });
  expect(back.json()).toMatchObject({ name: 'db-2', active: true, interval: null, tags: [] });
  expect((await hosts.collection.findOne({ name: 'db-2' }))!.tags).toBeUndefined();
  expect((await report(key, secret)).statusCode).toBe(204);
  expect((await ask('PATCH', '/api/v1/hosts/db-2', HOST, {})).json()).toMatchObject({ name: 'db-2' }); // nothing to change
  expect((await ask('GET', '/api/v1/hosts/db-1', HOST)).statusCode).toBe(404);
});

test('rotate gives new credentials once and the old ones stop working; DELETE removes the host', async () => {
  const old = (await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'rot-1' })).json();
  const res = await ask('POST', '/api/v1/hosts/rot-1/rotate', '/api/v1/hosts/{name}/rotate');
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  const fresh = res.json();
  expect(fresh.host.name).toBe('rot-1');
  expect(fresh.key).not.toBe(old.key);
  expect((await report(old.key, old.secret)).statusCode).toBe(401);
  expect((await report(fresh.key, fresh.secret)).statusCode).toBe(204);

  const del = await ask('DELETE', '/api/v1/hosts/rot-1', HOST);
  expect({ status: del.statusCode, body: del.body }).toEqual({ status: 204, body: '' });
  expect(await hosts.collection.countDocuments({ name: 'rot-1' })).toBe(0);
  expect((await report(fresh.key, fresh.secret)).statusCode).toBe(401);
  expect((await ask('DELETE', '/api/v1/hosts/rot-1', HOST)).json()).toEqual({ error: 'not_found', message: 'no host named "rot-1"' });
});

test('mute for a duration or until a time, unmute; tags added and removed one at a time', async () => {
  await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'mut-1' });
  const before = Date.now();
  const muted = (await ask('PUT', '/api/v1/hosts/mut-1/mute', '/api/v1/hosts/{name}/mute', { for: '2h' })).json();
  expect(muted.muted).toBe(true);
  expect(Date.parse(muted.mutedUntil) - before).toBeGreaterThanOrEqual(2 * 3_600_000);
  expect(Date.parse(muted.mutedUntil) - before).toBeLessThan(2 * 3_600_000 + 60_000);
  const until = new Date(Date.now() + 86_400_000).toISOString();
  expect((await ask('PUT', '/api/v1/hosts/mut-1/mute', '/api/v1/hosts/{name}/mute', { until })).json()).toMatchObject({ muted: true, mutedUntil: until });
  expect((await ask('DELETE', '/api/v1/hosts/mut-1/mute', '/api/v1/hosts/{name}/mute')).json()).toMatchObject({ muted: false, mutedUntil: null });

  const TAG = '/api/v1/hosts/{name}/tags/{tag}';
  expect((await ask('PUT', '/api/v1/hosts/mut-1/tags/Prod', TAG)).json().tags).toEqual(['prod']);
  expect((await ask('PUT', '/api/v1/hosts/mut-1/tags/eu', TAG)).json().tags).toEqual(['eu', 'prod']);
  expect((await ask('PUT', '/api/v1/hosts/mut-1/tags/eu', TAG)).json().tags).toEqual(['eu', 'prod']);
  expect((await ask('DELETE', '/api/v1/hosts/mut-1/tags/PROD', TAG)).json().tags).toEqual(['eu']);
  expect((await ask('DELETE', '/api/v1/hosts/mut-1/tags/absent', TAG)).json().tags).toEqual(['eu']);
});

/** Each refusal: its status and body, and the hosts collection unchanged. */
test('refusals: documented answers naming the field, and no state change', async () => {
  await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'keep-1', tags: ['prod'] });
  await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'keep-2' });
  const cases: { method: Method; url: string; route: string; body?: unknown; headers?: Record<string, string>; status: number; answer: Record<string, string> }[] = [
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: { name: 'bad name' }, status: 400, answer: { error: 'invalid', field: 'name' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: { tags: ['x'] }, status: 400, answer: { error: 'invalid', field: 'name', message: 'name is required' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: { name: 'new-1', tags: ['ok', '-bad'] }, status: 400, answer: { error: 'invalid', field: 'tags[1]' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: { name: 'new-1', colour: 'red' }, status: 400, answer: { error: 'invalid', field: 'colour', message: 'colour is not a known field' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: { name: 'new-1', alarm: 'false' }, status: 400, answer: { error: 'invalid', field: 'alarm', message: 'alarm must be boolean' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: '{"name": "new-1",', status: 400, answer: { error: 'invalid', field: 'body', message: 'body is not valid JSON' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: '[1]', status: 400, answer: { error: 'invalid', field: 'body', message: 'body must be object' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', headers: AUTH, status: 400, answer: { error: 'invalid', field: 'body' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: { name: 'keep-1' }, status: 409, answer: { error: 'conflict', field: 'name', message: 'a host named "keep-1" already exists' } },
    { method: 'PATCH', url: '/api/v1/hosts/keep-2', route: HOST, body: { name: 'keep-1' }, status: 409, answer: { error: 'conflict', field: 'name' } },
    { method: 'PATCH', url: '/api/v1/hosts/keep-2', route: HOST, body: { interval: 86_401 }, status: 400, answer: { error: 'invalid', field: 'interval', message: 'interval must be <= 86400' } },
    { method: 'PATCH', url: '/api/v1/hosts/keep-2', route: HOST, body: { interval: 1.5 }, status: 400, answer: { error: 'invalid', field: 'interval' } },
    { method: 'PATCH', url: '/api/v1/hosts/keep-2', route: HOST, body: { enabled: 1 }, status: 400, answer: { error: 'invalid', field: 'enabled' } },
    { method: 'PATCH', url: '/api/v1/hosts/keep-2', route: HOST, body: { name: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, status: 400, answer: { error: 'invalid', field: 'tags' } },
    { method: 'PATCH', url: '/api/v1/hosts/ghost', route: HOST, body: { alarm: false }, status: 404, answer: { error: 'not_found', message: 'no host named "ghost"' } },
    { method: 'GET', url: '/api/v1/hosts/ghost', route: HOST, status: 404, answer: { error: 'not_found' } },
    { method: 'GET', url: '/api/v1/hosts/bad%20name', route: HOST, status: 400, answer: { error: 'invalid', field: 'name' } },
    { method: 'GET', url: `/api/v1/hosts/${'a'.repeat(101)}`, route: HOST, status: 400, answer: { error: 'invalid', field: 'path' } },
    { method: 'GET', url: '/api/v1/hosts/%E0%A4%A', route: HOST, status: 400, answer: { error: 'invalid', field: 'path' } },
    { method: 'PATCH', url: '/api/v1/hosts/', route: HOST, body: {}, status: 400, answer: { error: 'invalid', field: 'name' } },
    { method: 'POST', url: '/api/v1/hosts/ghost/rotate', route: '/api/v1/hosts/{name}/rotate', status: 404, answer: { error: 'not_found' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-2/mute', route: '/api/v1/hosts/{name}/mute', body: {}, status: 400, answer: { error: 'invalid', field: 'for' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-2/mute', route: '/api/v1/hosts/{name}/mute', body: { for: '2h', until: '2099-01-01T00:00:00Z' }, status: 400, answer: { error: 'invalid', field: 'until' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-2/mute', route: '/api/v1/hosts/{name}/mute', body: { for: '0m' }, status: 400, answer: { error: 'invalid', field: 'for', message: 'for must be a positive duration like 30s, 1m, 2h or 1d, got "0m"' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-2/mute', route: '/api/v1/hosts/{name}/mute', body: { until: '2020-01-01T00:00:00Z' }, status: 400, answer: { error: 'invalid', field: 'until' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-2/mute', route: '/api/v1/hosts/{name}/mute', body: { until: 'tomorrow' }, status: 400, answer: { error: 'invalid', field: 'until' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-2/mute', route: '/api/v1/hosts/{name}/mute', body: { for: '99999999999999999999d' }, status: 400, answer: { error: 'invalid', field: 'for', message: 'for must end before the year 10000' } },
    { method: 'PUT', url: '/api/v1/hosts/ghost/mute', route: '/api/v1/hosts/{name}/mute', body: { for: '1h' }, status: 404, answer: { error: 'not_found' } },
    { method: 'DELETE', url: '/api/v1/hosts/ghost/mute', route: '/api/v1/hosts/{name}/mute', status: 404, answer: { error: 'not_found' } },
    { method: 'PUT', url: '/api/v1/hosts/keep-1/tags/-bad', route: '/api/v1/hosts/{name}/tags/{tag}', status: 400, answer: { error: 'invalid', field: 'tag' } },
    { method: 'PUT', url: '/api/v1/hosts/ghost/tags/prod', route: '/api/v1/hosts/{name}/tags/{tag}', status: 404, answer: { error: 'not_found' } },
    { method: 'DELETE', url: '/api/v1/hosts/ghost/tags/prod', route: '/api/v1/hosts/{name}/tags/{tag}', status: 404, answer: { error: 'not_found' } },
    { method: 'DELETE', url: '/api/v1/hosts/ghost', route: HOST, status: 404, answer: { error: 'not_found' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: 'name=x', headers: { ...AUTH, 'content-type': 'text/plain' }, status: 415, answer: { error: 'unsupported_media_type' } },
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: JSON.stringify({ name: 'big', pad: 'x'.repeat(70_000) }), status: 413, answer: { error: 'payload_too_large' } },
    // Without the token the body is not even read: an invalid one still gets 401.
    { method: 'POST', url: '/api/v1/hosts', route: '/api/v1/hosts', body: '{bad', headers: { 'content-type': 'application/json' }, status: 401, answer: { error: 'unauthorized' } },
    { method: 'DELETE', url: '/api/v1/hosts/keep-1', route: HOST, headers: { authorization: `Bearer ${ADMIN}x` }, status: 401, answer: { error: 'unauthorized' } },
    { method: 'POST', url: '/api/v1/hosts/keep-1/rotate', route: '/api/v1/hosts/{name}/rotate', headers: { authorization: ADMIN }, status: 401, answer: { error: 'unauthorized' } },
  ];
  for (const c of cases) {
    const before = await snapshot(hosts);
    const res = await ask(c.method, c.url, c.route, c.body, c.headers ?? (c.body === undefined ? AUTH : JSON_AUTH));
    const label = `${c.method} ${c.url} ${JSON.stringify(c.body)?.slice(0, 80)}`;
    expect({ label, status: res.statusCode }).toEqual({ label, status: c.status });
    expect(res.json(), label).toMatchObject(c.answer);
    expect(typeof res.json().message, label).toBe('string');
    expect(await snapshot(hosts), label).toBe(before);
  }
});

test('without ADMIN_TOKEN configured every management route answers 401; the document stays readable', async () => {
  const open = buildApi({ hosts, db: fx.mongo.db, authLimits: { perSource: 1_000, perKey: 1_000, windowMs: 60_000 } });
  try {
    const before = await snapshot(hosts);
    for (const [method, url] of [['POST', '/api/v1/hosts'], ['GET', '/api/v1/hosts/keep-1'], ['PATCH', '/api/v1/hosts/keep-1'], ['DELETE', '/api/v1/hosts/keep-1'], ['POST', '/api/v1/hosts/keep-1/rotate'], ['PUT', '/api/v1/hosts/keep-1/mute'], ['DELETE', '/api/v1/hosts/keep-1/mute'], ['PUT', '/api/v1/hosts/keep-1/tags/x'], ['DELETE', '/api/v1/hosts/keep-1/tags/prod']] as const) {
      for (const headers of [{}, AUTH]) {
        const res = await open.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"name":"zz"}' });
        expect({ url, method, status: res.statusCode, error: res.json().error }).toEqual({ url, method, status: 401, error: 'unauthorized' });
      }
    }
    expect(await snapshot(hosts)).toBe(before);
    expect((await open.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(200);
  } finally {
    await open.close();
  }
});

test('wrong tokens end in 429 with Retry-After, the right one included, in the shared failure limiter', async () => {
  const limited = buildApi({ hosts, adminToken: ADMIN, db: fx.mongo.db, authLimits: { perSource: 100, perKey: 3, windowMs: 60_000 } });
  try {
    for (let i = 0; i < 3; i++) expect((await limited.inject({ method: 'GET', url: '/api/v1/hosts/keep-1', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    const res = await limited.inject({ method: 'GET', url: '/api/v1/hosts/keep-1', headers: AUTH });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ error: 'too_many_attempts' });
    documented('GET', HOST, res);
    // The host list shares the limit (one admin token, one count).
    expect((await limited.inject({ method: 'GET', url: '/api/v1/hosts', headers: AUTH })).statusCode).toBe(429);
  } finally {
    await limited.close();
  }
});

test('concurrent edits of one host run one at a time: 12 tags added at once are all kept', async () => {
  await ask('POST', '/api/v1/hosts', '/api/v1/hosts', { name: 'busy-1' });
  const tags = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
  const answers = await Promise.all(tags.map((t) => app.inject({ method: 'PUT', url: `/api/v1/hosts/busy-1/tags/${t}`, headers: AUTH })));
  expect(answers.map((a) => a.statusCode)).toEqual(tags.map(() => 200));
  expect((await ask('GET', '/api/v1/hosts/busy-1', HOST)).json().tags).toEqual(tags);
});
