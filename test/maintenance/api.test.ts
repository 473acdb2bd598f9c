/**
 * The management API's maintenance routes (src/api/manage/maintenance.ts) in process on a fresh FerretDB database:
 * add, list, remove; refusals naming the field, each a documented answer that changes nothing.
 */
import type { LightMyRequestResponse } from 'fastify';
import { BSON } from 'mongodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { documentChecker, JSON_AUTH, AUTH, manageFixture, type ManageFixture } from '../api/manage-support.js';

let f: ManageFixture;
let conforms: (method: string, path: string, res: LightMyRequestResponse) => void;

beforeAll(async () => {
  f = await manageFixture();
  await f.hosts.add('db-1');
  conforms = await documentChecker(f.app);
});
afterAll(async () => f?.close());

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<LightMyRequestResponse> {
  const res = await f.app.inject({ method, url, headers: body === undefined ? AUTH : JSON_AUTH, ...(body !== undefined && { payload: JSON.stringify(body) }) });
  conforms(method, url === '/api/v1/maintenance' ? url : '/api/v1/maintenance/{name}', res);
  return res;
}

const state = async () => BSON.EJSON.stringify(await f.hosts.maintenance.collection.find({}).sort({ _id: 1 }).toArray(), { relaxed: false });

test('add (each kind), list, remove', async () => {
  const once = await call('POST', '/api/v1/maintenance', { name: 'db-upgrade', kind: 'once', hosts: ['db-1'], timezone: 'Europe/Berlin', from: '2099-12-24T22:00', to: '2099-12-25T02:00', reason: 'PostgreSQL 18' });
  expect(once.statusCode).toBe(201);
  expect(once.json()).toEqual({
    id: expect.stringMatching(/^[0-9a-f]{24}$/),
    name: 'db-upgrade',
    kind: 'once',
    hosts: ['db-1'],
    tags: [],
    timezone: 'Europe/Berlin',
    reason: 'PostgreSQL 18',
    createdAt: expect.any(String),
    from: '2099-12-24T21:00:00.000Z',
    to: '2099-12-25T01:00:00.000Z',
    schedule: '2099-12-24 22:00 +01:00 to 2099-12-25 02:00 +01:00',
    active: null,
    next: { from: '2099-12-24T21:00:00.000Z', to: '2099-12-25T01:00:00.000Z', fromLocal: '2099-12-24 22:00 +01:00', toLocal: '2099-12-25 02:00 +01:00' },
  });
  expect((await call('POST', '/api/v1/maintenance', { name: 'nightly', kind: 'weekly', tags: ['Backup'], timezone: 'UTC', days: ['mon', 'fri'], start: '23:30', end: '00:30' })).json()).toMatchObject({ tags: ['backup'], days: ['mon', 'fri'], schedule: 'mon,fri 23:30-00:30 (next day)' });
  expect((await call('POST', '/api/v1/maintenance', { name: 'patch', kind: 'cron', tags: ['prod'], timezone: 'UTC', cron: '0 2 * * 0', durationMinutes: 120 })).statusCode).toBe(201);
  const list = await call('GET', '/api/v1/maintenance');
  expect(list.json().map((w: { name: string }) => w.name)).toEqual(['db-upgrade', 'nightly', 'patch']);
  expect((await call('DELETE', '/api/v1/maintenance/nightly')).statusCode).toBe(204);
  expect((await call('GET', '/api/v1/maintenance')).json().map((w: { name: string }) => w.name)).toEqual(['db-upgrade', 'patch']);
});

test('refusals: 400 naming the field, 404, 409; nothing changed', async () => {
  const before = await state();
  const refused = async (body: unknown, status: number, field?: string) => {
    const res = await call('POST', '/api/v1/maintenance', body);
    expect(res.statusCode, res.body).toBe(status);
    if (field !== undefined) expect(res.json().field).toBe(field);
    return res.json().message as string;
  };
  const weekly = { name: 'w', kind: 'weekly', tags: ['prod'], timezone: 'UTC', days: ['mon'], start: '22:00', end: '23:00' };
  await refused({ ...weekly, timezone: 'Mars/Olympus' }, 400, 'timezone');
  await refused({ ...weekly, days: ['mon', 'someday'] }, 400, 'days[1]');
  await refused({ ...weekly, start: '7:00' }, 400, 'start');
  await refused({ ...weekly, extra: 1 }, 400, 'extra');
  await refused({ ...weekly, tags: [], hosts: [] }, 400, 'hosts');
  await refused({ ...weekly, hosts: ['nosuch-1'] }, 400, 'hosts[0]');
  await refused({ ...weekly, days: undefined }, 400, 'days');
  expect(await refused({ ...weekly, kind: 'cron', cron: '0 2 * *', durationMinutes: 60 }, 400, 'cron')).toBe('cron "0 2 * *": needs 5 fields (minute hour day-of-month month day-of-week), got 4');
  await refused({ ...weekly, kind: 'cron', cron: '0 2 * * *' }, 400, 'durationMinutes');
  await refused({ ...weekly, kind: 'once', from: '2099-01-02T00:00', to: '2099-01-01T00:00' }, 400, 'to');
  await refused({ ...weekly, name: 'patch' }, 409, 'name');
  expect((await call('DELETE', '/api/v1/maintenance/nosuch')).statusCode).toBe(404);
  expect(await state()).toBe(before);
});
