/** The host page and the history read API on real FerretDB with seeded history: access, content, 400s and 404s. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { HistorySources } from '../../src/api/history-data.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { MetricHistoryStore } from '../../src/store/metric-history.js';
import { NoticeLogStore } from '../../src/store/notice-log-store.js';
import { OutageStore } from '../../src/store/outages-store.js';
import { seedHistory, type SeededHistory } from '../../bench/lib/history-seed.js';
import { freshStore } from '../support/db.js';
import { SAMPLE_REPORT } from './support.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const VIEWER = 'viewer-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';
const ODD = '<b>odd</b>/name & "quotes"';
let mongo: MongoHandle;
let hosts: HostStore;
let history: HistorySources;
let seeded: SeededHistory;
let webId: string;
let priv: FastifyInstance;
let open: FastifyInstance;
let bare: FastifyInstance;

beforeAll(async () => {
  ({ mongo, hosts } = await freshStore());
  const web = await hosts.add('web-1');
  webId = web.id;
  await hosts.recordReport(web.id, SAMPLE_REPORT, new Date(T - 30_000));
  await hosts.collection.updateOne({ name: 'web-1' }, { $set: { createdAt: new Date(T - 60 * DAY), firstReportAt: new Date(T - 60 * DAY) } });
  await hosts.add(ODD);
  seeded = await seedHistory(mongo.db, { hostId: web.id, host: 'web-1', now: T, days: 60, notices: 12 });
  history = { metrics: new MetricHistoryStore(mongo.db), outages: new OutageStore(mongo.db), notices: new NoticeLogStore(mongo.db) };
  const common = { hosts, history, now: () => new Date(T), timezone: 'Europe/Berlin' };
  priv = buildApi({ ...common, adminToken: ADMIN, readAccess: { public: false, viewerToken: VIEWER, adminToken: ADMIN }, authLimits: { perSource: 1000, perKey: 1000, windowMs: 60_000 } });
  open = buildApi({ ...common, readAccess: { public: true } });
  bare = buildApi({ hosts, now: () => new Date(T) });
});
afterAll(async () => {
  await Promise.all([priv?.close(), open?.close(), bare?.close()]);
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

const ROUTES = ['/hosts/web-1', '/hosts/web-1?range=7d', '/api/v1/hosts/web-1/history', '/api/v1/hosts/web-1/history?range=90d', '/api/v1/notices', '/api/v1/notices?host=web-1&limit=5'];
const isPage = (url: string) => url.startsWith('/hosts/');

test('private: every new route refuses no token and a wrong one, and answers the viewer and the admin token', async () => {
  for (const url of ROUTES) {
    const none = await priv.inject({ method: 'GET', url });
    const wrong = await priv.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong-token' } });
    if (isPage(url)) {
      expect(none.statusCode, url).toBe(200);
      expect(none.body, url).toContain('<form method="post" action="../login">');
      expect(none.body).toContain(`<input type="hidden" name="next" value="${url.slice(1)}">`);
      expect(none.body).not.toContain('web-1</h1>');
      expect(wrong.statusCode, url).toBe(401);
      expect(wrong.body).toContain('Wrong token.');
    } else {
      expect([none.statusCode, none.json()], url).toEqual([401, { error: 'unauthorized' }]);
      expect([wrong.statusCode, wrong.json()], url).toEqual([401, { error: 'unauthorized' }]);
    }
    for (const headers of [{ authorization: `Bearer ${VIEWER}` }, { cookie: `hostwatch_view=${VIEWER}` }, { authorization: `Bearer ${ADMIN}` }]) {
      const ok = await priv.inject({ method: 'GET', url, headers });
      expect(ok.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(200);
    }
  }
});

test('STATUS_PUBLIC=true opens every new route without a token; no access settings (embedding) too', async () => {
  for (const url of ROUTES) {
    expect((await open.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    expect((await bare.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  }
});

test('bad range, since, limit and host answer 400 naming the parameter, after authentication', async () => {
  const auth = { authorization: `Bearer ${VIEWER}` };
  const cases: [string, RegExp][] = [
    ['/api/v1/hosts/web-1/history?range=1y', /^range must be one of 24h, 7d, 30d, 90d$/],
    ['/api/v1/hosts/web-1/history?range=24h&range=7d', /^range must be/],
    ['/api/v1/notices?since=yesterday', /^since must be an ISO 8601 time/],
    ['/api/v1/notices?since=2026-13-45T00:00:00Z', /^since must be/],
    ['/api/v1/notices?limit=0', /^limit must be a whole number from 1 to 10000$/],
    ['/api/v1/notices?limit=10001', /^limit must be/],
    ['/api/v1/notices?limit=5.5', /^limit must be/],
    ['/api/v1/notices?host=', /^host must be a host name/],
    ['/api/v1/notices?host=a&host=b', /^host must be/],
  ];
  for (const [url, message] of cases) {
    const res = await priv.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode, url).toBe(400);
    expect(res.json().error).toBe('bad_request');
    expect(res.json().message, url).toMatch(message);
    expect((await priv.inject({ method: 'GET', url })).statusCode, `${url} without a token`).toBe(401);
  }
  const page = await priv.inject({ method: 'GET', url: '/hosts/web-1?range=1y', headers: auth });
  expect(page.statusCode).toBe(400);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.body).toContain('range must be one of 24h, 7d, 30d, 90d');
});

test('an unknown host is 404, as a page and as JSON, with its name escaped', async () => {
  const auth = { authorization: `Bearer ${VIEWER}` };
  const page = await priv.inject({ method: 'GET', url: `/hosts/${encodeURIComponent('<i>nope</i>')}`, headers: auth });
  expect(page.statusCode).toBe(404);
  expect(page.body).toContain('No host named “&lt;i&gt;nope&lt;/i&gt;”');
  expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);
  const api = await priv.inject({ method: 'GET', url: '/api/v1/hosts/nope/history', headers: auth });
  expect([api.statusCode, api.json()]).toEqual([404, { error: 'not_found', message: 'no host named "nope"' }]);
  // Unknown to someone without a token looks like any other page: the login form.
  expect((await priv.inject({ method: 'GET', url: '/hosts/nope' })).body).toContain('name="token"');
});

test('a host whose name has markup, a slash and quotes has its page at its URL-encoded name', async () => {
  const res = await open.inject({ method: 'GET', url: `/hosts/${encodeURIComponent(ODD)}` });
  expect(res.statusCode).toBe(200);
  expect(res.body).toContain('<h1>&lt;b&gt;odd&lt;/b&gt;/name &amp; &quot;quotes&quot;</h1>');
  expect(res.body).not.toContain('<b>odd');
  expect(res.body).toContain('never reported');
  expect(res.headers['cache-control']).toBe('no-store');
});

test('the page shows the seeded history: 90 days in the bar, the uptime figures, charts, outages and notices', async () => {
  const res = await open.inject({ method: 'GET', url: '/hosts/web-1' });
  expect(res.statusCode).toBe(200);
  const html = res.body;
  expect(html.match(/<rect class="day u-\w+" data-day=/g)).toHaveLength(90);
  // Created 60 days ago: the 30 days before are not monitored.
  expect(html.match(/<rect class="day u-none" data-day=/g)!.length).toBeGreaterThanOrEqual(29);
  expect(html).toMatch(/<dd data-uptime="d1">100 %<\/dd>/);
  expect(html).toMatch(/<dd data-uptime="d7">9\d\.\d\d %<\/dd>/);
  expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual(['cpu', 'memory', 'load1', 'disk:/', 'disk:/var']);
  expect(html).toContain('Times in Europe/Berlin; one point per 1 min');
  expect(html.match(/<tr data-outage=/g)!.length).toBe(seeded.outages.length);
  expect(html).toContain('var-full (disk /var), peak 93.4 %');
  expect(html.match(/<tr data-notice=/g)).toHaveLength(12);
  expect(html).not.toContain('db-1 offline 10 minutes');
  expect(html).toMatch(/Last seen 2026-11-23 12:59 \+01:00/);
  const week = await open.inject({ method: 'GET', url: '/hosts/web-1?range=7d' });
  expect(week.body).toContain('one point per 10 min');
  expect(week.body).toContain('<a href="?range=7d" aria-current="page">7 d</a>');
});

test('GET /api/v1/hosts/<name>/history: uptime, 90 daily figures, the series at the range resolution, outages', async () => {
  const res = await open.inject({ method: 'GET', url: '/api/v1/hosts/web-1/history?range=30d' });
  const body = res.json();
  expect(body.range).toBe('30d');
  expect(body.timezone).toBe('Europe/Berlin');
  expect(body.host).toMatchObject({ name: 'web-1', state: 'online' });
  expect(Object.keys(body.uptime).sort()).toEqual(['d1', 'd30', 'd7', 'd90']);
  expect(body.uptime.d1).toBe(1);
  expect(body.uptime.d30).toBeLessThan(1);
  expect(body.daily).toHaveLength(90);
  expect(body.daily.at(-1).day).toBe('2026-11-23');
  expect(body.series.resolutionMs).toBe(3_600_000);
  expect(body.series.points.length).toBeGreaterThan(600);
  expect(body.series.points[0]).toMatchObject({ cpu: expect.any(Number), disks: { '/': expect.any(Number), '/var': expect.any(Number) } });
  expect(body.outages.map((o: { id: string }) => o.id)).toEqual(
    [...seeded.outages].filter((o) => o.start.getTime() > T - 90 * DAY).sort((a, b) => b.start.getTime() - a.start.getTime()).map((o) => o.id),
  );
  expect(body.recorded).toEqual({ metrics: true, outages: true, notices: true });
  const none = (await bare.inject({ method: 'GET', url: '/api/v1/hosts/web-1/history' })).json();
  expect(none.recorded).toEqual({ metrics: false, outages: false, notices: false });
  expect(none.series.points).toEqual([]);
  expect(none.daily).toHaveLength(90);
});

test('GET /api/v1/notices filters by host, since and limit, newest first', async () => {
  const all = (await open.inject({ method: 'GET', url: '/api/v1/notices' })).json();
  expect(all.recorded).toBe(true);
  expect(all.notices).toHaveLength(12);
  const times = all.notices.map((n: { checkTime: string }) => Date.parse(n.checkTime));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  expect((await open.inject({ method: 'GET', url: '/api/v1/notices?host=web-1&limit=3' })).json().notices).toHaveLength(3);
  expect((await open.inject({ method: 'GET', url: '/api/v1/notices?host=nobody' })).json().notices).toEqual([]);
  const since = new Date(T - 5 * DAY).toISOString();
  const recent = (await open.inject({ method: 'GET', url: `/api/v1/notices?since=${since}` })).json().notices;
  expect(recent.length).toBeGreaterThan(0);
  expect(recent.every((n: { checkTime: string }) => Date.parse(n.checkTime) >= T - 5 * DAY)).toBe(true);
  expect((await open.inject({ method: 'GET', url: `/api/v1/notices?since=${T - 5 * DAY}` })).json().notices).toEqual(recent);
  expect((await bare.inject({ method: 'GET', url: '/api/v1/notices' })).json()).toEqual({ recorded: false, notices: [] });
});

test('signing in from a host page returns to it; a next outside the host pages is ignored', async () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const ok = await priv.inject({ method: 'POST', url: '/login', headers: form, payload: `token=${VIEWER}&next=${encodeURIComponent('hosts/web-1?range=7d')}` });
  expect(ok.statusCode).toBe(303);
  expect(ok.headers.location).toBe('./hosts/web-1?range=7d');
  const evil = await priv.inject({ method: 'POST', url: '/login', headers: form, payload: `token=${VIEWER}&next=${encodeURIComponent('//evil.example/')}` });
  expect(evil.headers.location).toBe('./');
  const wrong = await priv.inject({ method: 'POST', url: '/login', headers: form, payload: `token=nope&next=hosts/web-1` });
  expect(wrong.statusCode).toBe(401);
  expect(wrong.body).toContain('<form method="post" action="login">');
  expect(wrong.body).toContain('<input type="hidden" name="next" value="hosts/web-1">');
});

test('GET /api/v1/status gives each host its 24 h / 7 d / 30 d uptime and a CPU sparkline', async () => {
  const body = (await open.inject({ method: 'GET', url: '/api/v1/status' })).json();
  const web = body.hosts.find((h: { name: string }) => h.name === 'web-1');
  expect(web.uptime.d1).toBe(1);
  expect(web.uptime.d7).toBeLessThan(1);
  expect(Object.keys(web.uptime).sort()).toEqual(['d1', 'd30', 'd7']);
  expect(web.sparkline).toMatchObject({ metric: 'cpu', stepMs: 30 * MIN, from: new Date(T - DAY).toISOString() });
  expect(web.sparkline.values).toHaveLength(48);
  expect(web.sparkline.values.filter((v: number | null) => v !== null).length).toBeGreaterThan(40);
  const odd = body.hosts.find((h: { name: string }) => h.name === ODD);
  expect(odd.uptime).toEqual({ d1: null, d7: null, d30: null });
  expect(odd.sparkline.values.every((v: number | null) => v === null)).toBe(true);
  expect(webId).toMatch(/^[0-9a-f]{24}$/);
});

test('a failing history read leaves uptime and sparklines out of /api/v1/status instead of failing it', async () => {
  const broken: HistorySources = { ...history, outages: { forHost: () => Promise.reject(new Error('db down')), since: () => Promise.reject(new Error('db down')) } };
  const app = buildApi({ hosts, history: broken, now: () => new Date(T) });
  try {
    const res = await app.inject({ method: 'GET', url: '/api/v1/status' });
    expect(res.statusCode).toBe(200);
    const web = res.json().hosts.find((h: { name: string }) => h.name === 'web-1');
    expect(web.state).toBe('online');
    expect(web.uptime).toBeUndefined();
    expect(web.sparkline).toBeUndefined();
    // The host page needs its history: a failed read is a 500, logged, with nothing of the error in the answer.
    const page = await app.inject({ method: 'GET', url: '/hosts/web-1' });
    expect([page.statusCode, page.json()]).toEqual([500, { error: 'internal_error' }]);
  } finally {
    await app.close();
  }
});
