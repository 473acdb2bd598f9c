/** `POST /api/v1/hosts/{name}/ack` of the management API on FerretDB: the op's answers, as the OpenAPI document says. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { addReportedHost } from '../support/db.js';
import { snapshot } from './support.js';
import { AUTH, documentChecker, JSON_AUTH, manageFixture, type ManageFixture } from './manage-support.js';

let f: ManageFixture;
let conforms: Awaited<ReturnType<typeof documentChecker>>;
const PATH = '/api/v1/hosts/{name}/ack';

beforeAll(async () => {
  f = await manageFixture();
  conforms = await documentChecker(f.app);
});
afterAll(async () => f?.close());

const ack = (name: string, body?: unknown, headers: Record<string, string> = body === undefined ? AUTH : JSON_AUTH) =>
  f.app.inject({ method: 'POST', url: `/api/v1/hosts/${name}/ack`, headers, ...(body !== undefined && { payload: JSON.stringify(body) }) });

test('acknowledges (by "api" unless named), keeps the first; the answer is the documented one', async () => {
  const last = Date.now() - 10 * 60_000;
  const id = await addReportedHost(f.hosts, 'web-1', last);
  const first = await ack('web-1');
  conforms('POST', PATH, first);
  expect(first.statusCode).toBe(200);
  expect(first.json()).toMatchObject({ host: 'web-1', acknowledged: [{ key: `offline_${last}`, condition: 'offline', since: new Date(last).toISOString(), ack: { by: 'api' }, already: false }] });
  const again = await ack('web-1', { condition: 'offline', by: 'alice' });
  conforms('POST', PATH, again);
  expect(again.json().acknowledged[0]).toMatchObject({ already: true, ack: { by: 'api' } });
  const doc = await f.hosts.collection.findOne({ _id: new ObjectId(id) });
  expect(doc!.alerts![`offline_${last}`]!.ack).toMatchObject({ by: 'api' });
});

test('refusals: unknown host 404, a condition that does not hold 400 naming it, bad bodies 400, no token 401; nothing changes', async () => {
  await addReportedHost(f.hosts, 'ok-1', Date.now());
  const before = await snapshot(f.hosts);
  const cases = [
    [await ack('nope'), 404, { error: 'not_found', message: 'no host named "nope"' }],
    [await ack('ok-1', { condition: 'disk' }), 400, { error: 'invalid', field: 'condition', message: 'host "ok-1" has no active condition "disk"' }],
    [await ack('ok-1', { who: 'x' }), 400, { error: 'invalid' }],
    [await ack('ok-1', { by: '' }), 400, { error: 'invalid', field: 'by' }],
    [await ack('ok-1', { by: 'a\u0001b' }), 400, { error: 'invalid', field: 'by' }],
    [await f.app.inject({ method: 'POST', url: '/api/v1/hosts/ok-1/ack' }), 401, { error: 'unauthorized' }],
  ] as const;
  for (const [res, status, body] of cases) {
    conforms('POST', PATH, res);
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status, body });
  }
  expect(await snapshot(f.hosts)).toBe(before);
});

test('the host view shows the ack on its alert entry (alerts[].acked), as documented', async () => {
  const last = Date.now() - 10 * 60_000;
  await addReportedHost(f.hosts, 'web-2', last);
  expect((await ack('web-2', { by: 'bob' })).statusCode).toBe(200);
  const view = await f.app.inject({ method: 'GET', url: '/api/v1/hosts/web-2', headers: AUTH });
  conforms('GET', '/api/v1/hosts/{name}', view);
  expect(view.json().alerts).toEqual([{ condition: 'offline', start: new Date(last).toISOString(), sent: {}, acked: { at: expect.any(String), by: 'bob' } }]);
});
