/**
 * The management API's channel routes (src/api/manage/channels.ts) in process on a fresh FerretDB database: create,
 * read back without secrets, update, remove; refusals with documented bodies that change nothing; and no answer
 * ever carries the secret part of a channel URL.
 */
import type { LightMyRequestResponse } from 'fastify';
import { BSON } from 'mongodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ChannelStore } from '../../src/store/channels-store.js';
import { AUTH, documentChecker, JSON_AUTH, manageFixture, type ManageFixture } from './manage-support.js';

const TOKEN = 'xoxbSecretT0ken9Zq81xw';
const SLACK = `slack+https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/${TOKEN}`;
const HOOK_PASSWORD = 'hookPa55word-7731';
const WEBHOOK = `webhook+https://alerts:${HOOK_PASSWORD}@hooks.example.com/notify`;
const SECRETS = [TOKEN, HOOK_PASSWORD, 'B02GHIJKL/'];

let f: ManageFixture;
let store: ChannelStore;
let conforms: (method: string, path: string, res: LightMyRequestResponse) => void;
/** Every answer of this file, to check none carries a secret. */
const answers: string[] = [];

beforeAll(async () => {
  f = await manageFixture();
  store = new ChannelStore(f.mongo.db);
  conforms = await documentChecker(f.app);
});

afterAll(async () => {
  for (const body of answers) for (const s of SECRETS) expect(body).not.toContain(s);
  await f?.close();
});

/** One request, checked against the document (status listed for the route, body valid against its schema). */
async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = JSON_AUTH): Promise<LightMyRequestResponse> {
  const res = await f.app.inject({ method, url, headers, ...(body !== undefined && { payload: JSON.stringify(body) }) });
  answers.push(JSON.stringify(res.headers) + res.body);
  conforms(method, url.startsWith('/api/v1/channels/') ? '/api/v1/channels/{name}' : '/api/v1/channels', res);
  return res;
}

const state = async () => BSON.EJSON.stringify(await store.collection.find({}).sort({ _id: 1 }).toArray(), { relaxed: false });

test('create, read back without secrets, update and remove', async () => {
  const created = await call('POST', '/api/v1/channels', { name: 'oncall', url: SLACK });
  expect(created.statusCode).toBe(201);
  expect(created.json()).toEqual({
    name: 'oncall',
    kind: 'slack',
    destinations: 1,
    url: 'slack+https://hooks.slack.com***',
    createdAt: expect.any(String),
    updatedAt: expect.any(String),
  });
  expect((await store.get('oncall'))!.url).toBe(SLACK); // stored as given

  expect((await call('POST', '/api/v1/channels', { name: 'ops', url: 'mailto:Ops@Example.com,lead@example.com' })).statusCode).toBe(201);
  const list = await call('GET', '/api/v1/channels');
  expect(list.statusCode).toBe(200);
  expect(list.json().map((c: { name: string; kind: string; destinations: number; url: string }) => [c.name, c.kind, c.destinations, c.url])).toEqual([
    ['oncall', 'slack', 1, 'slack+https://hooks.slack.com***'],
    ['ops', 'mailto', 2, 'mailto:ops@example.com,lead@example.com'],
  ]);
  const one = await call('GET', '/api/v1/channels/oncall');
  expect(one.json()).toEqual(created.json());

  const updated = await call('PATCH', '/api/v1/channels/oncall', { url: WEBHOOK });
  expect(updated.statusCode).toBe(200);
  expect(updated.json()).toMatchObject({ name: 'oncall', kind: 'webhook', destinations: 1 });
  expect(updated.json().url).toMatch(/^webhook\+https:\/\/alerts:\*\*\*@hooks\.example\.com\/notify/);
  expect((await store.get('oncall'))!.url).toBe(WEBHOOK);

  const removed = await call('DELETE', '/api/v1/channels/oncall');
  expect(removed.statusCode).toBe(204);
  expect(removed.body).toBe('');
  expect(await store.get('oncall')).toBeNull();
  expect((await call('GET', '/api/v1/channels/oncall')).json()).toEqual({ error: 'not_found', message: 'no channel named "oncall"' });
});

