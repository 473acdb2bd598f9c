/**
 * The host page and the overview's history in a real headless Chromium (Debian's /usr/bin/chromium): phone and
 * desktop, light and dark. UPDATE_SCREENSHOT=1 writes docs/status-page-host*.png.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { checkRule } from '../../src/rules/rule.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { MetricHistoryStore } from '../../src/store/metric-history.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';
import { OutageStore } from '../../src/store/outages-store.js';
import { seedHistory } from '../../bench/lib/history-seed.js';
import { freshStore } from '../support/db.js';
import { SAMPLE_REPORT } from './support.js';
import { contrast, launchChromium, listenLocal } from '../support/browser.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const GIB = 1024 ** 3;
/** Now, for the server; the seeded history ends here. */
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const NAME = 'web-1.example.com';
const varFull = checkRule({ id: 'rule-var', name: 'var-full', metric: 'disk', op: 'above', threshold: 90, steps: [1, 10] });
const withVar = (pct: number) => ({ ...SAMPLE_REPORT, disk: [SAMPLE_REPORT.disk[0]!, { mount: '/var', total: 50 * GIB, used: (pct / 100) * 50 * GIB }] });
let mongo: MongoHandle;
let hosts: HostStore;
let app: FastifyInstance;
let browser: Browser;
let url: string;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  const web = await hosts.add(NAME);
  // /var above 90 % since 11:59:10, still at 93 % in the latest report.
  await hosts.recordReport(web.id, withVar(95), new Date(T - 50_000), [varFull]);
  await hosts.recordReport(web.id, withVar(93), new Date(T - 20_000), [varFull]);
  await hosts.collection.updateOne({ name: NAME }, { $set: { createdAt: new Date(T - 60 * DAY), firstReportAt: new Date(T - 60 * DAY) } });
  await seedHistory(mongo.db, { hostId: web.id, host: NAME, now: T - MIN, days: 60, notices: 12 });
  const other = await hosts.add('db-1');
  await hosts.recordReport(other.id, SAMPLE_REPORT, new Date(T - 30_000));
  await hosts.add('new-host');
  app = buildApi({
    hosts,
    rules: { current: () => [varFull] },
    history: { metrics: new MetricHistoryStore(mongo.db), outages: new OutageStore(mongo.db), notices: new NoticeLogStore(mongo.db) },
    timezone: 'UTC',
    now: () => new Date(T),
  });
  url = await listenLocal(app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

/** Console errors and warnings (CSP violations are reported there), page errors and requests to anywhere else. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) problems.push(`external request ${r.url()}`);
  });
  return problems;
}

const VIEWS: { name: string; shot?: string; options: BrowserContextOptions }[] = [
  { name: 'desktop light', shot: 'docs/status-page-host.png', options: { viewport: { width: 1280, height: 900 }, colorScheme: 'light' } },
  { name: 'desktop dark', shot: 'docs/status-page-host-dark.png', options: { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' } },
  { name: 'phone light', shot: 'docs/status-page-host-phone.png', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'light' } },
  { name: 'phone dark', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' } },
];

for (const view of VIEWS) {
  test(`the host page, ${view.name}: bar, figures, charts, logs; no errors, no overflow, readable colours`, async () => {
    const context = await browser.newContext({ ...view.options, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems = watch(page);
    const res = await page.goto(`${url}hosts/${encodeURIComponent(NAME)}`);
    expect(res!.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe(NAME);
    expect(await page.locator('[data-field="state"]').textContent()).toBe('online');
    expect(await page.locator('[data-field="condition"]').allTextContents()).toEqual(['disk /var 93 % > 90 % (rule var-full)']);
    expect(await page.locator('svg.bar rect.day').count()).toBe(90);
    expect(await page.locator('svg.bar rect.day.u-none').count()).toBeGreaterThanOrEqual(29);
    expect(await page.locator('svg.bar rect.day').last().locator('title').textContent()).toMatch(/^2026-11-23: /);
    expect(await page.locator('[data-uptime="d1"]').textContent()).toBe('100 %');
    expect(await page.locator('svg.chart').count()).toBe(5);
    expect(await page.locator('svg.chart[data-chart="cpu"] path.line').count()).toBeGreaterThan(0);
    // Each chart is drawn at a usable size.
    const box = await page.locator('svg.chart[data-chart="cpu"]').boundingBox();
    expect(box!.width).toBeGreaterThan(view.options.viewport!.width < 500 ? 300 : 400);
    expect(await page.locator('#outages tr[data-outage]').count()).toBeGreaterThan(4);
    expect(await page.locator('#outages tr[data-outage]').first().textContent()).toContain('ongoing');
    expect(await page.locator('#notices tr[data-notice]').count()).toBe(12);
    // Nothing is wider than the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(view.options.viewport!.width);
    // Text on the card, the state badge, the condition and muted text: at least 4.5:1; the plot line and the bar's
    // colours against the card: at least 3:1 (non-text contrast).
    // Evaluated in the page (a string: this project's TypeScript has no DOM types).
    const colours = await page.evaluate<{ card: string; text: string[][]; graphics: string[] }>(`(() => {
      const cs = (sel) => getComputedStyle(document.querySelector(sel));
      const card = cs('#uptime').backgroundColor;
      return {
        card,
        text: [
          [cs('h1').color, cs('body').backgroundColor],
          [cs('.badge').color, cs('.badge').backgroundColor],
          [cs('.cond').color, cs('.cond').backgroundColor],
          [cs('.muted').color, card],
          [cs('svg.chart text').fill, card],
          [cs('.ranges a:not([aria-current])').color, card],
        ],
        graphics: [cs('svg.chart .line').stroke, ...['full', 'high', 'mid', 'low'].map((c) => cs('.legend rect.u-' + c).fill)],
      };
    })()`);
    for (const [fg, bg] of colours.text) expect(contrast(fg!, bg!), `${view.name}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    for (const g of colours.graphics) expect(contrast(g, colours.card), `${view.name}: ${g} on ${colours.card}`).toBeGreaterThanOrEqual(3);
    if (view.options.colorScheme === 'dark') expect(contrast(colours.card, 'rgb(0, 0, 0)')).toBeLessThan(2);
    expect(problems).toEqual([]);
    const shot = await page.screenshot({ fullPage: true, ...(process.env.UPDATE_SCREENSHOT === '1' && view.shot !== undefined && { path: view.shot }) });
    expect(shot.length).toBeGreaterThan(10_000);
    await context.close();
  });
}

test('the range links redraw the charts for 7 days with day ticks', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${url}hosts/${encodeURIComponent(NAME)}`);
  await Promise.all([page.waitForURL(/range=7d$/), page.click('nav.ranges a[href="?range=7d"]')]);
  expect(await page.locator('nav.ranges a[aria-current="page"]').textContent()).toBe('7 d');
  expect(await page.locator('svg.chart[data-chart="cpu"] text.xlabel').allTextContents()).toEqual(['Nov 17', 'Nov 18', 'Nov 19', 'Nov 20', 'Nov 21', 'Nov 22', 'Nov 23']);
  // The 3-hour silence three days ago breaks the line.
  expect(Number(await page.locator('svg.chart[data-chart="cpu"]').getAttribute('data-segments'))).toBeGreaterThanOrEqual(2);
  expect(problems).toEqual([]);
  await context.close();
});

test('the overview links each card to its host page and shows its uptime and a CPU sparkline', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, timezoneId: 'UTC' });
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(url);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
  const card = page.locator(`section[data-host="${NAME}"]`);
  expect(await card.locator('[data-field="availability"]').textContent()).toMatch(/^100 % \/ 9\d\.\d\d %$/);
  expect(await card.locator('svg.spark path').count()).toBe(1);
  expect((await card.locator('svg.spark path').getAttribute('d'))!.split('M').length).toBeGreaterThan(1);
  // db-1's one report is one point; a host that never reported has neither figures nor a sparkline.
  expect(await page.locator('section[data-host="db-1"] svg.spark').count()).toBe(1);
  expect(await page.locator('section[data-host="new-host"] [data-field="availability"]').textContent()).toBe('— / —');
  expect(await page.locator('section[data-host="new-host"] svg.spark').count()).toBe(0);
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await Promise.all([page.waitForURL(`${url}hosts/${encodeURIComponent(NAME)}`), card.locator('.name a').click()]);
  expect(await page.locator('h1').textContent()).toBe(NAME);
  await Promise.all([page.waitForURL(url), page.click('a.back')]);
  expect(problems).toEqual([]);
  await context.close();
});
