import { afterAll, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import type { FastifyInstance } from 'fastify';
import { buildApi, BODY_LIMIT } from '../../src/api/app.js';
import { collectMetrics } from '../../src/agent/metrics.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore, markNotified } from '../support/db.js';
import { JSON_HEADERS, reportHeaders, SAMPLE_REPORT, snapshot } from './support.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let clock = new Date(T);
let web: { id: string; key: string; secret: string };
let off: { id: string; key: string; secret: string };

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  app = buildApi({ hosts, now: () => clock });
  web = await hosts.add('web-1');
  off = await hosts.add('disabled-1', { active: false });
  await hosts.add('bystander');
  await hosts.recordReport((await hosts.add('reported-bystander')).id, { hostname: 'x' }, new Date(T - 5 * MIN));
});
afterAll(async () => {
  await app.close();
  await mongo.db.dropDatabase();
  await mongo.close();
});

const doc = (id: string) => hosts.collection.findOne({ _id: new ObjectId(id) });

function post(headers: Record<string, string>, payload: string | object) {
  return app.inject({ method: 'POST', url: '/api/v1/report', headers, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
}

/** Sends the request and checks the answer and that the hosts collection is byte-for-byte unchanged. */
async function expectRejected(headers: Record<string, string>, payload: string | object, status: number, body: unknown) {
  const before = await snapshot(hosts);
  const res = await post(headers, payload);
  expect({ status: res.statusCode, body: res.json() }).toEqual({ status, body });
  expect(await snapshot(hosts)).toBe(before);
  return res;
}

test('204: stores the body as data and lastReportAt from the server clock, not from the body', async () => {
  clock = new Date(T + 1234);
  const res = await post(reportHeaders(web.key, web.secret), { ...SAMPLE_REPORT, lastReportAt: '1999-01-01T00:00:00Z' });
  expect(res.statusCode).toBe(204);
  expect(res.body).toBe('');
  const d = await doc(web.id);
  expect(d?.lastReportAt).toEqual(new Date(T + 1234));
  expect(d?.data).toEqual({ ...SAMPLE_REPORT, lastReportAt: '1999-01-01T00:00:00Z' });
  expect(d?.alert).toBeUndefined();

  // An empty object is a valid report, and a charset parameter is fine.
  clock = new Date(T + 5000);
  expect((await post({ ...reportHeaders(web.key, web.secret), 'content-type': 'application/json; charset=utf-8' }, {})).statusCode).toBe(204);
  expect(await doc(web.id)).toMatchObject({ data: {}, lastReportAt: new Date(T + 5000) });
});

test("204 for the reporting agent's real metrics of this machine", async () => {
  const metrics = await collectMetrics({ cpuSampleMs: 20 });
  clock = new Date(T + 6000);
  const res = await post(reportHeaders(web.key, web.secret), metrics);
  expect(res.statusCode).toBe(204);
  expect((await doc(web.id))?.data).toEqual(JSON.parse(JSON.stringify(metrics)));
});

test('400: malformed or non-object bodies, and known fields of the wrong type, each naming the field', async () => {
  const h = reportHeaders(web.key, web.secret);
  const bad = (message: string) => ({ error: 'bad_request', message });
  await expectRejected(h, '{"cpu": 1', 400, bad('body is not valid JSON'));
  await expectRejected(h, '', 400, bad('body is not valid JSON'));
  for (const body of ['[]', '[{"cpu":1}]', '"text"', '42', 'null', 'true']) await expectRejected(h, body, 400, bad('body must be a JSON object'));
  const cases: [object, string][] = [
    [{ hostname: 5 }, 'body.hostname must be a string'],
    [{ os: ['linux'] }, 'body.os must be a string'],
    [{ uptime: -1 }, 'body.uptime must be a number >= 0'],
    [{ uptime: '10' }, 'body.uptime must be a number >= 0'],
    [{ cpu: 100.5 }, 'body.cpu must be a number from 0 to 100'],
    [{ cpu: -0.1 }, 'body.cpu must be a number from 0 to 100'],
    [{ cpu: '50' }, 'body.cpu must be a number from 0 to 100'],
    [{ cpu: null }, 'body.cpu must be a number from 0 to 100'],
    [{ load: 0.5 }, 'body.load must be an array of numbers'],
    [{ load: [0.5, '0.4'] }, 'body.load[1] must be a number'],
    [{ memory: 1024 }, 'body.memory must be an object { total: number, used: number }'],
    [{ memory: { total: 10 } }, 'body.memory.used must be a number'],
    [{ memory: { total: '10', used: 1 } }, 'body.memory.total must be a number'],
    [{ disk: { mount: '/' } }, 'body.disk must be an array of { mount: string, total: number, used: number }'],
    [{ disk: ['/'] }, 'body.disk[0] must be an object { mount: string, total: number, used: number }'],
    [{ disk: [{ mount: '/', total: 1, used: 1 }, { mount: 7, total: 1, used: 1 }] }, 'body.disk[1].mount must be a string'],
    [{ disk: [{ mount: '/', total: 1, used: 'x' }] }, 'body.disk[0].used must be a number'],
  ];
  for (const [body, message] of cases) await expectRejected(h, body, 400, bad(message));
  // Numbers that overflow to Infinity are not numbers.
  await expectRejected(h, '{"uptime": 1e400}', 400, bad('body.uptime must be a number >= 0'));
  // Field names the database could refuse after the request was accepted.
  await expectRejected(h, { extra: { $set: 1 } }, 400, bad('body.extra["$set"] is not an allowed field name (names must not be empty, start with "$", or contain "." or NUL)'));
  await expectRejected(h, { 'a.b': 1 }, 400, bad('body["a.b"] is not an allowed field name (names must not be empty, start with "$", or contain "." or NUL)'));
  await expectRejected(h, '{"__proto__": {"x": 1}}', 400, bad('body.__proto__ is not an allowed field name (names must not be empty, start with "$", or contain "." or NUL)'));
  await expectRejected(h, { list: [{ '': 1 }] }, 400, bad('body.list[0][""] is not an allowed field name (names must not be empty, start with "$", or contain "." or NUL)'));
  // FerretDB 1.x cannot store nested arrays (the fuzz test found this as a 500): refused up front.
  await expectRejected(h, { extra: { matrix: [[1, 2], [3]] } }, 400, bad('body.extra.matrix[0] is an array inside an array, which cannot be stored'));
  await expectRejected(h, { load: [[1]] }, 400, bad('body.load[0] is an array inside an array, which cannot be stored'));
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = { d: deep };
  const res = await expectRejected(h, deep as object, 400, expect.objectContaining({ error: 'bad_request' }));
  expect(res.json().message).toMatch(/^body is nested more than 32 levels deep/);
});

test('401: unknown key, wrong secret and missing headers all get the same answer', async () => {
  const unauthorized = { error: 'unauthorized' };
  const answers = [
    await expectRejected(reportHeaders('hk_unknown', web.secret), SAMPLE_REPORT, 401, unauthorized),
    await expectRejected(reportHeaders(web.key, `${web.secret}x`), SAMPLE_REPORT, 401, unauthorized),
    await expectRejected(reportHeaders(web.key, off.secret), SAMPLE_REPORT, 401, unauthorized),
    await expectRejected(reportHeaders(web.key, ''), SAMPLE_REPORT, 401, unauthorized),
    await expectRejected({ ...JSON_HEADERS, 'x-host-key': web.key }, SAMPLE_REPORT, 401, unauthorized),
    await expectRejected({ ...JSON_HEADERS, 'x-host-secret': web.secret }, SAMPLE_REPORT, 401, unauthorized),
    await expectRejected({ ...JSON_HEADERS }, SAMPLE_REPORT, 401, unauthorized),
    // Authentication comes before the body: a bad body with a bad secret is 401, not 400.
    await expectRejected(reportHeaders(web.key, 'nope'), '{not json', 401, unauthorized),
    await expectRejected(reportHeaders('hk_unknown', 'nope'), { cpu: 'x' }, 401, unauthorized),
    // A disabled host with a wrong secret is not told it is disabled.
    await expectRejected(reportHeaders(off.key, web.secret), SAMPLE_REPORT, 401, unauthorized),
  ];
  const shapes = answers.map((r) => ({ body: r.body, type: r.headers['content-type'], length: r.headers['content-length'] }));
  expect(new Set(shapes.map((s) => JSON.stringify(s))).size).toBe(1);
  expect(shapes[0]!.body).toBe('{"error":"unauthorized"}');
});

test('401 after a secret rotation: the old secret stops working at once', async () => {
  const h = await hosts.add('rotated');
  const fresh = await hosts.rotateSecret('rotated');
  await expectRejected(reportHeaders(h.key, h.secret), {}, 401, { error: 'unauthorized' });
  await expectRejected(reportHeaders(fresh.key, h.secret), {}, 401, { error: 'unauthorized' });
  expect((await post(reportHeaders(fresh.key, fresh.secret), {})).statusCode).toBe(204);
});

test('403: a disabled host with the right secret; enabling it lets it report', async () => {
  await expectRejected(reportHeaders(off.key, off.secret), SAMPLE_REPORT, 403, { error: 'forbidden', message: 'host is disabled' });
  // Authentication comes before the body here too: a disabled host's bad body is 403.
  await expectRejected(reportHeaders(off.key, off.secret), '{bad', 403, { error: 'forbidden', message: 'host is disabled' });
  await hosts.update('disabled-1', { active: true });
  clock = new Date(T + 7 * MIN);
  expect((await post(reportHeaders(off.key, off.secret), SAMPLE_REPORT)).statusCode).toBe(204);
  expect((await doc(off.id))?.lastReportAt).toEqual(new Date(T + 7 * MIN));
  await hosts.update('disabled-1', { active: false });
});

test('413: a body over 64 KiB is refused; exactly 64 KiB is accepted', async () => {
  const padded = (size: number) => {
    const base = JSON.stringify({ pad: '' });
    return JSON.stringify({ pad: 'x'.repeat(size - base.length) });
  };
  expect(Buffer.byteLength(padded(BODY_LIMIT + 1))).toBe(65_537);
  const tooLarge = { error: 'payload_too_large', message: 'body must be at most 65536 bytes' };
  await expectRejected(reportHeaders(web.key, web.secret), padded(BODY_LIMIT + 1), 413, tooLarge);
  await expectRejected(reportHeaders(web.key, web.secret), padded(10 * BODY_LIMIT), 413, tooLarge);
  // Size is checked before authentication.
  await expectRejected(reportHeaders('hk_unknown', 'x'), padded(BODY_LIMIT + 1), 413, tooLarge);
  clock = new Date(T + 8 * MIN);
  expect((await post(reportHeaders(web.key, web.secret), padded(BODY_LIMIT))).statusCode).toBe(204);
  expect((await doc(web.id))?.data).toEqual({ pad: 'x'.repeat(BODY_LIMIT - 10) });
});

test('415: anything but application/json is refused before authentication', async () => {
  const unsupported = { error: 'unsupported_media_type', message: 'Content-Type must be application/json' };
  const creds = { 'x-host-key': web.key, 'x-host-secret': web.secret };
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json']) {
    await expectRejected({ ...creds, 'content-type': type }, SAMPLE_REPORT, 415, unsupported);
  }
  await expectRejected(creds, SAMPLE_REPORT, 415, unsupported); // no Content-Type at all
  await expectRejected({ 'content-type': 'text/plain' }, 'hello', 415, unsupported); // before the missing-key 401
});

test('a report after an alerted outage records the instance\'s backAt once; the alert state itself is left to the check', async () => {
  const h = await hosts.add('flaky');
  clock = new Date(T);
  expect((await post(reportHeaders(h.key, h.secret), {})).statusCode).toBe(204);
  await markNotified(hosts, h.id, T, 10, T + 12 * MIN);

  clock = new Date(T + 30 * MIN);
  expect((await post(reportHeaders(h.key, h.secret), { cpu: 1 })).statusCode).toBe(204);
  const key = `offline_${T}`;
  expect((await doc(h.id))?.alerts).toEqual({ [key]: { start: new Date(T), notifiedAt: new Date(T + 12 * MIN), sent: { 'mailto:ops@example%2Ecom': 10 }, backAt: new Date(T + 30 * MIN) } });

  clock = new Date(T + 31 * MIN);
  expect((await post(reportHeaders(h.key, h.secret), { cpu: 2 })).statusCode).toBe(204);
  const d = await doc(h.id);
  expect(d?.alerts?.[key]?.backAt).toEqual(new Date(T + 30 * MIN));
  expect(d).toMatchObject({ lastReportAt: new Date(T + 31 * MIN), data: { cpu: 2 } });

  // A rejected report during an outage does not count as being seen again.
  const g = await hosts.add('still-down');
  clock = new Date(T);
  await post(reportHeaders(g.key, g.secret), {});
  await markNotified(hosts, g.id, T, 1, T + MIN);
  clock = new Date(T + 5 * MIN);
  await expectRejected(reportHeaders(g.key, g.secret), { cpu: 500 }, 400, { error: 'bad_request', message: 'body.cpu must be a number from 0 to 100' });
  await expectRejected(reportHeaders(g.key, 'wrong'), {}, 401, { error: 'unauthorized' });
  expect((await doc(g.id))?.alert?.backAt).toBeUndefined();
});

test('editing a host (rename, disable, enable, mute, unmute, alarm, rotate) never changes lastReportAt or data', async () => {
  const h = await hosts.add('edited');
  clock = new Date(T - 3 * MIN);
  expect((await post(reportHeaders(h.key, h.secret), { cpu: 3 })).statusCode).toBe(204);
  const expectUnchanged = async () => expect(await doc(h.id)).toMatchObject({ lastReportAt: new Date(T - 3 * MIN), data: { cpu: 3 } });
  await hosts.update('edited', { name: 'edited-2' });
  await expectUnchanged();
  await hosts.update('edited-2', { active: false });
  await expectUnchanged();
  await hosts.update('edited-2', { active: true });
  await expectUnchanged();
  await hosts.update('edited-2', { mutedUntil: new Date(T + 60 * MIN) });
  await expectUnchanged();
  await hosts.update('edited-2', { mutedUntil: null });
  await expectUnchanged();
  await hosts.update('edited-2', { alarm: false });
  await hosts.update('edited-2', { alarm: true, name: 'edited-3' });
  await expectUnchanged();
  await hosts.rotateSecret('edited-3');
  await expectUnchanged();
  expect((await doc(h.id))?.name).toBe('edited-3');
});

test('other routes and methods answer 404 and change nothing', async () => {
  const before = await snapshot(hosts);
  const res = await app.inject({ method: 'PUT', url: '/api/v1/report', headers: reportHeaders(web.key, web.secret), payload: '{}' });
  expect(res.statusCode).toBe(404);
  expect(res.json()).toEqual({ error: 'not_found' });
  expect(await snapshot(hosts)).toBe(before);
});
