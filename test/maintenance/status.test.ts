/**
 * The read routes show maintenance (issue 14 point 2): `GET /api/v1/status` (the status page's data), the admin host
 * list, the host page and its JSON say which window holds a host and until when; on FerretDB through inject(), and the
 * overview rendered in headless Chromium.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { statusPageHtml } from '../../src/api/status-page.js';
import { normalizeWindow } from '../../src/maintenance/windows.js';
import { addReportedHost, freshStore } from '../support/db.js';
import { launchChromium, listenLocal } from '../support/browser.js';

const T = Date.parse('2026-06-01T10:30:00Z');
const ADMIN = 'admin-token-for-maintenance-test-0123456789';
let app: FastifyInstance;

beforeAll(async () => {
  const { hosts } = await freshStore();
  await addReportedHost(hosts, 'web-1', T - 600_000);
  await addReportedHost(hosts, 'db-1', T - 30_000);
  const w = normalizeWindow({ name: 'kernel-update', hosts: ['web-1'], timezone: 'Europe/Berlin', kind: 'once', from: '2026-06-01T12:00', to: '2026-06-01T13:15' }, hosts.maintenance.newIds(T), T - 1);
  await hosts.maintenance.add(w);
  app = buildApi({ hosts, timezone: 'Europe/Berlin', now: () => new Date(T), adminToken: ADMIN });
});
afterAll(async () => app?.close());

test('status, admin list and host page: "in maintenance (NAME) until TIME" for the host held, nothing for the other', async () => {
  const status = (await app.inject({ method: 'GET', url: '/api/v1/status' })).json();
  const by = Object.fromEntries(status.hosts.map((h: { name: string }) => [h.name, h]));
  expect(by['web-1'].maintenance).toEqual({ name: 'kernel-update', until: '2026-06-01T11:15:00.000Z' });
  expect(by['db-1'].maintenance).toBeUndefined();
  const admin = (await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: { authorization: `Bearer ${ADMIN}` } })).json();
  expect(admin.hosts.find((h: { name: string }) => h.name === 'web-1').maintenance).toEqual({ name: 'kernel-update', until: '2026-06-01T11:15:00.000Z' });

  const page = await app.inject({ method: 'GET', url: '/hosts/web-1' });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('in maintenance (kernel-update) until 2026-06-01 13:15 +02:00');
  expect((await app.inject({ method: 'GET', url: '/hosts/db-1' })).body).not.toContain('in maintenance');
  const history = (await app.inject({ method: 'GET', url: '/api/v1/hosts/web-1/history' })).json();
  expect(history.host.maintenance).toEqual({ name: 'kernel-update', until: '2026-06-01T11:15:00.000Z' });
  // The overview renders the same words from the summary (textContent, never HTML).
  expect(statusPageHtml).toContain("'in maintenance (' + h.maintenance.name + ') until ' + localTime(h.maintenance.until)");
});

test('the overview in Chromium: the held host\'s card says "in maintenance (NAME) until TIME" (browser time zone), the other none', async () => {
  const url = await listenLocal(app);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.textContent('[data-host="web-1"] [data-field="maintenance"]')).toBe('in maintenance (kernel-update) until 2026-06-01 13:15');
    expect(await page.$('[data-host="db-1"] [data-field="maintenance"]')).toBeNull();
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
