/**
 * The management API's rule routes (src/api/manage/rules.ts) in process on a fresh FerretDB database: create, read
 * back, update (null forgets), remove; refusals naming the field with documented bodies that change nothing.
 */
import type { LightMyRequestResponse } from 'fastify';
import { BSON } from 'mongodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RuleStore } from '../../src/store/rules-store.js';
import { documentChecker, JSON_AUTH, manageFixture, type ManageFixture } from './manage-support.js';

let f: ManageFixture;
let store: RuleStore;
let conforms: (method: string, path: string, res: LightMyRequestResponse) => void;

beforeAll(async () => {
  f = await manageFixture();
  store = new RuleStore(f.mongo.db);
  conforms = await documentChecker(f.app);
});

afterAll(async () => {
  await f?.close();
});

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = JSON_AUTH): Promise<LightMyRequestResponse> {
  const res = await f.app.inject({ method, url, headers, ...(body !== undefined && { payload: JSON.stringify(body) }) });
  conforms(method, url.startsWith('/api/v1/rules/') ? '/api/v1/rules/{id}' : '/api/v1/rules', res);
  return res;
}

const state = async () => BSON.EJSON.stringify(await store.collection.find({}).sort({ _id: 1 }).toArray(), { relaxed: false });

test('create, read back, update (null forgets a setting) and remove', async () => {
  const created = await call('POST', '/api/v1/rules', { name: 'disk-full', metric: 'disk', above: 90, clear: 85, tags: ['Prod'] });
  expect(created.statusCode).toBe(201);
  const rule = created.json();
  expect(rule).toEqual({
    id: expect.stringMatching(/^[0-9a-f]{24}$/),
    name: 'disk-full',
    metric: 'disk',
    op: 'above',
    threshold: 90,
    clear: 85,
    perCpu: false,
    steps: [5, 60, 240, 1440],
    hosts: null,
    tags: ['prod'],
    condition: 'disk above 90 %, clears at 85 %',
    createdAt: expect.any(String),
    updatedAt: expect.any(String),
  });
  expect((await call('POST', '/api/v1/rules', { name: 'rebooted', metric: 'reboot' })).json()).toMatchObject({ op: null, threshold: null, steps: [], condition: 'reboot (uptime went backwards)' });
  expect((await call('GET', '/api/v1/rules')).json().map((r: { name: string }) => r.name)).toEqual(['disk-full', 'rebooted']);
  expect((await call('GET', `/api/v1/rules/${rule.id}`)).json()).toEqual(rule);

  const renamed = await call('PATCH', `/api/v1/rules/${rule.id}`, { name: 'disk-nearly-full', below: 20, clear: null, hosts: ['db-1', 'db-1'], steps: [15, 120] });
  expect(renamed.statusCode).toBe(200);
  expect(renamed.json()).toMatchObject({ id: rule.id, name: 'disk-nearly-full', op: 'below', threshold: 20, clear: null, hosts: ['db-1'], tags: ['prod'], steps: [15, 120] });
  const everyHost = await call('PATCH', `/api/v1/rules/${rule.id}`, { hosts: null, tags: null });
  expect(everyHost.json()).toMatchObject({ hosts: null, tags: null });
  expect(await store.byName('disk-nearly-full')).not.toHaveProperty('hosts');

  const removed = await call('DELETE', `/api/v1/rules/${rule.id}`);
  expect(removed.statusCode).toBe(204);
  expect(removed.body).toBe('');
  expect((await call('GET', `/api/v1/rules/${rule.id}`)).json()).toEqual({ error: 'not_found', message: `no rule with id ${rule.id}` });
  expect((await store.list()).map((r) => r.name)).toEqual(['rebooted']);
});

