/** `npm run api` (src/api/server.ts) as a process serves the host page and the history API from the real stores. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../scripts/lib/services.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { startTsProcess, untilProcess, type LongRunning } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { reportHeaders, SAMPLE_REPORT } from './support.js';

const VIEWER = `viewer-${randomBytes(12).toString('hex')}`;
let mongo: MongoHandle;
let env: Record<string, string>;
let credentials: { key: string; secret: string };
const running: LongRunning[] = [];
/** The parts of the history answer these tests read. */
type History = { recorded: Record<string, boolean>; timezone: string; series: { points: Record<string, unknown>[] } };

beforeAll(async () => {
  const store = await freshStore();
  mongo = store.mongo;
  credentials = await store.hosts.add('web-1');
  env = { MONGODB_URI: store.uri, MONGODB_DB: store.dbName, VIEWER_TOKEN: VIEWER, HOSTWATCH_TIMEZONE: 'Europe/Berlin', STATUS_PUBLIC: '', LOG_FORMAT: '' };
});
afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

async function startApi(extra: Record<string, string>): Promise<string> {
  const port = await freePort();
  const api = startTsProcess(['src/api/server.ts'], { ...env, ...extra, PORT: String(port) });
  running.push(api);
  await untilProcess(api, 'api', () => api.out().includes('hostwatch api listening'));
  return `http://127.0.0.1:${port}`;
}

test('a report shows up in the history API and on the host page, in HOSTWATCH_TIMEZONE; private without a token', async () => {
  const base = await startApi({});
  const report = await fetch(`${base}/api/v1/report`, { method: 'POST', headers: reportHeaders(credentials.key, credentials.secret), body: JSON.stringify(SAMPLE_REPORT) });
  expect(report.status).toBe(204);
  for (const path of ['/api/v1/hosts/web-1/history', '/api/v1/notices']) expect((await fetch(`${base}${path}`)).status, path).toBe(401);
  const auth = { authorization: `Bearer ${VIEWER}` };
  const history = (await (await fetch(`${base}/api/v1/hosts/web-1/history`, { headers: auth })).json()) as History;
  expect(history.recorded).toEqual({ metrics: true, outages: true, notices: true });
  expect(history.timezone).toBe('Europe/Berlin');
  expect(history.series.points).toHaveLength(1);
  expect(history.series.points[0]).toMatchObject({ cpu: 12.5, load1: 0.42, disks: { '/': 40, '/var': 20 } });
  const page = await fetch(`${base}/hosts/web-1`, { headers: auth });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Times in Europe/Berlin; one point per 1 min');
  expect(((await (await fetch(`${base}/api/v1/notices`, { headers: auth })).json()) as { recorded: boolean }).recorded).toBe(true);
});

test('HISTORY_METRICS=false: the page says metric history is not recorded; outages and notices still are', async () => {
  const base = await startApi({ HISTORY_METRICS: 'false', STATUS_PUBLIC: 'true' });
  const history = (await (await fetch(`${base}/api/v1/hosts/web-1/history`)).json()) as History;
  expect(history.recorded).toEqual({ metrics: false, outages: true, notices: true });
  expect(await (await fetch(`${base}/hosts/web-1`)).text()).toContain('Metric history is not recorded by this server.');
});
