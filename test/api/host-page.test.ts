/** The host page's pure rendering: chart geometry and gaps, the time axis, the uptime bar, the page and its escaping. */
import { expect, test } from 'vitest';
import { chartSvg, formatUptime, segments, uptimeBarSvg, uptimeClass, yScale, type BarDay } from '../../src/api/svg-chart.js';
import { gapMs, hostPageHtml, conditionText, notifiedText, unknownHostHtml, HOST_PAGE_CSP, type HostPageModel } from '../../src/api/host-page.js';
import { parseRange, timeTicks } from '../../src/api/time-axis.js';
import { sparklineOf } from '../../src/api/history-data.js';
import type { MetricPoint, NoticeLogEntry, OutageRecord } from '../../src/history/types.js';
import { safeNext, loginPageHtml } from '../../src/api/login-page.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 10, 23, 12, 0, 0);

test('segments split at nulls and at silences longer than the gap', () => {
  const pts = [
    { t: 0, v: 1 },
    { t: 60, v: 2 },
    { t: 120, v: null },
    { t: 180, v: 4 },
    { t: 240, v: 5 },
    { t: 1000, v: 6 },
  ];
  expect(segments(pts, 100)).toEqual([
    [
      { t: 0, v: 1 },
      { t: 60, v: 2 },
    ],
    [
      { t: 180, v: 4 },
      { t: 240, v: 5 },
    ],
    [{ t: 1000, v: 6 }],
  ]);
  expect(segments([], 100)).toEqual([]);
});

