/** GET /api/v1/status with readAccess set: private (viewer or admin token, bearer or cookie) or public on purpose. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { VIEWER_COOKIE } from '../../src/api/viewer-auth.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';

const VIEWER = 'viewer-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';
let mongo: MongoHandle;
let hosts: HostStore;
let priv: FastifyInstance;
let open: FastifyInstance;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  await hosts.add('web-1');
  priv = buildApi({ hosts, adminToken: ADMIN, readAccess: { public: false, viewerToken: VIEWER, adminToken: ADMIN }, authLimits: { perSource: 3, perKey: 100, windowMs: 60_000 } });
  open = buildApi({ hosts, readAccess: { public: true } });
});
afterAll(async () => {
  await priv?.close();
  await open?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

const status = (a: FastifyInstance, headers: Record<string, string> = {}, ip = '127.0.0.1') => a.inject({ method: 'GET', url: '/api/v1/status', headers, remoteAddress: ip });

test('private: no token and a wrong token get 401; the viewer and the admin token read, as bearer or cookie', async () => {
  expect((await status(priv)).statusCode).toBe(401);
  const wrong = await status(priv, { authorization: `Bearer ${VIEWER}x` });
  expect(wrong.statusCode).toBe(401);
  expect(wrong.body).not.toContain(VIEWER);
  for (const headers of <Record<string, string>[]>[{ authorization: `Bearer ${VIEWER}` }, { authorization: `Bearer ${ADMIN}` }, { cookie: `${VIEWER_COOKIE}=${VIEWER}` }]) {
    const res = await status(priv, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json().hosts.map((h: { name: string }) => h.name)).toEqual(['web-1']);
  }
});

test('private: failed viewer-token attempts are limited per source (429 with Retry-After)', async () => {
  const ip = '203.0.113.7';
  for (let i = 0; i < 3; i++) expect((await status(priv, { authorization: 'Bearer nope' }, ip)).statusCode).toBe(401);
  const limited = await status(priv, { authorization: `Bearer ${VIEWER}` }, ip);
  expect(limited.statusCode).toBe(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
});

test('public on purpose: no token needed', async () => {
  const res = await status(open);
  expect(res.statusCode).toBe(200);
  expect(res.json().hosts.map((h: { name: string }) => h.name)).toEqual(['web-1']);
});