test('refusals answer { error, field?, message } as documented, never quote the URL, and change nothing', async () => {
  await call('POST', '/api/v1/channels', { name: 'taken', url: 'mailto:taken@example.com' });
  const before = await state();
  const cases: [method: 'POST' | 'PATCH' | 'DELETE' | 'GET', url: string, body: unknown, status: number, answer: Record<string, unknown>][] = [
    ['POST', '/api/v1/channels', { name: 'taken', url: 'mailto:other@example.com' }, 409, { error: 'conflict', field: 'name', message: 'a channel named "taken" already exists' }],
    ['POST', '/api/v1/channels', { name: 'new1', url: 'mailto:a@example.com,nope' }, 400, { error: 'invalid', field: 'url', message: 'invalid channel url: address[1] is not an email address: "nope"' }],
    ['POST', '/api/v1/channels', { name: 'new2', url: `nosuchkind+https://example.com/hook/${TOKEN}` }, 400, { error: 'invalid', field: 'url' }],
    ['POST', '/api/v1/channels', { name: 'new3', url: `slack+https://hooks.slack.com/services/${TOKEN}#frag` }, 400, { error: 'invalid', field: 'url' }],
    ['POST', '/api/v1/channels', { name: 'bad name', url: 'mailto:a@example.com' }, 400, { error: 'invalid', field: 'name' }],
    ['POST', '/api/v1/channels', { name: 'new4' }, 400, { error: 'invalid', field: 'url', message: 'url is required' }],
    ['POST', '/api/v1/channels', { name: 'new5', url: 'mailto:a@example.com', secret: 'x' }, 400, { error: 'invalid', field: 'secret', message: 'secret is not a known field' }],
    ['POST', '/api/v1/channels', { name: 'new6', url: 42 }, 400, { error: 'invalid', field: 'url' }],
    ['PATCH', '/api/v1/channels/taken', { url: `slack+https://hooks.slack.com/services/${TOKEN}#x` }, 400, { error: 'invalid', field: 'url' }],
    ['PATCH', '/api/v1/channels/taken', { url: 'mailto:' }, 400, { error: 'invalid', field: 'url' }],
    ['PATCH', '/api/v1/channels/taken', { name: 'renamed', url: 'mailto:a@example.com' }, 400, { error: 'invalid', field: 'name' }],
    ['PATCH', '/api/v1/channels/ghost', { url: 'mailto:a@example.com' }, 404, { error: 'not_found', message: 'no channel named "ghost"' }],
    ['PATCH', '/api/v1/channels/bad%20name', { url: 'mailto:a@example.com' }, 400, { error: 'invalid', field: 'name' }],
    ['DELETE', '/api/v1/channels/ghost', undefined, 404, { error: 'not_found', message: 'no channel named "ghost"' }],
    ['GET', '/api/v1/channels/ghost', undefined, 404, { error: 'not_found', message: 'no channel named "ghost"' }],
  ];
  for (const [method, url, body, status, answer] of cases) {
    const res = await call(method, url, body);
    expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`).toBe(status);
    expect(res.json()).toMatchObject(answer);
    expect(res.body).not.toContain('example.com/hook');
  }
  expect(await state()).toBe(before);
});

test('without the admin token nothing is read or written', async () => {
  const before = await state();
  for (const headers of [{ 'content-type': 'application/json' }, { ...JSON_AUTH, authorization: 'Bearer wrong-token' }]) {
    const res = await call('POST', '/api/v1/channels', { name: 'sneaky', url: SLACK }, headers);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
    expect((await call('GET', '/api/v1/channels', undefined, headers)).statusCode).toBe(401);
    expect((await call('DELETE', '/api/v1/channels/taken', undefined, headers)).statusCode).toBe(401);
  }
  expect((await call('GET', '/api/v1/channels', undefined, AUTH)).statusCode).toBe(200);
  expect(await state()).toBe(before);
});

test('a stored URL of a kind this version does not know is listed by its scheme only, and named as the problem', async () => {
  const now = new Date();
  await store.collection.insertOne({ _id: new BSON.ObjectId(), name: 'future', url: `carrierpigeon+https://coop.example.com/${TOKEN}`, createdAt: now, updatedAt: now });
  const res = await call('GET', '/api/v1/channels/future');
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ name: 'future', kind: 'unknown', destinations: 0, url: 'carrierpigeon+https:***', problem: expect.stringContaining('not a known channel kind') });
});