test('a chart places known points exactly, breaks the line at a gap and draws a lone point as a dot', () => {
  // Plot area: x 40..468 (428 wide), y 12..174 (162 high); a percent axis runs 0..100.
  const svg = chartSvg({ id: 'cpu', title: 'CPU', unit: '%', from: 0, to: 1000, gapMs: 300, ticks: [], points: [
    { t: 0, v: 0 },
    { t: 250, v: 50 },
    { t: 500, v: 100 },
    { t: 1000, v: 25 },
  ] });
  const paths = [...svg.matchAll(/<path class="line" d="([^"]+)"/g)].map((m) => m[1]);
  expect(paths).toEqual(['M40,174 L147,93 L254,12']);
  expect(svg).toContain('<circle class="dot" cx="468" cy="133.5" r="2"/>');
  expect(svg).toContain('data-segments="2"');
  // Gridlines and labels at 0, 25, 50, 75, 100.
  expect([...svg.matchAll(/<text class="ylabel"[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual(['0', '25', '50', '75', '100']);
  expect(svg).toContain('aria-label="CPU: latest 25 % · mean 43.8 % · max 100 %"');
});

test('values above the axis are clamped, and an empty chart says so', () => {
  const svg = chartSvg({ id: 'm', title: 'Memory', unit: '%', from: 0, to: 100, gapMs: 1000, ticks: [], points: [{ t: 0, v: 150 }, { t: 100, v: -5 }] });
  expect(svg).toContain('d="M40,12 L468,174"');
  const empty = chartSvg({ id: 'm', title: 'Memory', unit: '%', from: 0, to: 100, gapMs: 1000, ticks: [], points: [] });
  expect(empty).toContain('No data in this range');
  expect(empty).not.toContain('<path');
});

test('the load axis fits the data in round steps', () => {
  expect(yScale('', 7.9)).toEqual({ top: 8, step: 2 });
  expect(yScale('', 0.42)).toEqual({ top: 0.5, step: 0.25 });
  expect(yScale('', 0)).toEqual({ top: 0.25, step: 0.25 });
  expect(yScale('', 37)).toEqual({ top: 40, step: 10 });
  expect(yScale('%', 3)).toEqual({ top: 100, step: 25 });
  const svg = chartSvg({ id: 'load1', title: 'Load', unit: '', from: 0, to: 100, gapMs: 1000, ticks: [{ t: 50, label: '12:00' }], points: [{ t: 0, v: 4 }, { t: 100, v: 8 }] });
  expect(svg).toContain('d="M40,93 L468,12"');
  expect(svg).toContain('<line class="grid" x1="254" y1="12" x2="254" y2="174"/><text class="xlabel" x="254" y="192" text-anchor="middle">12:00</text>');
  // A tick at either end keeps its gridline, not its label.
  const ends = chartSvg({ id: 'x', title: 'X', unit: '%', from: 0, to: 100, gapMs: 1000, ticks: [{ t: 0, label: 'a' }, { t: 50, label: 'm' }, { t: 100, label: 'b' }], points: [] });
  expect([...ends.matchAll(/<text class="xlabel"[^>]*>(\w)</g)].map((m) => m[1])).toEqual(['m']);
  expect([...ends.matchAll(/<line class="grid" x1="(\d+)" y1="12" x2="\1" y2="174"\/>/g)].map((m) => m[1])).toEqual(['40', '254', '468']);
});

test('time ticks follow the local clock, across the change to summer time', () => {
  // Europe/Berlin moves from +01:00 to +02:00 at 01:00 UTC on 2026-03-29.
  const from = Date.UTC(2026, 2, 28, 23, 0);
  const ticks = timeTicks(from, from + DAY, 'Europe/Berlin');
  expect(ticks.map((t) => [new Date(t.t).toISOString().slice(11, 16), t.label])).toEqual([
    ['23:00', 'Mar 29'],
    ['01:00', '03:00'],
    ['04:00', '06:00'],
    ['07:00', '09:00'],
    ['10:00', '12:00'],
    ['13:00', '15:00'],
    ['16:00', '18:00'],
    ['19:00', '21:00'],
    ['22:00', 'Mar 30'],
  ]);
  const week = timeTicks(T - 7 * DAY, T, 'UTC');
  expect(week.map((t) => t.label)).toEqual(['Nov 17', 'Nov 18', 'Nov 19', 'Nov 20', 'Nov 21', 'Nov 22', 'Nov 23']);
  const quarter = timeTicks(T - 90 * DAY, T, 'Asia/Tokyo');
  expect(quarter.length).toBe(6);
  expect(quarter.every((t) => new Date(t.t).getUTCHours() === 15)).toBe(true);
});

test('range parameter: the four ranges, 24h by default, anything else refused', () => {
  expect(parseRange(undefined)).toBe('24h');
  expect(['24h', '7d', '30d', '90d'].map(parseRange)).toEqual(['24h', '7d', '30d', '90d']);
  for (const bad of ['1d', '', '24H', ['24h', '7d'], 'toString', '__proto__']) expect(parseRange(bad)).toBeUndefined();
});

function days(n: number, f: (i: number) => number | null): BarDay[] {
  return Array.from({ length: n }, (_, i) => {
    const u = f(i);
    return { day: new Date(T - (n - 1 - i) * DAY).toISOString().slice(0, 10), uptime: u, downMs: u === null ? 0 : Math.round((1 - u) * DAY) };
  });
}

test('the uptime bar has one segment per day, coloured by uptime, grey before monitoring, each with its figure', () => {
  const d = days(90, (i) => (i < 30 ? null : i === 50 ? 0.9 : i === 60 ? 0.97 : i === 70 ? 0.9951 : 1));
  const svg = uptimeBarSvg(d);
  const rects = [...svg.matchAll(/<rect class="day u-(\w+)" data-day="([\d-]+)"[^>]*><title>([^<]+)<\/title>/g)];
  expect(rects).toHaveLength(90);
  expect(rects.filter((r) => r[1] === 'none')).toHaveLength(30);
  expect(rects[0]![3]).toBe(`${d[0]!.day}: not monitored`);
  expect(rects[50]![1]).toBe('low');
  expect(rects[50]![3]).toBe(`${d[50]!.day}: 90.00 % up (2 h 24 min down)`);
  expect(rects[60]![1]).toBe('mid');
  expect(rects[70]![1]).toBe('high');
  expect(rects[70]![3]).toBe(`${d[70]!.day}: 99.51 % up (7 min down)`);
  expect(rects[89]![1]).toBe('full');
  expect(rects[89]![2]).toBe('2026-11-23');
});

test('uptime figures are floored, so a minute down never reads 100 %', () => {
  expect(formatUptime(1)).toBe('100 %');
  expect(formatUptime(1 - MIN / (90 * DAY))).toBe('99.99 %');
  expect(formatUptime(0.5)).toBe('50.00 %');
  expect(formatUptime(0)).toBe('0.00 %');
  expect(formatUptime(null)).toBe('—');
  expect([1, 0.995, 0.96, 0.2, null].map(uptimeClass)).toEqual(['full', 'high', 'mid', 'low', 'none']);
});

const HOSTILE = `<img src=x onerror=alert(1)>"web'&`;

function point(t: number, cpu: number | null, disks: Record<string, number> = {}): MetricPoint {
  return { t: new Date(t), cpu, memory: cpu === null ? null : cpu / 2, load1: cpu === null ? null : cpu / 10, disks };
}

function model(over: Partial<HostPageModel> = {}): HostPageModel {
  const outages: OutageRecord[] = [
    { id: 'h1:offline_1', hostId: 'h1', host: HOSTILE, condition: 'offline', start: new Date(T - 30 * MIN), end: null, notified: { 'ops@example.com': 10, '<oncall> (slack)': 1 } },
    { id: 'h1:metric_x', hostId: 'h1', host: HOSTILE, condition: 'metric', rule: 'r1', ruleName: '<b>disk-full</b>', metric: 'disk', item: '/mnt/"evil"', peak: 97.26, start: new Date(T - 3 * DAY), end: new Date(T - 3 * DAY + 95 * MIN), notified: {} },
    { id: 'h1:reboot_1', hostId: 'h1', host: HOSTILE, condition: 'reboot', rule: 'r2', ruleName: 'reboots', start: new Date(T - 5 * DAY), end: new Date(T - 5 * DAY), notified: {} },
  ];
  const notices: NoticeLogEntry[] = [
    {
      id: 'n1', run: 'wf.run', checkTime: new Date(T - 20 * MIN), destination: { key: 'mailto:x', label: '<ops>@example.com', kind: 'mailto' }, accepted: true, hosts: [HOSTILE, 'other'],
      lines: [{ host: HOSTILE, kind: 'offline', text: `${HOSTILE} offline 10 minutes` }, { host: 'other', kind: 'offline', text: 'other offline 10 minutes' }], more: 3,
    },
    { id: 'n2', run: 'wf.run', checkTime: new Date(T - 29 * MIN), destination: { key: 'slack:x', label: 'oncall', kind: 'slack' }, accepted: false, error: 'HTTP 503 <html>', hosts: [HOSTILE], lines: [], more: 0 },
  ];
  return {
    host: { name: HOSTILE, active: true, alarm: true, state: 'offline', lastReportAt: new Date(T - 30 * MIN).toISOString(), offlineMinutes: 30, offlineFor: '30 minutes', alertStep: 10, mutedUntil: null, conditions: [] },
    now: T,
    timezone: 'UTC',
    range: '24h',
    uptime: { d1: 0.979, d7: 0.997, d30: 0.9993, d90: null },
    daily: days(90, (i) => (i < 80 ? null : 0.999)),
    series: { resolutionMs: MIN, from: new Date(T - DAY), to: new Date(T), points: [point(T - 60 * MIN, 10, { '/': 40, '<script>/x': 70 }), point(T - 59 * MIN, 20, { '/': 41 }), point(T - 31 * MIN, 30)] },
    outages,
    notices,
    recorded: { metrics: true, outages: true, notices: true },
    ...over,
  };
}

test('the page: header, figures, 90-day bar, one chart per metric and mount, outages and notices', () => {
  const html = hostPageHtml(model());
  expect(html).toContain('<span class="badge offline" data-field="state">offline</span>');
  expect(html).toContain('Last seen 2026-11-23 11:30 +00:00 · offline for 30 minutes · 10 min notice sent');
  expect([...html.matchAll(/<dd data-uptime="(\w+)">([^<]+)</g)].map((m) => [m[1], m[2]])).toEqual([
    ['d1', '97.90 %'],
    ['d7', '99.70 %'],
    ['d30', '99.93 %'],
    ['d90', '—'],
  ]);
  expect(html.match(/<rect class="day u-/g)).toHaveLength(90 + 5);
  expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual(['cpu', 'memory', 'load1', 'disk:/', 'disk:&lt;script&gt;/x']);
  // The CPU line: two points a minute apart joined; the third, 28 minutes later, alone.
  expect(html).toMatch(/data-chart="cpu" data-segments="2"/);
  expect(html).toContain('<a href="?range=24h" aria-current="page">24 h</a>');
  const outageRows = [...html.matchAll(/<tr data-outage="[^"]*">(.*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|'));
  expect(outageRows).toEqual([
    '|offline|2026-11-23 11:30 +00:00|ongoing|30 minutes|&lt;oncall&gt; (slack): 1 min, ops@example.com: 10 min|',
    '|&lt;b&gt;disk-full&lt;/b&gt; (disk /mnt/&quot;evil&quot;), peak 97.26 %|2026-11-20 12:00 +00:00|2026-11-20 13:35 +00:00|95 minutes|nobody|',
    '|reboot (rule reboots)|2026-11-18 12:00 +00:00|2026-11-18 12:00 +00:00|—|nobody|',
  ]);
  // Only this host's lines of a digest; the others counted in "more".
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;web&#39;&amp; offline 10 minutes');
  expect(html).not.toContain('other offline 10 minutes');
  expect(html).toContain('and 3 more lines in the digest');
  expect(html).toContain('<span class="failed">failed</span>: HTTP 503 &lt;html&gt;');
});

test('nothing a user wrote is markup: names, mounts, rules, labels and lines are escaped', () => {
  const html = hostPageHtml(model({ host: { ...model().host, conditions: [{ condition: 'reboot', rule: '<i>r</i>', at: new Date(T).toISOString(), uptime: 1, previousUptime: 2, text: 'reboot <u>x</u>' }] } }));
  const body = html.slice(html.indexOf('<body>'));
  // The only tags are the page's own.
  const tags = new Set([...body.matchAll(/<([a-z][a-z0-9]*)[\s>/]/g)].map((m) => m[1]));
  expect([...tags].sort()).toEqual(['a', 'b', 'body', 'circle', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'h1', 'h2', 'header', 'li', 'line', 'main', 'nav', 'p', 'path', 'rect', 'section', 'span', 'svg', 'table', 'tbody', 'td', 'text', 'th', 'thead', 'title', 'tr', 'ul']);
  expect(body).not.toMatch(/<(img|script|i|u)[\s>]/);
  expect(html).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;&quot;web&#39;&amp;</h1>');
  expect(html).toContain('<title>(offline) &lt;img src=x onerror=alert(1)&gt;&quot;web&#39;&amp;: hostwatch</title>');
  expect(unknownHostHtml('<script>x</script>')).toContain('No host named “&lt;script&gt;x&lt;/script&gt;”');
  // The page needs no script, and the policy allows none.
  expect(html).not.toContain('<script');
  expect(HOST_PAGE_CSP).not.toContain('script-src');
  expect(HOST_PAGE_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
});

test('without history stores the page says what is not recorded', () => {
  const html = hostPageHtml(model({ outages: [], notices: [], series: { resolutionMs: MIN, from: new Date(T - DAY), to: new Date(T), points: [] }, recorded: { metrics: false, outages: false, notices: false } }));
  expect(html).toContain('Metric history is not recorded by this server.');
  expect(html).toContain('The outage log is not recorded by this server.');
  expect(html).toContain('The notification log is not recorded by this server.');
  // CPU, memory and load; no mounts without points.
  expect(html.match(/>No data in this range</g)).toHaveLength(3);
});

test('the gap threshold allows for the series step and the host reporting interval', () => {
  expect(gapMs(MIN, undefined)).toBe(2.5 * MIN);
  expect(gapMs(MIN, 300)).toBe(10.5 * MIN);
  expect(gapMs(HOUR, 60)).toBe(2.5 * HOUR);
});

test('condition and notified texts', () => {
  expect(conditionText({ id: 'a', hostId: 'h', host: 'h', condition: 'metric', ruleName: 'busy', metric: 'cpu', item: '', peak: 99.123, start: new Date(0), end: null, notified: {} })).toBe('busy (cpu), peak 99.12 %');
  expect(conditionText({ id: 'a', hostId: 'h', host: 'h', condition: 'metric', ruleName: 'loaded', metric: 'load1', item: '', peak: 7.5, start: new Date(0), end: null, notified: {} })).toBe('loaded (load1), peak 7.5');
  expect(notifiedText({ b: 60, a: 1 })).toBe('a: 1 min, b: 60 min');
  expect(notifiedText({ 'oncall (slack)': 0 })).toBe('oncall (slack)');
  expect(notifiedText({})).toBe('nobody');
});

test('the overview sparkline: CPU means in 48 half-hour slots, null where nothing was reported', () => {
  const s = sparklineOf({ resolutionMs: MIN, from: new Date(T - DAY), to: new Date(T), points: [point(T - DAY, 10), point(T - DAY + MIN, 20), point(T - 10 * MIN, 50), point(T - 5 * MIN, null)] }, T - DAY, T);
  expect(s.stepMs).toBe(30 * MIN);
  expect(s.values).toHaveLength(48);
  expect(s.values[0]).toBe(15);
  expect(s.values[47]).toBe(50);
  expect(s.values.slice(1, 47).every((v) => v === null)).toBe(true);
  expect(sparklineOf(undefined, T - DAY, T).values.every((v) => v === null)).toBe(true);
});

test('the login form returns only to a host page of this site', () => {
  expect(safeNext('hosts/web-1.example.com')).toBe('hosts/web-1.example.com');
  expect(safeNext('hosts/%3Cb%3E?range=7d')).toBe('hosts/%3Cb%3E?range=7d');
  for (const bad of ['//evil.example', 'https://evil.example/', 'hosts/../../x', 'hosts/a/b', 'hosts/a?range=1y', '/hosts/a', 'hosts/', null, undefined]) expect(safeNext(bad)).toBeUndefined();
  const form = loginPageHtml(false, { action: '../login', next: 'hosts/a%22b' });
  expect(form).toContain('<form method="post" action="../login">');
  expect(form).toContain('<input type="hidden" name="next" value="hosts/a%22b">');
  expect(loginPageHtml(false, { next: '//evil' })).not.toContain('name="next"');
});
