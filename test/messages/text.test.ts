/**
 * The notice words per locale (src/messages): every catalogue complete and well-formed, English the digest's wording
 * byte for byte, and ALERTING.md's worked examples in English and Chinese.
 */
import fc from 'fast-check';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { expect, test } from 'vitest';
import { digestLineText, subjectFor } from '../../src/alerting/digest.js';
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

const line = fc.oneof(
  fc.record({ kind: fc.constant('offline' as const), hostId: fc.constant('h'), name: fc.constantFrom('web-1', 'db'), step: fc.constant(1), offlineMs: fc.nat(10 ** 9), lastReportAt: fc.nat(2 * 10 ** 12) }),
  fc.record({ kind: fc.constant('recovered' as const), hostId: fc.constant('h'), name: fc.constant('web-1'), wentSilentAt: fc.nat(10 ** 12), seenAgainAt: fc.nat(10 ** 12), goneMs: fc.nat(10 ** 9) }),
  fc.record({
    kind: fc.constant('metric' as const), hostId: fc.constant('h'), name: fc.constant('web-1'), rule: fc.constant('r'),
    metric: fc.constantFrom('cpu', 'memory', 'disk', 'load1', 'load15', 'sensors.temperature'), item: fc.constantFrom('', '/var'),
    op: fc.constantFrom('above' as const, 'below' as const), threshold: fc.double({ min: 0, max: 100, noNaN: true }), peak: fc.nat(100),
    since: fc.nat(10 ** 12), heldMs: fc.nat(10 ** 9), value: fc.double({ min: 0, max: 100, noNaN: true }), step: fc.constant(5),
  }),
  fc.record({
    kind: fc.constant('resolved' as const), hostId: fc.constant('h'), name: fc.constant('web-1'), rule: fc.constant('r'),
    metric: fc.constantFrom('disk', 'load5'), item: fc.constantFrom('', '/'), op: fc.constant('above' as const), threshold: fc.nat(100),
    peak: fc.nat(100), since: fc.nat(10 ** 12), heldMs: fc.nat(10 ** 9), endedAt: fc.nat(10 ** 12), endValue: fc.option(fc.nat(100), { nil: undefined }),
  }, { requiredKeys: ['kind', 'hostId', 'name', 'rule', 'metric', 'item', 'op', 'threshold', 'peak', 'since', 'heldMs', 'endedAt'] }),
  fc.record({ kind: fc.constant('reboot' as const), hostId: fc.constant('h'), name: fc.constant('web-1'), rule: fc.constant('r'), at: fc.nat(10 ** 12), uptime: fc.nat(10 ** 6), previousUptime: fc.nat(10 ** 7) }),
);

test('English is the digest wording byte for byte: every line kind, durations and titles', () => {
  fc.assert(
    fc.property(line, fc.constantFrom('UTC', TZ, 'Asia/Shanghai'), (l, tz) => {
      expect(EN.line(l as DigestLine, tz)).toBe(digestLineText(l as DigestLine, tz));
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.nat(10 ** 10), (ms) => {
    expect(EN.duration(ms)).toBe(formatDuration(ms));
  }));
  fc.assert(
    fc.property(fc.nat(3000), fc.nat(3000), fc.nat(3000), fc.nat(3000), (a, b, c, d) => {
      const [offline, conditions] = [a + c, c];
      const [recovered, resolved] = [b + d, d];
      const n = { offlineTotal: offline, recoveryTotal: recovered, conditionTotal: conditions, resolvedTotal: resolved };
      if (offline + recovered === 0) return;
      expect(EN.title(n, 0, TZ)).toBe(subjectFor(offline, recovered, 0, TZ, conditions, resolved));
    }),
  );
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
    '恢复  节点 web-1：离线 26 小时 1 分钟 后恢复在线，自 2026-11-23 03:58:30 +01:00 起无上报，2026-11-24 06:00:00 +01:00 再次上报',
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
  expect(ZH.line({ kind: 'resolved', ...base, endValue: 85, endedAt: day(11, 5) }, TZ)).toBe('已解除  节点 web-1 /var：磁盘 已回到 85 %，此前 高于 90 % 持续 1 小时 5 分钟（峰值 97 %），从 2026-11-23 10:00:00 +01:00 到 2026-11-23 11:05:00 +01:00');
  expect(ZH.line({ kind: 'reboot', hostId: 'h', name: 'web-1', rule: 'r', at: day(10, 5), uptime: 180, previousUptime: 12 * 3600 + 240 }, TZ)).toBe('重启  节点 web-1：已重启，2026-11-23 10:05:00 +01:00 时已运行 3 分钟（重启前运行了 12 小时 4 分钟）');
});
