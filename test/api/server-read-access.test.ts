/**
 * `npm run api` (src/api/server.ts) as a process: the status page and `GET /api/v1/status` are private by default
 * (viewer or admin token, as bearer or as the login cookie) and public only with STATUS_PUBLIC=true. Every read
 * route is asked with no token, a wrong token and each right token; the ingest route answers the same either way.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../scripts/lib/services.js';
import { VIEWER_COOKIE } from '../../src/api/viewer-auth.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { startTsProcess, untilProcess, type LongRunning } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { reportHeaders, SAMPLE_REPORT } from './support.js';

const VIEWER = `viewer-${randomBytes(12).toString('hex')}`;
const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${randomBytes(12).toString('hex')}`;

let mongo: MongoHandle;
let hosts: HostStore;
let env: Record<string, string>;
let credentials: { key: string; secret: string };
const running: LongRunning[] = [];

beforeAll(async () => {
  const store = await freshStore();
  ({ mongo, hosts } = store);
  credentials = await hosts.add('web-1');
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, ADMIN_TOKEN: ADMIN, VIEWER_TOKEN: VIEWER, STATUS_PUBLIC: '', LOG_FORMAT: '' };
});
afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

async function startApi(extra: Record<string, string>): Promise<{ base: string; api: LongRunning }> {
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { ...env, ...extra, PORT: String(port) });
  running.push(api);
  await untilProcess(api, 'api', () => api.out().includes('hostwatch api listening'));
  return { base: `http://127.0.0.1:${port}`, api };
}

type Ask = { label: string; headers: Record<string, string> };
const ASKS: Record<'none' | 'wrong' | 'viewer' | 'admin', Ask[]> = {
  none: [{ label: 'no token', headers: {} }],
  wrong: [
    { label: 'wrong bearer', headers: { authorization: `Bearer ${WRONG}` } },
    { label: 'wrong cookie', headers: { cookie: `${VIEWER_COOKIE}=${WRONG}` } },
  ],
  viewer: [
    { label: 'viewer bearer', headers: { authorization: `Bearer ${VIEWER}` } },
    { label: 'viewer cookie', headers: { cookie: `other=1; ${VIEWER_COOKIE}=${VIEWER}` } },
  ],
  admin: [
    { label: 'admin bearer', headers: { authorization: `Bearer ${ADMIN}` } },
    { label: 'admin cookie', headers: { cookie: `${VIEWER_COOKIE}=${ADMIN}` } },
  ],
};

/** What each read route answers: the status code and whether the body is the page, the login form or host data. */
async function read(base: string, path: string, ask: Ask): Promise<{ status: number; kind: 'page' | 'login' | 'data' | 'refused' }> {
  const res = await fetch(`${base}${path}`, { headers: ask.headers });
  const body = await res.text();
  expect(body, `${path} ${ask.label}: a token in the answer`).not.toContain(VIEWER);
  expect(body).not.toContain(ADMIN);
  if (body.includes('<form method="post" action="login">')) return { status: res.status, kind: 'login' };
  if (body.startsWith('<!doctype html>')) return { status: res.status, kind: 'page' };
  return { status: res.status, kind: body.includes('"web-1"') ? 'data' : 'refused' };
}

async function ingestAnswers(base: string): Promise<number[]> {
  const body = JSON.stringify(SAMPLE_REPORT);
  const ok = await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(credentials.key, credentials.secret), body });
  const bad = await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(credentials.key, WRONG), body });
  return [ok.status, bad.status];
}

describe('default (STATUS_PUBLIC unset): private', () => {
  let base: string;
  let api: LongRunning;
  beforeAll(async () => ({ base, api } = await startApi({})), 90_000);

  test('the start-up line says the page is private', () => {
    expect(api.out()).toContain('status page private (viewer or admin token)');
  });

  test('/ shows the login form without a token, the form with "Wrong token." for a wrong one, the page for the viewer or admin token', async () => {
    for (const a of ASKS.none) expect(await read(base, '/', a), a.label).toEqual({ status: 200, kind: 'login' });
    for (const a of ASKS.wrong) expect(await read(base, '/', a), a.label).toEqual({ status: 401, kind: 'login' });
    for (const a of [...ASKS.viewer, ...ASKS.admin]) expect(await read(base, '/', a), a.label).toEqual({ status: 200, kind: 'page' });
  });

  test('GET /api/v1/status: 401 without a token and with a wrong one; the hosts for the viewer or admin token', async () => {
    for (const a of [...ASKS.none, ...ASKS.wrong]) expect(await read(base, '/api/v1/status', a), a.label).toEqual({ status: 401, kind: 'refused' });
    for (const a of [...ASKS.viewer, ...ASKS.admin]) expect(await read(base, '/api/v1/status', a), a.label).toEqual({ status: 200, kind: 'data' });
  });

  test('GET /api/v1/hosts stays admin-only: the viewer token does not open it', async () => {
    for (const a of [...ASKS.none, ...ASKS.wrong, ...ASKS.viewer, ASKS.admin[1]!]) expect(await read(base, '/api/v1/hosts', a), a.label).toEqual({ status: 401, kind: 'refused' });
    expect(await read(base, '/api/v1/hosts', ASKS.admin[0]!)).toEqual({ status: 200, kind: 'data' });
  });

  test('POST /login sets the HttpOnly SameSite=Strict cookie for the right token only', async () => {
    const login = (token: string) =>
      fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    const bad = await login(WRONG);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const good = await login(VIEWER);
    expect(good.status).toBe(303);
    expect(good.headers.get('set-cookie')).toBe(`${VIEWER_COOKIE}=${VIEWER}; Path=/; HttpOnly; SameSite=Strict`);
  });

  test('the ingest route answers as before (204 for the right secret, 401 for a wrong one)', async () => {
    expect(await ingestAnswers(base)).toEqual([204, 401]);
  });
});

describe('STATUS_PUBLIC=true: public on purpose', () => {
  let base: string;
  let api: LongRunning;
  beforeAll(async () => ({ base, api } = await startApi({ STATUS_PUBLIC: 'true' })), 90_000);

  test('the start-up line says so, and the page and the status summary need no token (any token is ignored)', async () => {
    expect(api.out()).toContain('status page public (STATUS_PUBLIC=true)');
    for (const a of [...ASKS.none, ...ASKS.wrong, ...ASKS.viewer]) {
      expect(await read(base, '/', a), a.label).toEqual({ status: 200, kind: 'page' });
      expect(await read(base, '/api/v1/status', a), a.label).toEqual({ status: 200, kind: 'data' });
    }
  });

  test('GET /api/v1/hosts still needs the admin token', async () => {
    for (const a of [...ASKS.none, ...ASKS.wrong, ...ASKS.viewer]) expect(await read(base, '/api/v1/hosts', a), a.label).toEqual({ status: 401, kind: 'refused' });
    expect(await read(base, '/api/v1/hosts', ASKS.admin[0]!)).toEqual({ status: 200, kind: 'data' });
  });

  test('the ingest route answers the same', async () => {
    expect(await ingestAnswers(base)).toEqual([204, 401]);
  });
});

test('private with neither VIEWER_TOKEN nor ADMIN_TOKEN: the start-up line says nobody can read the page', async () => {
  const { base, api } = await startApi({ VIEWER_TOKEN: '', ADMIN_TOKEN: '' });
  expect(api.out()).toContain('status page private and VIEWER_TOKEN unset: nobody can read it');
  expect((await read(base, '/api/v1/status', ASKS.none[0]!)).status).toBe(401);
  expect((await read(base, '/', ASKS.none[0]!)).kind).toBe('login');
});
