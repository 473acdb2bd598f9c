/** The status page in a real headless Chromium (Debian's /usr/bin/chromium, installed by scripts/provision.sh). */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { formatDuration } from '../../src/alerting/local-time.js';
import { checkRule } from '../../src/rules/rule.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore, markNotified } from '../support/db.js';
import { SAMPLE_REPORT } from './support.js';
import { contrast, launchChromium, listenLocal } from '../support/browser.js';

const MIN = 60_000;
const GIB = 1024 ** 3;
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const varFull = checkRule({ id: 'rule-var', name: 'var-full', metric: 'disk', op: 'above', threshold: 90, steps: [1, 10] });
const reboots = checkRule({ id: 'rule-boot', name: 'reboots', metric: 'reboot', steps: [] });
/** Evaluated when db-1 reported, then removed: its instance is not shown. */
const removed = checkRule({ id: 'rule-cpu', name: 'busy', metric: 'cpu', op: 'above', threshold: 50, steps: [5] });
const withVar = (varPct: number) => ({ ...SAMPLE_REPORT, disk: [SAMPLE_REPORT.disk[0]!, { mount: '/var', total: 50 * GIB, used: (varPct / 100) * 50 * GIB }] });
let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let browser: Browser;
let url: string;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  const all = [varFull, reboots, removed];
  const report = async (name: string, at: number, data: Record<string, unknown> = SAMPLE_REPORT) => {
    const h = await hosts.add(name);
    await hosts.recordReport(h.id, data, new Date(at), all);
    return h;
  };
  // /var above 90 % since 11:45, still at 93 % in the latest report; the 1-minute notice went out.
  const web = await report('web-1.example.com', T - 15 * MIN, withVar(95));
  await hosts.recordReport(web.id, withVar(93), new Date(T - 20_000), all);
  const doc = await hosts.collection.findOne({ name: 'web-1.example.com' });
  const key = Object.keys(doc!.alerts!)[0]!;
  await hosts.collection.updateOne({ name: 'web-1.example.com' }, { $set: { [`alerts.${key}.sent`]: { 'mailto:ops@example%2Ecom': 1 } } });
  await report('db-1', T - (26 * 60 + 1) * MIN - 5_000, { ...SAMPLE_REPORT, cpu: 97.3, load: [7.9, 6, 5] });
  const alerted = await report('backup-nas', T - 72 * MIN, { cpu: 3, uptime: 600 });
  await markNotified(hosts, alerted.id, T - 72 * MIN, 60, T - 11 * MIN);
  // Rebooted at 11:56 after 12 h 4 min up.
  const runner = await report('build-runner', T - 10 * MIN, { cpu: 0, uptime: 43_440 });
  await hosts.recordReport(runner.id, { cpu: 0, uptime: 180 }, new Date(T - 4 * MIN), all);
  await hosts.update('build-runner', { mutedUntil: new Date(T + 3 * 60 * MIN) });
  await hosts.add('new-host');

  app = buildApi({ hosts, rules: { current: () => [varFull, reboots] }, now: () => new Date(T) });
  url = await listenLocal(app);
  browser = await launchChromium();
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
  expect(await card('web-1.example.com').locator('[data-field="condition"]').allTextContents()).toEqual(['disk /var 93 % > 90 % since 2026-11-23 11:45, 1 min notice sent (rule var-full)']);

  expect(await field('db-1', 'state')).toBe('offline');
  expect(await field('db-1', 'offlineFor')).toBe(formatDuration((26 * 60 + 1) * MIN + 5_000));
  expect(await field('db-1', 'offlineFor')).toBe('26 h 1 min');
  expect(await field('db-1', 'load')).toBe('7.90');
  // Its CPU instance belongs to a rule the API no longer has.
  expect(await card('db-1').locator('[data-field="condition"]').count()).toBe(0);

  expect(await field('backup-nas', 'state')).toBe('offline');
  expect(await field('backup-nas', 'offlineFor')).toBe('72 minutes');
  expect(await field('backup-nas', 'alertStep')).toBe('60 min notice sent');

  expect(await field('build-runner', 'state')).toBe('offline');
  expect(await field('build-runner', 'mutedUntil')).toBe('2026-11-23 15:00');
  expect(await card('build-runner').locator('[data-field="condition"]').allTextContents()).toEqual(['reboot: up 3 minutes (was up 12 h 4 min) at 2026-11-23 11:56 (rule reboots)']);

  expect(await field('new-host', 'state')).toBe('never reported');
  expect(await field('new-host', 'lastSeen')).toBe('never');

  expect(await page.locator('#summary').textContent()).toMatch(/^1 online · 3 offline · 1 never reported · 2 alerts · updated 2026-11-23 12:00$/);
  expect(await page.title()).toBe('(3 offline, 2 alerts) hostwatch status');
  // Offline hosts come first; within a state, hosts with active conditions first.
  expect(await page.locator('section[data-host]').evaluateAll((els) => els.map((e) => e.getAttribute('data-host')))).toEqual([
    'build-runner',
    'backup-nas',
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

test('active conditions are readable in light and dark mode (contrast at least 4.5:1, WCAG AA)', async () => {
  const seen: Record<string, { fg: string; bg: string; card: string }> = {};
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-loaded="true"]');
    const cond = page.locator('section[data-host="web-1.example.com"] [data-field="condition"]');
    const colours = await cond.evaluate((e) => {
      const view = e.ownerDocument.defaultView!;
      const style = view.getComputedStyle(e);
      return { fg: style.color, bg: style.backgroundColor, card: view.getComputedStyle(e.closest('section')!).backgroundColor };
    });
    expect(contrast(colours.fg, colours.bg), `${colorScheme}: ${colours.fg} on ${colours.bg}`).toBeGreaterThanOrEqual(4.5);
    seen[colorScheme] = colours;
    await context.close();
  }
  // The dark palette applies: a dark card, and a badge colour of its own.
  expect(contrast(seen.dark!.card, 'rgb(0, 0, 0)')).toBeLessThan(2);
  expect(seen.dark!.fg).not.toBe(seen.light!.fg);
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