test('refusals name the field, answer as documented and change nothing', async () => {
  const disk = (await call('POST', '/api/v1/rules', { name: 'disk-80', metric: 'disk', above: 80 })).json();
  const reboot = (await store.byName('rebooted')).id;
  const ghost = 'a'.repeat(24);
  const before = await state();
  const cases: [method: 'POST' | 'PATCH' | 'DELETE' | 'GET', url: string, body: unknown, status: number, answer: Record<string, unknown>][] = [
    ['POST', '/api/v1/rules', { name: 'disk-80', metric: 'cpu', above: 90 }, 409, { error: 'conflict', field: 'name', message: 'a rule named "disk-80" already exists' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'disks', above: 90 }, 400, { error: 'invalid', field: 'metric' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu' }, 400, { error: 'invalid', field: 'above', message: 'invalid rule above: give --above X or --below X' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: 90, below: 10 }, 400, { error: 'invalid', field: 'below', message: 'above and below: give one of them, not both' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'disk', above: 120 }, 400, { error: 'invalid', field: 'above', message: 'invalid rule above: disk is a percentage: give 0 to 100' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'disk', above: 90, clear: 95 }, 400, { error: 'invalid', field: 'clear', message: 'invalid rule clear: must be at or below the threshold (90) of an "above" rule' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'reboot', below: 1 }, 400, { error: 'invalid', field: 'below' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: 90, steps: [5, 5] }, 400, { error: 'invalid', field: 'steps', message: 'invalid rule steps: must be strictly increasing' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: 90, steps: [0] }, 400, { error: 'invalid', field: 'steps[0]' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: 90, perCpu: true }, 400, { error: 'invalid', field: 'perCpu', message: 'invalid rule per-cpu: applies only to load1, load5 and load15' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: 90, hosts: ['web 1'] }, 400, { error: 'invalid', field: 'hosts[0]' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: '90' }, 400, { error: 'invalid', field: 'above' }],
    ['POST', '/api/v1/rules', { name: '_bad', metric: 'cpu', above: 90 }, 400, { error: 'invalid', field: 'name' }],
    ['POST', '/api/v1/rules', { name: 'x', metric: 'cpu', above: 90, op: 'above' }, 400, { error: 'invalid', field: 'op', message: 'op is not a known field' }],
    ['PATCH', `/api/v1/rules/${disk.id}`, { clear: 95 }, 400, { error: 'invalid', field: 'clear' }],
    ['PATCH', `/api/v1/rules/${disk.id}`, { name: 'rebooted' }, 409, { error: 'conflict', field: 'name', message: 'a rule named "rebooted" already exists' }],
    ['PATCH', `/api/v1/rules/${disk.id}`, {}, 400, { error: 'invalid', field: 'body' }],
    ['PATCH', `/api/v1/rules/${disk.id}`, { metric: 'reboot', below: 5 }, 400, { error: 'invalid', field: 'below' }],
    ['PATCH', `/api/v1/rules/${reboot}`, { clear: 5 }, 400, { error: 'invalid', field: 'clear', message: 'invalid rule clear: a reboot rule takes no threshold: it notices an uptime that went backwards' }],
    ['PATCH', `/api/v1/rules/${reboot}`, { metric: 'cpu' }, 400, { error: 'invalid', field: 'above' }],
    ['PATCH', `/api/v1/rules/${ghost}`, { above: 5 }, 404, { error: 'not_found', message: `no rule with id ${ghost}` }],
    ['PATCH', '/api/v1/rules/disk-80', { above: 5 }, 400, { error: 'invalid', field: 'id' }],
    ['DELETE', `/api/v1/rules/${ghost}`, undefined, 404, { error: 'not_found' }],
    ['GET', '/api/v1/rules/XYZ', undefined, 400, { error: 'invalid', field: 'id' }],
  ];
  for (const [method, url, body, status, answer] of cases) {
    const res = await call(method, url, body);
    expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`).toBe(status);
    expect(res.json(), `${method} ${url} ${JSON.stringify(body)}`).toMatchObject(answer);
  }
  const noToken = await call('POST', '/api/v1/rules', { name: 'sneaky', metric: 'reboot' }, { 'content-type': 'application/json' });
  expect(noToken.statusCode).toBe(401);
  expect(await state()).toBe(before);
});
