/** The private status page's login form in a real headless Chromium, and the page made public on purpose. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';
import { SAMPLE_REPORT } from './support.js';
import { launchChromium, listenLocal } from '../support/browser.js';

const VIEWER = 'viewer-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';
let mongo: MongoHandle;
let hosts: HostStore;
let priv: FastifyInstance;
let open: FastifyInstance;
let browser: Browser;

let privUrl: string;
let openUrl: string;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  const h = await hosts.add('web-1.example.com');
  await hosts.recordReport(h.id, SAMPLE_REPORT, new Date());
  priv = buildApi({ hosts, adminToken: ADMIN, readAccess: { public: false, viewerToken: VIEWER, adminToken: ADMIN } });
  open = buildApi({ hosts, readAccess: { public: true } });
  privUrl = await listenLocal(priv);
  openUrl = await listenLocal(open);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await priv?.close();
  await open?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

test('private: the page shows the login form, refuses a wrong token and shows the hosts after the right one', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));

  await page.goto(privUrl);
  expect(await page.locator('section[data-host]').count()).toBe(0);
  await page.fill('#token', `${VIEWER}x`);
  await Promise.all([page.waitForURL(`${privUrl}login`), page.click('button[type=submit]')]);
  expect(await page.locator('#login-error').textContent()).toBe('Wrong token.');
  expect(await page.content()).not.toContain(VIEWER);
  // The refused POST answers 401, which Chromium reports on the console; nothing else may.
  expect(problems).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  problems.length = 0;

  await page.fill('#token', VIEWER);
  await Promise.all([page.waitForURL(privUrl), page.click('button[type=submit]')]);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
  expect(await page.locator('section[data-host="web-1.example.com"] [data-field="state"]').textContent()).toBe('online');
  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: 'hostwatch_view', httpOnly: true, sameSite: 'Strict', secure: false });
  expect(await page.evaluate('document.cookie')).toBe('');
  expect(problems).toEqual([]);
  await context.close();
});

test('public on purpose: the page shows the hosts without a login', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(openUrl);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
  expect(await page.locator('section[data-host="web-1.example.com"]').count()).toBe(1);
  expect(await page.locator('#token').count()).toBe(0);
  await context.close();
});

test('private: GET / without or with a wrong cookie is the login form; POST /login sets a Secure cookie behind https', async () => {
  for (const [headers, status] of [[{}, 200], [{ cookie: 'hostwatch_view=wrong' }, 401]] as const) {
    const res = await priv.inject({ method: 'GET', url: '/', headers });
    expect(res.statusCode).toBe(status);
    expect(res.body).toContain('<form method="post" action="login">');
    expect(res.body).not.toContain('<script');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*form-action 'self'/);
  }
  const ok = await priv.inject({ method: 'GET', url: '/', headers: { cookie: `hostwatch_view=${ADMIN}` } });
  expect(ok.body).toContain("fetch('api/v1/status'");
  const proxied = buildApi({ hosts, trustProxy: '127.0.0.1', readAccess: { public: false, viewerToken: VIEWER } });
  const res = await proxied.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' }, payload: `token=${VIEWER}` });
  expect(res.statusCode).toBe(303);
  expect(res.headers['set-cookie']).toBe(`hostwatch_view=${VIEWER}; Path=/; HttpOnly; SameSite=Strict; Secure`);
  await proxied.close();
});
