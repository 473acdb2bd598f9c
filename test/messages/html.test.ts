/** The HTML part of a notice mail (src/messages/html.ts): its table, escaping, colours and self-containedness. */
import { expect, test } from 'vitest';
import { noticeHtml, SEVERITY_COLOURS } from '../../src/messages/html.js';
import type { NoticeFacts } from '../../src/messages/template.js';
import { contrast } from '../support/browser.js';

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const notice: NoticeFacts = {
  run: 'r',
  checkTime: T,
  timezone: 'Europe/Berlin',
  offline: [
    { kind: 'metric', hostId: 'b', name: 'db-1', rule: 'disk-full', metric: 'disk', item: '/var', op: 'above', threshold: 90, peak: 97, since: T - 3_600_000, heldMs: 3_600_000, value: 93, step: 60 },
    { kind: 'offline', hostId: 'a', name: '<b>web-1</b>', step: 10, offlineMs: 600_000, lastReportAt: T - 600_000 },
  ],
  recoveries: [{ kind: 'recovered', hostId: 'c', name: 'app-1', wentSilentAt: T - 7_200_000, seenAgainAt: T - 60_000, goneMs: 7_140_000 }],
  offlineTotal: 4,
  recoveryTotal: 1,
  conditionTotal: 1,
};
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',')})`;

test('a table row per line, most severe first, host names escaped, the rest counted, the closing counts', () => {
  const html = noticeHtml(notice, 'en');
  const rows = [...html.matchAll(/<tr><td[^>]*><span[^>]*>([^<]+)<\/span><\/td><td[^>]*>([^<]*)<\/td><td[^>]*>([^<]*)<\/td><td[^>]*>([^<]*)<\/td><\/tr>/g)].map((r) => r.slice(1));
  expect(rows).toEqual([
    ['OFFLINE', '&lt;b&gt;web-1&lt;/b&gt;', 'offline 10 minutes, last report 2026-11-23 09:50:00 +01:00', '2026-11-23 09:50:00 +01:00'],
    ['DISK', 'db-1', 'DISK /var: 93 % (above 90 %) for 60 minutes', '2026-11-23 09:00:00 +01:00'],
    ['BACK', 'app-1', 'back online after 119 minutes, seen again 2026-11-23 09:59:00 +01:00', '2026-11-23 08:00:00 +01:00'],
  ]);
  expect(html).toContain('... and 2 more');
  expect(html).toContain('<p style="margin:12px 0 0">3 hosts offline, 1 alert, 1 back online.</p>');
  expect(html).not.toContain('<b>web-1');
});

test('in Chinese: the frame, labels and details; lang set', () => {
  const html = noticeHtml(notice, 'zh-CN');
  expect(html).toContain('<html lang="zh-CN">');
  for (const word of ['状态', '节点', '详情', '开始时间', '离线', '已离线 10 分钟', '磁盘 /var：93 %（高于 90 %），已持续 1 小时 0 分钟', '恢复在线', '……另有 2 条']) expect(html).toContain(word);
});

test('self-contained (no images, scripts, fonts or remote URLs) and readable in light and dark mode', () => {
  const html = noticeHtml(notice, 'en', (l) => (l.kind === 'offline' ? 'https://hostwatch.example.com/ack/abc' : undefined));
  expect(html).not.toMatch(/<img|<script|@import|url\(|<link/i);
  expect([...html.matchAll(/https?:\/\/[^"<\s]+/g)].map((m) => m[0])).toEqual(['https://hostwatch.example.com/ack/abc', 'https://hostwatch.example.com/ack/abc']);
  expect(html).toContain('<meta name="color-scheme" content="light dark">');
  // the labels carry their own background and white text, whatever the client's scheme
  for (const c of Object.values(SEVERITY_COLOURS)) expect(contrast(rgb(c), 'rgb(255,255,255)'), c).toBeGreaterThanOrEqual(4.5);
  // no other colour is set: text and page background are the client's own (light or dark)
  const backgrounds = new Set([...html.matchAll(/background:([^;"]+)/g)].map((m) => m[1]));
  expect(backgrounds).toEqual(new Set([SEVERITY_COLOURS.critical, SEVERITY_COLOURS.warning, SEVERITY_COLOURS.ok]));
  expect(new Set([...html.matchAll(/[;"]color:([^;"]+)/g)].map((m) => m[1]))).toEqual(new Set(['#ffffff', 'inherit']));
});
