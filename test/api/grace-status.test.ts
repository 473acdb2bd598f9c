/**
 * A report time ahead of the server's (issue 14 point 4): the ingest flags the host (clockAheadMs), the status summary
 * carries it and the status page's host card shows it in a real headless Chromium; a later report on time clears it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';
import { launchChromium, listenLocal } from '../support/browser.js';
import { reportHeaders } from './support.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let browser: Browser;
let url: string;
const creds: Record<string, { key: string; secret: string }> = {};

const report = (name: string, body: object) => app.inject({ method: 'POST', url: '/api/v1/report', headers: reportHeaders(creds[name]!.key, creds[name]!.secret), payload: JSON.stringify(body) });

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  for (const name of ['ahead-1', 'ontime-1', 'slightly-1']) creds[name] = await hosts.add(name);
  app = buildApi({ hosts, now: () => new Date(T) });
  url = await listenLocal(app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

test('a report 95 s ahead flags the host; 30 s ahead or on time does not; the summary and the page show it; a report on time clears it', async () => {
  expect((await report('ahead-1', { hostname: 'a', time: new Date(T + 95_000).toISOString() })).statusCode).toBe(204);
  expect((await report('slightly-1', { hostname: 's', time: new Date(T + 30_000).toISOString() })).statusCode).toBe(204);
  expect((await report('ontime-1', { hostname: 'o', time: new Date(T - 2_000).toISOString() })).statusCode).toBe(204);
  const flags = async () => Object.fromEntries((await hosts.collection.find({}).toArray()).map((h) => [h.name, h.clockAheadMs]));
  expect(await flags()).toEqual({ 'ahead-1': 95_000, 'ontime-1': undefined, 'slightly-1': undefined });

  const status = (await app.inject({ method: 'GET', url: '/api/v1/status' })).json() as { hosts: { name: string; clockAheadMs?: number }[] };
  expect(status.hosts.map((h) => [h.name, h.clockAheadMs])).toEqual([
    ['ahead-1', 95_000],
    ['ontime-1', undefined],
    ['slightly-1', undefined],
  ]);

  const page = await (await browser.newContext({ timezoneId: 'UTC' })).newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
  expect(await page.locator('section[data-host="ahead-1"] [data-field="clockAhead"]').textContent()).toBe('95 s ahead of the server');
  expect(await page.locator('section[data-host="ontime-1"] [data-field="clockAhead"]').count()).toBe(0);

  // Its clock fixed, the next report clears the flag.
  expect((await report('ahead-1', { hostname: 'a', time: new Date(T).toISOString() })).statusCode).toBe(204);
  expect(await hosts.collection.findOne({ name: 'ahead-1' })).not.toHaveProperty('clockAheadMs');
}, 60_000);

test("the status and host list answers count a host's own or tag grace in its state, as the check does", async () => {
  const ids: Record<string, string> = {};
  for (const [name, tags] of [['plain-9', []], ['own-9', []], ['flaky-9', ['flaky']]] as const) ids[name] = (await hosts.add(name, { tags: [...tags] })).id;
  await hosts.update('own-9', { grace: 600 });
  await hosts.tagSettings.setGrace('flaky', 1200);
  for (const name of Object.keys(ids)) await hosts.recordReport(ids[name]!, { hostname: name }, new Date(T - 5 * 60_000));
  const status = (await app.inject({ method: 'GET', url: '/api/v1/status' })).json() as { hosts: { name: string; state: string }[] };
  const states = Object.fromEntries(status.hosts.filter((h) => h.name.endsWith('-9')).map((h) => [h.name, h.state]));
  expect(states).toEqual({ 'plain-9': 'offline', 'own-9': 'online', 'flaky-9': 'online' });
});
