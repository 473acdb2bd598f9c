/**
 * The management API's grace routes (issue 14 point 4) on FerretDB, in process: a host's own grace, a tag's grace and
 * the tag list, each answer one the OpenAPI document promises; refusals name the field and change nothing.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { HostStore } from '../../src/store/hosts-store.js';
import { AUTH, documentChecker, JSON_AUTH, manageFixture, type ManageFixture } from './manage-support.js';

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

async function ask(method: 'GET' | 'PUT' | 'DELETE', url: string, route: string, body?: unknown, headers: Record<string, string> = body === undefined ? AUTH : JSON_AUTH): Promise<LightMyRequestResponse> {
  const res = await app.inject({ method, url, headers, ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }) });
  documented(method, route, res);
  return res;
}
const HOST = '/api/v1/hosts/{name}/grace';
const TAG = '/api/v1/tags/{tag}/grace';
const state = async () => JSON.stringify([await hosts.collection.find({}).sort({ name: 1 }).toArray(), await hosts.tagSettings.collection.find({}).toArray()]);

test('PUT/DELETE a host grace and a tag grace; GET /api/v1/tags lists tags with host counts and graces', async () => {
  await hosts.add('edge-1', { tags: ['flaky', 'eu'] });
  await hosts.add('edge-2', { tags: ['flaky'] });
  const put = await ask('PUT', '/api/v1/hosts/edge-1/grace', HOST, { grace: 900 });
  expect([put.statusCode, put.json()]).toEqual([200, { name: 'edge-1', grace: 900 }]);
  expect((await hosts.byName('edge-1')).grace).toBe(900);
  const tag = await ask('PUT', '/api/v1/tags/FLAKY/grace', TAG, { grace: 1200 });
  expect([tag.statusCode, tag.json()]).toEqual([200, { tag: 'flaky', grace: 1200 }]);
  // a host answer says which grace applies and where from
  const graceOf = async (name: string) => (await ask('GET', `/api/v1/hosts/${name}`, '/api/v1/hosts/{name}')).json().grace;
  expect(await graceOf('edge-1')).toEqual({ seconds: 900, from: 'host' });
  expect(await graceOf('edge-2')).toEqual({ seconds: 1200, from: 'tag flaky' });
  const list = await ask('GET', '/api/v1/tags', '/api/v1/tags');
  expect(list.json()).toEqual([
    { tag: 'eu', hosts: 1, grace: null },
    { tag: 'flaky', hosts: 2, grace: 1200 },
  ]);
  expect((await ask('DELETE', '/api/v1/hosts/edge-1/grace', HOST)).statusCode).toBe(204);
  expect(await hosts.collection.findOne({ name: 'edge-1' })).not.toHaveProperty('grace');
  expect((await ask('DELETE', '/api/v1/tags/flaky/grace', TAG)).statusCode).toBe(204);
  expect((await ask('DELETE', '/api/v1/tags/flaky/grace', TAG)).statusCode).toBe(204);
  expect((await ask('GET', '/api/v1/tags', '/api/v1/tags')).json()).toEqual([
    { tag: 'eu', hosts: 1, grace: null },
    { tag: 'flaky', hosts: 2, grace: null },
  ]);
});

test('refusals: grace out of 0..86400 or not whole, unknown field, bad tag, unknown host, no token; nothing changes', async () => {
  await hosts.add('keep-1');
  const before = await state();
  const refused = async (method: 'PUT' | 'DELETE', url: string, route: string, body: unknown, status: number, field?: string, headers?: Record<string, string>) => {
    const res = await ask(method, url, route, body, headers);
    expect(res.statusCode, res.body).toBe(status);
    if (field !== undefined) expect(res.json().field).toBe(field);
    return res;
  };
  for (const grace of [-1, 86_401, 1.5, '60', null]) await refused('PUT', '/api/v1/hosts/keep-1/grace', HOST, { grace }, 400, 'grace');
  await refused('PUT', '/api/v1/hosts/keep-1/grace', HOST, {}, 400, 'grace');
  await refused('PUT', '/api/v1/hosts/keep-1/grace', HOST, { grace: 60, extra: 1 }, 400, 'extra');
  await refused('PUT', '/api/v1/tags/a%20b/grace', TAG, { grace: 60 }, 400, 'tag');
  expect((await refused('PUT', '/api/v1/hosts/nope-1/grace', HOST, { grace: 60 }, 404)).json()).toEqual({ error: 'not_found', message: 'no host named "nope-1"' });
  await refused('DELETE', '/api/v1/hosts/nope-1/grace', HOST, undefined, 404);
  await refused('PUT', '/api/v1/tags/ok/grace', TAG, { grace: 60 }, 401, undefined, { 'content-type': 'application/json' });
  await refused('PUT', '/api/v1/tags/ok/grace', TAG, '{"grace":', 400, 'body');
  expect(await state()).toBe(before);
});
