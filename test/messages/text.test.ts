/**
 * The notice words per locale (src/messages): every catalogue complete and well-formed, English the digest's wording
 * byte for byte, and ALERTING.md's worked examples in English and Chinese.
 */
import fc from 'fast-check';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { expect, test } from 'vitest';
import { formatDuration } from '../../src/alerting/local-time.js';
import type { DigestLine } from '../../src/alerting/types.js';
import { catalogue, LOCALES } from '../../src/messages/catalog.js';
import { messagesFor } from '../../src/messages/text.js';

const MIN = 60_000;
const TZ = 'Europe/Berlin';
const EN = messagesFor('en');
const ZH = messagesFor('zh-CN');

function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) into.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      into.add(e.value);
      for (const o of Object.values(e.options)) argumentsOf(o.value, into);
    }
  }
  return into;
}

test('locales: en and zh-CN, each catalogue with every English key, parseable, using only the placeholders English offers', () => {
  expect(LOCALES).toEqual(['en', 'zh-CN']);
  const en = catalogue('en');
  for (const locale of LOCALES) {
    const c = catalogue(locale);
    expect(Object.keys(c).sort(), locale).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(c)) {
      const used = argumentsOf(parse(text));
      const offered = argumentsOf(parse(en[key]!));
      for (const name of used) expect(offered.has(name) || ['label', 'metric', 'n', 'count'].includes(name), `${locale} ${key} uses {${name}}`).toBe(true);
    }
  }
});

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const at = { hostId: 'h', name: 'web-1', rule: 'r' };
const metric = (m: string, item: string, op: 'above' | 'below', threshold: number, value: number, heldMs: number) =>
  ({ kind: 'metric', ...at, metric: m, item, op, threshold, peak: 99, since: T, heldMs, value, step: 5 }) as const;

/**
 * English lines as the digest worded them before src/messages (the strings its own functions gave, kept here): every
 * line kind, each metric label, an item or none, above and below, rounding, both duration forms, three zones.
 */
const ENGLISH: [DigestLine, string, string][] = [
  [{ kind: 'offline', ...at, step: 1, offlineMs: 0, lastReportAt: T }, 'UTC', 'OFFLINE  web-1: offline 0 minutes, last report 2026-11-23 09:00:00 +00:00'],
  [{ kind: 'offline', ...at, name: 'db', step: 1, offlineMs: MIN + 59_000, lastReportAt: T - MIN }, TZ, 'OFFLINE  db: offline 1 minute, last report 2026-11-23 09:59:00 +01:00'],
  [{ kind: 'offline', ...at, step: 1, offlineMs: 119 * MIN + 59_000, lastReportAt: 0 }, 'Asia/Shanghai', 'OFFLINE  web-1: offline 119 minutes, last report 1970-01-01 08:00:00 +08:00'],
  [
    { kind: 'recovered', ...at, wentSilentAt: T - 120 * MIN, seenAgainAt: T, goneMs: 120 * MIN },
    'UTC',
    'BACK     web-1: back online after 2 h 0 min, silent since 2026-11-23 07:00:00 +00:00, seen again 2026-11-23 09:00:00 +00:00',
  ],
  [metric('cpu', '', 'above', 80, 97.456, MIN), TZ, 'CPU  web-1: 97.46 % (above 80 %) for 1 minute, since 2026-11-23 10:00:00 +01:00'],
  [metric('memory', '', 'below', 10.5, 3.333, 2 * MIN), 'Asia/Shanghai', 'MEMORY  web-1: 3.33 % (below 10.5 %) for 2 minutes, since 2026-11-23 17:00:00 +08:00'],
  [metric('disk', '/var', 'above', 90, 93, 200 * MIN), 'UTC', 'DISK  web-1 /var: 93 % (above 90 %) for 3 h 20 min, since 2026-11-23 09:00:00 +00:00'],
  [metric('load1', '', 'above', 4, 8.125, 0), TZ, 'LOAD  web-1 load1: 8.13 (above 4) for 0 minutes, since 2026-11-23 10:00:00 +01:00'],
  [metric('load15', '', 'below', 0.5, 0.1, 0), 'Asia/Shanghai', 'LOAD  web-1 load15: 0.1 (below 0.5) for 0 minutes, since 2026-11-23 17:00:00 +08:00'],
  [metric('sensors.temperature', '', 'above', 70, 71.4, 5 * MIN), 'UTC', 'TEMPERATURE  web-1: 71.4 (above 70) for 5 minutes, since 2026-11-23 09:00:00 +00:00'],
  [
    { kind: 'resolved', ...at, metric: 'disk', item: '/', op: 'above', threshold: 90, peak: 97, since: T - 65 * MIN, heldMs: 64 * MIN, endedAt: T, endValue: 85 },
    TZ,
    'RESOLVED  web-1 /: disk back to 85 % after 64 minutes above 90 % (peak 97 %), from 2026-11-23 08:55:00 +01:00 to 2026-11-23 10:00:00 +01:00',
  ],
  [
    { kind: 'resolved', ...at, metric: 'load5', item: '', op: 'above', threshold: 4, peak: 12, since: T - 300 * MIN, heldMs: 300 * MIN, endedAt: T },
    'Asia/Shanghai',
    'RESOLVED  web-1 load5: load5 no longer reported after 5 h 0 min above 4 (peak 12), from 2026-11-23 12:00:00 +08:00 to 2026-11-23 17:00:00 +08:00',
  ],
  [{ kind: 'reboot', ...at, at: T, uptime: 180, previousUptime: 12 * 3600 + 240 }, 'UTC', 'REBOOT  web-1: restarted, up 3 minutes at 2026-11-23 09:00:00 +00:00 (was up 12 h 4 min)'],
];

