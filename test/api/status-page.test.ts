/** The status page in a real headless Chromium (Debian's /usr/bin/chromium, installed by scripts/provision.sh). */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { formatDuration } from '../../src/alerting/local-time.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore, markNotified } from '../support/db.js';
import { SAMPLE_REPORT } from './support.js';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let browser: Browser;
let url: string;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  const report = async (name: string, at: number, data: Record<string, unknown> = SAMPLE_REPORT) => {
    const h = await hosts.add(name);
    await hosts.recordReport(h.id, data, new Date(at));
    return h;
  };
  await report('web-1.example.com', T - 20_000);
  await report('db-1', T - (26 * 60 + 1) * MIN - 5_000, { ...SAMPLE_REPORT, cpu: 97.3, load: [7.9, 6, 5] });
  const alerted = await report('backup-nas', T - 72 * MIN, { cpu: 3, uptime: 600 });
  await markNotified(hosts, alerted.id, T - 72 * MIN, 60, T - 11 * MIN);
  await report('build-runner', T - 4 * MIN, { cpu: 0 });
  await hosts.update('build-runner', { mutedUntil: new Date(T + 3 * 60 * MIN) });
  await hosts.add('new-host');

  app = buildApi({ hosts, now: () => new Date(T) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  url = `http://127.0.0.1:${address.port}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

test('on a phone-sized screen the page shows each host with its state, offline duration and metrics', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId: 'UTC' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) problems.push(`external request ${r.url()}`);
  });

  await page.goto(url);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });

  const card = (name: string) => page.locator(`section[data-host="${name}"]`);
  const field = (name: string, f: string) => card(name).locator(`[data-field="${f}"]`).textContent();

  expect(await field('web-1.example.com', 'state')).toBe('online');
  expect(await card('web-1.example.com').locator('[data-field="offlineFor"]').count()).toBe(0);
  expect(await field('web-1.example.com', 'lastSeen')).toBe('2026-11-23 11:59 (20 s ago)');
  expect(await field('web-1.example.com', 'cpu')).toBe('12.5%');
  expect(await field('web-1.example.com', 'memory')).toBe('3.0 GB / 8.0 GB (38%)');
  expect(await field('web-1.example.com', 'disk')).toBe('40.0 GB / 100.0 GB (40%)');
  expect(await field('web-1.example.com', 'uptime')).toBe('3 d 1 h');

  expect(await field('db-1', 'state')).toBe('offline');
  expect(await field('db-1', 'offlineFor')).toBe(formatDuration((26 * 60 + 1) * MIN + 5_000));
  expect(await field('db-1', 'offlineFor')).toBe('26 h 1 min');
  expect(await field('db-1', 'load')).toBe('7.90');

  expect(await field('backup-nas', 'state')).toBe('offline');
  expect(await field('backup-nas', 'offlineFor')).toBe('72 minutes');
  expect(await field('backup-nas', 'alertStep')).toBe('60 min notice sent');

  expect(await field('build-runner', 'state')).toBe('offline');
  expect(await field('build-runner', 'mutedUntil')).toBe('2026-11-23 15:00');

  expect(await field('new-host', 'state')).toBe('never reported');
  expect(await field('new-host', 'lastSeen')).toBe('never');

  expect(await page.locator('#summary').textContent()).toMatch(/^1 online · 3 offline · 1 never reported · updated 2026-11-23 12:00$/);
  expect(await page.title()).toBe('(3 offline) hostwatch status');
  // Offline hosts come first.
  expect(await page.locator('section[data-host]').evaluateAll((els) => els.map((e) => e.getAttribute('data-host')))).toEqual([
    'backup-nas',
    'build-runner',
    'db-1',
    'new-host',
    'web-1.example.com',
  ]);
  // Nothing is wider than the phone's screen.
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  expect(problems).toEqual([]);

  // Always rendered; written to the docs only on request (UPDATE_SCREENSHOT=1), so test runs leave the tree clean.
  const shot = await page.screenshot({ fullPage: true, ...(process.env.UPDATE_SCREENSHOT === '1' && { path: 'docs/status-page.png' }) });
  expect(shot.length).toBeGreaterThan(10_000);
  await context.close();
});

test('the page refreshes itself every 15 s and shows an error while the server is unreachable', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.clock.install({ time: T });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-loaded="true"]');
  expect(await page.locator('section[data-host]').count()).toBe(5);

  await hosts.add('<b>added-later</b><img src=x onerror="document.title=1">');
  let fail = false;
  await page.route('**/api/v1/status', (route) => (fail ? route.fulfill({ status: 503, body: '{}' }) : route.continue()));
  await context.clock.runFor(15_000);
  const added = page.locator('section[data-host^="<b>added-later"]');
  await added.waitFor();
  // A name is text, never markup.
  expect(await added.locator('.name').textContent()).toBe('<b>added-later</b><img src=x onerror="document.title=1">');
  expect(await page.locator('main b, main img').count()).toBe(0);
  expect(await page.locator('#error').isVisible()).toBe(false);

  fail = true;
  await context.clock.runFor(15_000);
  await page.waitForSelector('#error:visible');
  expect(await page.locator('#error').textContent()).toBe('Could not load the status (HTTP 503); retrying every 15 s.');
  // The last good view stays on screen.
  expect(await page.locator('section[data-host]').count()).toBe(6);

  fail = false;
  await context.clock.runFor(15_000);
  await page.waitForSelector('#error', { state: 'hidden' });
  await context.close();
});
