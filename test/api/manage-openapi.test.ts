/**
 * The management API's OpenAPI document (`GET /api/v1/openapi.json`): valid OpenAPI 3 (@apidevtools/swagger-parser),
 * generated from the routes fastify serves, so every management route is in it with its answers; and the real
 * `npm run api` process serves it and the routes (a host created over HTTP reports with its credentials).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../scripts/lib/services.js';
import { buildApi } from '../../src/api/app.js';
import { startTsProcess, untilHealthy, type LongRunning } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { ADMIN, AUTH, JSON_AUTH } from './manage-support.js';
import { reportHeaders, SAMPLE_REPORT } from './support.js';

let store: Awaited<ReturnType<typeof freshStore>>;
let app: FastifyInstance;
/** Every route the management plugin registered, as `METHOD /path/{param}`. */
const routes: string[] = [];
let api: LongRunning | undefined;

beforeAll(async () => {
  store = await freshStore();
  app = buildApi({ hosts: store.hosts, adminToken: ADMIN, db: store.mongo.db });
  // Plugins register when the app gets ready: this hook sees every management route.
  app.addHook('onRoute', (r) => {
    if (!r.url.startsWith('/api/v1/') || (r.schema as { hide?: boolean } | undefined)?.hide) return; // hidden: the 405 routes (methods.ts)
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
  });
  await app.ready();
});
afterAll(async () => {
  api?.child.kill('SIGKILL');
  await app.close();
  await store.mongo.db.dropDatabase();
  await store.mongo.close();
});

type Doc = {
  openapi: string;
  components: { securitySchemes: Record<string, unknown> };
  security: unknown[];
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
};

test('the document is valid OpenAPI 3 with a bearer scheme, readable without a token', async () => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const doc = res.json() as Doc;
  expect(doc.openapi).toMatch(/^3\./);
  await SwaggerParser.validate(structuredClone(doc) as never);
  expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) } });
  expect(doc.security).toEqual([{ bearer: [] }]);
  expect(doc.paths['/api/v1/openapi.json']!.get!.security).toEqual([]);
});

test('every registered management route is in the document, each with its refusals', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as Doc;
  const inDoc = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  expect(routes.length).toBeGreaterThanOrEqual(10);
  expect(inDoc.sort()).toEqual([...routes].sort());
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path === '/api/v1/openapi.json') continue;
    for (const [method, op] of Object.entries(ops)) {
      // Every authenticated route can refuse a bad input, a bad token and too many of them.
      expect({ route: `${method} ${path}`, codes: ['400', '401', '429'].filter((c) => c in op.responses) }).toEqual({ route: `${method} ${path}`, codes: ['400', '401', '429'] });
    }
  }
  expect(Object.keys(doc.paths['/api/v1/hosts']!.post!.responses).sort()).toEqual(['201', '400', '401', '409', '413', '415', '429']);
});

test('npm run api serves the document and the routes: a host created over HTTP reports with its credentials', async () => {
  const port = await freePort();
  api = startTsProcess(['src/api/server.ts'], { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, ADMIN_TOKEN: ADMIN, PORT: String(port), LOG_FORMAT: '' });
  await untilHealthy(api, port);
  const base = `http://127.0.0.1:${port}`;
  const doc = await fetch(`${base}/api/v1/openapi.json`);
  expect(doc.status).toBe(200);
  expect(Object.keys(((await doc.json()) as Doc).paths)).toContain('/api/v1/hosts/{name}');

  const created = await fetch(`${base}/api/v1/hosts`, { method: 'POST', headers: JSON_AUTH, body: JSON.stringify({ name: 'proc-1', tags: ['prod'] }) });
  expect(created.status).toBe(201);
  const { key, secret } = (await created.json()) as { key: string; secret: string };
  const reported = await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(key, secret), body: JSON.stringify(SAMPLE_REPORT) });
  expect(reported.status).toBe(204);
  const got = await fetch(`${base}/api/v1/hosts/proc-1`, { headers: AUTH });
  expect(await got.json()).toMatchObject({ name: 'proc-1', state: 'online', tags: ['prod'] });
  const refused = await fetch(`${base}/api/v1/hosts/proc-1`, { method: 'DELETE' });
  expect(refused.status).toBe(401);
  expect(api.out() + api.err()).not.toContain(secret);
});