/** Titles as the digest worded them: [offline, recovered, of them conditions, of them resolved] and the subject. */
const TITLES: [number, number, number, number, string][] = [
  [1, 0, 0, 0, '[hostwatch] 1 host offline at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [2, 0, 0, 0, '[hostwatch] 2 hosts offline at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [0, 1, 0, 0, '[hostwatch] 1 back online at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [0, 3, 0, 0, '[hostwatch] 3 back online at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [3, 2, 1, 1, '[hostwatch] 2 hosts offline, 1 alert, 1 back online, 1 resolved at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [1, 0, 1, 0, '[hostwatch] 1 alert at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [2, 0, 2, 0, '[hostwatch] 2 alerts at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [0, 1, 0, 1, '[hostwatch] 1 resolved at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [0, 2, 0, 2, '[hostwatch] 2 resolved at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
  [5, 4, 2, 1, '[hostwatch] 3 hosts offline, 2 alerts, 3 back online, 1 resolved at 2026-11-23 10:00 +01:00 (Europe/Berlin)'],
];

test('English is the digest wording byte for byte: every line kind, durations and titles', () => {
  for (const [l, tz, text] of ENGLISH) expect(EN.line(l, tz)).toBe(text);
  fc.assert(fc.property(fc.nat(10 ** 10), (ms) => {
    expect(EN.duration(ms)).toBe(formatDuration(ms));
  }));
  for (const [offlineTotal, recoveryTotal, conditionTotal, resolvedTotal, subject] of TITLES) {
    expect(EN.title({ offlineTotal, recoveryTotal, conditionTotal, resolvedTotal }, T, TZ)).toBe(subject);
  }
  expect(EN.testTitle(T, TZ)).toBe('[hostwatch] test notice at 2026-11-23 10:00 +01:00 (Europe/Berlin)');
  expect(EN.testFooter()).toBe('This is a test notice from hostwatch: this destination is set up correctly.');
  expect(EN.more(12)).toBe('... and 12 more');
  expect(EN.ack('https://hw.example.com/ack/x')).toBe('acknowledge: https://hw.example.com/ack/x');
  expect(ZH.ack('https://hw.example.com/ack/x')).toBe('确认告警：https://hw.example.com/ack/x');
});

// ALERTING.md, "Worked example (steps 1, 10, 60, 240, 1440; quiet hour 4)", in Europe/Berlin on 2026-11-23.
const day = (h: number, m: number, s = 0) => Date.UTC(2026, 10, 23, h - 1, m, s); // +01:00
const lastReport = day(3, 58, 30);
const worked: { at: number; line: DigestLine }[] = [
  { at: day(5, 0), line: { kind: 'offline', hostId: 'h', name: 'web-1', step: 60, offlineMs: day(5, 0) - lastReport, lastReportAt: lastReport } },
  { at: day(7, 59), line: { kind: 'offline', hostId: 'h', name: 'web-1', step: 240, offlineMs: day(7, 59) - lastReport, lastReportAt: lastReport } },
  { at: day(6, 0) + 24 * 60 * MIN, line: { kind: 'recovered', hostId: 'h', name: 'web-1', wentSilentAt: lastReport, seenAgainAt: day(6, 0) + 24 * 60 * MIN, goneMs: 26 * 60 * MIN + MIN + 30_000 } },
];

test('the worked example of ALERTING.md in English and in Chinese', () => {
  expect(worked.map((w) => EN.line(w.line, TZ))).toEqual([
    'OFFLINE  web-1: offline 61 minutes, last report 2026-11-23 03:58:30 +01:00',
    'OFFLINE  web-1: offline 4 h 0 min, last report 2026-11-23 03:58:30 +01:00',
    'BACK     web-1: back online after 26 h 1 min, silent since 2026-11-23 03:58:30 +01:00, seen again 2026-11-24 06:00:00 +01:00',
  ]);
  expect(worked.map((w) => ZH.line(w.line, TZ))).toEqual([
    '离线  节点 web-1：已离线 1 小时 1 分钟，最后上报 2026-11-23 03:58:30 +01:00',
    '离线  节点 web-1：已离线 4 小时 0 分钟，最后上报 2026-11-23 03:58:30 +01:00',
    '恢复  节点 web-1：离线 26 小时 1 分钟后恢复在线，自 2026-11-23 03:58:30 +01:00 起无上报，2026-11-24 06:00:00 +01:00 再次上报',
  ]);
  const counts = { offlineTotal: 1, recoveryTotal: 0 };
  expect(EN.title(counts, day(5, 0), TZ)).toBe('[hostwatch] 1 host offline at 2026-11-23 05:00 +01:00 (Europe/Berlin)');
  expect(ZH.title(counts, day(5, 0), TZ)).toBe('[hostwatch] 1 台主机离线（2026-11-23 05:00 +01:00，Europe/Berlin）');
  expect(ZH.footer({ offlineTotal: 3, recoveryTotal: 2, conditionTotal: 1, resolvedTotal: 1 })).toBe('2 台主机离线，1 条告警，1 台恢复在线，1 条已解除。');
  expect(EN.footer({ offlineTotal: 3, recoveryTotal: 2, conditionTotal: 1, resolvedTotal: 1 })).toBe('2 hosts offline, 1 alert, 1 back online, 1 resolved.');
  expect(ZH.duration(10 * MIN)).toBe('10 分钟');
  expect(ZH.duration(65 * MIN)).toBe('1 小时 5 分钟');
  expect(ZH.more(12)).toBe('……另有 12 条');
});

test('metric, resolved and reboot lines in Chinese', () => {
  const base = { hostId: 'h', name: 'web-1', rule: 'disk-full', metric: 'disk', item: '/var', op: 'above' as const, threshold: 90, peak: 97, since: day(10, 0), heldMs: 65 * MIN };
  expect(ZH.line({ kind: 'metric', ...base, value: 93, step: 5 }, TZ)).toBe('磁盘  节点 web-1 /var：93 %（高于 90 %），已持续 1 小时 5 分钟，自 2026-11-23 10:00:00 +01:00 起');
  expect(ZH.line({ kind: 'resolved', ...base, endValue: 85, endedAt: day(11, 5) }, TZ)).toBe('已解除  节点 web-1 /var：磁盘已回到 85 %，此前高于 90 % 持续 1 小时 5 分钟（峰值 97 %），从 2026-11-23 10:00:00 +01:00 到 2026-11-23 11:05:00 +01:00');
  expect(ZH.line({ kind: 'reboot', hostId: 'h', name: 'web-1', rule: 'r', at: day(10, 5), uptime: 180, previousUptime: 12 * 3600 + 240 }, TZ)).toBe('重启  节点 web-1：已重启，2026-11-23 10:05:00 +01:00 时已运行 3 分钟（重启前运行了 12 小时 4 分钟）');
});
