import { expect, test } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_LINES, linesFor, linesToShow, routedLinesToShow, totalsByDestination } from '../../src/alerting/digest.js';
import { formatDuration, formatLocalTime, formatOffset, localHour, utcOffsetMinutes } from '../../src/alerting/local-time.js';
import type { DigestLine, LineTotals, OfflineLine, RecoveryLine, RoutedLine } from '../../src/alerting/types.js';
import { fitText, noticeTitle } from '../../src/channels/format.js';
import type { Notice } from '../../src/channels/types.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
// 2026-07-01 12:00:00 UTC = 08:00 in New York (EDT, UTC-4) = 14:00 in Berlin (CEST, UTC+2)
const T = Date.UTC(2026, 6, 1, 12, 0, 0);

function offline(name: string, offlineMs: number, step = 1): OfflineLine {
  return { kind: 'offline', hostId: `id-${name}`, name, step, offlineMs, lastReportAt: T - offlineMs };
}

function recovered(name: string, wentSilentAt: number, seenAgainAt: number): RecoveryLine {
  return { kind: 'recovered', hostId: `id-${name}`, name, wentSilentAt, seenAgainAt, goneMs: seenAgainAt - wentSilentAt };
}

function bodyLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('OFFLINE') || l.startsWith('BACK') || l.startsWith('...'));
}

function routed(line: DigestLine, ...to: number[]): RoutedLine {
  return { line, to };
}

/** Destination `d`'s notice, built as the workflow builds it (check-host-status.ts): its lines from {@link linesFor}. */
function noticeFor(
  lines: readonly RoutedLine[],
  d: number,
  totals: LineTotals,
  opts: { checkTime: number; timezone: string; maxLines?: number },
): Notice {
  return { id: `test.d${d}`, run: 'test', checkTime: opts.checkTime, timezone: opts.timezone, ...linesFor(lines, d, totals, opts.maxLines) };
}

/** The notice of a run with one destination that gets every line. */
function notice(opts: { offline: readonly OfflineLine[]; recoveries: readonly RecoveryLine[]; checkTime: number; timezone: string; maxLines?: number }): Notice {
  const lines = [...opts.offline, ...opts.recoveries].map((l) => routed(l, 0));
  return noticeFor(lines, 0, totalsByDestination(lines, 1)[0]!, opts);
}

/** The notice's whole text with no vendor size limit: its lines, "... and N more" for the rest, and the totals. */
function textOf(n: Notice): string {
  return fitText(n, 1_000_000);
}

/** Lines of the run in the notice (the rest are counted in its "... and N more" line). */
function listed(n: Notice): number {
  return n.offline.length + n.recoveries.length;
}

test('rule 7 (one digest per run): formatDuration gives the worked example wording', () => {
  expect(formatDuration(61 * MIN + 30 * SEC)).toBe('61 minutes');
  expect(formatDuration(MIN)).toBe('1 minute');
  expect(formatDuration(MIN + 59 * SEC)).toBe('1 minute');
  expect(formatDuration(26 * HOUR + MIN + 30 * SEC)).toBe('26 h 1 min');
  expect(formatDuration(240 * MIN + 30 * SEC)).toBe('4 h 0 min');
  expect(formatDuration(119 * MIN + 59 * SEC)).toBe('119 minutes');
  expect(formatDuration(120 * MIN)).toBe('2 h 0 min');
  expect(formatDuration(0)).toBe('0 minutes');
  expect(formatDuration(-5 * MIN)).toBe('0 minutes');
});

test('rule 5 (quiet hours): localHour and formatLocalTime use the configured IANA zone', () => {
  expect(localHour(T, 'UTC')).toBe(12);
  expect(localHour(T, 'America/New_York')).toBe(8);
  expect(localHour(T, 'Europe/Berlin')).toBe(14);
  expect(localHour(T, 'Asia/Kolkata')).toBe(17); // UTC+5:30 -> 17:30
  expect(formatLocalTime(T + 5 * SEC, 'Asia/Kolkata')).toBe('2026-07-01 17:30:05 +05:30');
  expect(formatLocalTime(T + 5 * SEC, 'Asia/Kolkata', false)).toBe('2026-07-01 17:30 +05:30');
  expect(formatLocalTime(Date.UTC(2026, 6, 1, 2, 0, 0), 'America/New_York')).toBe('2026-06-30 22:00:00 -04:00');
  expect(formatLocalTime(Date.UTC(2026, 0, 1, 2, 0, 0), 'America/New_York')).toBe('2025-12-31 21:00:00 -05:00');
  expect(formatLocalTime(Date.UTC(2026, 0, 1, 0, 0, 0), 'UTC')).toBe('2026-01-01 00:00:00 +00:00');
});

test('rule 7 (local time with its UTC offset): the hour repeated when summer time ends in Europe/Berlin reads differently', () => {
  // 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET at 01:00 UTC, so 02:30 local happens twice
  const first = Date.UTC(2026, 9, 25, 0, 30);
  const second = Date.UTC(2026, 9, 25, 1, 30);
  expect(formatLocalTime(first, 'Europe/Berlin')).toBe('2026-10-25 02:30:00 +02:00');
  expect(formatLocalTime(second, 'Europe/Berlin')).toBe('2026-10-25 02:30:00 +01:00');
  expect(formatLocalTime(first, 'Europe/Berlin', false)).toBe('2026-10-25 02:30 +02:00');
  expect(formatLocalTime(second, 'Europe/Berlin', false)).toBe('2026-10-25 02:30 +01:00');
  expect(localHour(first, 'Europe/Berlin')).toBe(2);
  expect(localHour(second, 'Europe/Berlin')).toBe(2);
  // and the titles of notices an hour apart differ too
  const a = notice({ offline: [offline('a', 10 * MIN)], recoveries: [], checkTime: first, timezone: 'Europe/Berlin' });
  const b = notice({ offline: [offline('a', 10 * MIN)], recoveries: [], checkTime: second, timezone: 'Europe/Berlin' });
  expect(noticeTitle(a)).toContain('2026-10-25 02:30 +02:00 (Europe/Berlin)');
  expect(noticeTitle(b)).toContain('2026-10-25 02:30 +01:00 (Europe/Berlin)');
  // the skipped hour in spring: 01:59:59 CET is followed by 03:00:00 CEST
  expect(formatLocalTime(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin')).toBe('2026-03-29 01:59:59 +01:00');
  expect(formatLocalTime(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Berlin')).toBe('2026-03-29 03:00:00 +02:00');
});

test('rule 7 (local time with its UTC offset): offsets east and west, with minutes, and before 1970', () => {
  expect(utcOffsetMinutes(T, 'UTC')).toBe(0);
  expect(utcOffsetMinutes(T, 'Asia/Kolkata')).toBe(330);
  expect(utcOffsetMinutes(T, 'America/New_York')).toBe(-240);
  expect(utcOffsetMinutes(T, 'Asia/Kathmandu')).toBe(345);
  expect(utcOffsetMinutes(Date.UTC(2026, 0, 15), 'America/St_Johns')).toBe(-210);
  // instants with milliseconds do not bend the offset
  expect(utcOffsetMinutes(T + 999, 'Europe/Berlin')).toBe(120);
  expect(formatOffset(0)).toBe('+00:00');
  expect(formatOffset(330)).toBe('+05:30');
  expect(formatOffset(-210)).toBe('-03:30');
  expect(formatOffset(-300)).toBe('-05:00');
  expect(formatOffset(840)).toBe('+14:00');
  expect(formatLocalTime(Date.UTC(2026, 0, 15, 12, 0, 0, 750), 'America/St_Johns')).toBe('2026-01-15 08:30:00 -03:30');
  expect(formatLocalTime(Date.UTC(1969, 6, 20, 20, 17, 40), 'UTC')).toBe('1969-07-20 20:17:40 +00:00');
});

test('rule 7 (one notice per destination): the title carries the counts and the local time with the zone name', () => {
  const d = notice({
    offline: [offline('a', 61 * MIN), offline('b', 11 * MIN)],
    recoveries: [recovered('c', T - 3 * HOUR, T - 10 * MIN)],
    checkTime: T,
    timezone: 'America/New_York',
  });
  expect(noticeTitle(d)).toContain('2 hosts offline');
  expect(noticeTitle(d)).toContain('1 back online');
  expect(noticeTitle(d)).toContain('at 2026-07-01 08:00 -04:00 (America/New_York)');
  expect(noticeTitle(d)).toMatch(/^\[hostwatch\] /);

  const one = notice({ offline: [offline('a', 61 * MIN)], recoveries: [], checkTime: T, timezone: 'Europe/Berlin' });
  expect(noticeTitle(one)).toContain('1 host offline');
  expect(noticeTitle(one)).not.toContain('back online');
  expect(noticeTitle(one)).toContain('2026-07-01 14:00 +02:00 (Europe/Berlin)');

  const back = notice({ offline: [], recoveries: [recovered('c', T - HOUR, T - MIN)], checkTime: T, timezone: 'UTC' });
  expect(noticeTitle(back)).toContain('1 back online');
  expect(noticeTitle(back)).not.toContain('offline');
  expect(noticeTitle(back)).toContain('2026-07-01 12:00 +00:00 (UTC)');
});

test('rule 7 (one notice per destination): each line names the host, the offline duration and the last report in the zone', () => {
  const d = notice({ offline: [offline('db-7', 61 * MIN + 30 * SEC, 60)], recoveries: [], checkTime: T, timezone: 'America/New_York' });
  const [line, ...rest] = bodyLines(textOf(d));
  expect(rest).toEqual([]);
  expect(line).toContain('db-7');
  expect(line).toContain('offline 61 minutes');
  // last report 10:58:30 UTC = 06:58:30 EDT
  expect(line).toContain('last report 2026-07-01 06:58:30 -04:00');
  // the check time, local with its offset, is in the title
  expect(noticeTitle(d)).toContain('at 2026-07-01 08:00 -04:00 (America/New_York)');
  expect(listed(d)).toBe(1);
});

test('rule 7 (one notice per destination): a recovery line says when it went silent, when it was seen again and how long it was gone', () => {
  const wentSilentAt = Date.UTC(2026, 5, 30, 1, 58, 30); // 03:58:30 in Berlin
  const seenAgainAt = wentSilentAt + 26 * HOUR + MIN + 30 * SEC; // 06:00:00 next day in Berlin
  const d = notice({ offline: [], recoveries: [recovered('web-1', wentSilentAt, seenAgainAt)], checkTime: T, timezone: 'Europe/Berlin' });
  const [line, ...rest] = bodyLines(textOf(d));
  expect(rest).toEqual([]);
  expect(line).toContain('web-1');
  expect(line).toContain('back online after 26 h 1 min');
  expect(line).toContain('silent since 2026-06-30 03:58:30 +02:00');
  expect(line).toContain('seen again 2026-07-01 06:00:00 +02:00');
});

test('rule 7 (one notice per destination): most severe (longest offline) first, recovery lines after offline lines', () => {
  const d = notice({
    offline: [offline('mid', 2 * HOUR, 60), offline('short', 10 * MIN, 10), offline('long', 30 * HOUR, 1440), offline('amid', 2 * HOUR, 60)],
    recoveries: [recovered('zeta', T - 5 * HOUR, T - HOUR), recovered('alpha', T - 2 * HOUR, T - HOUR)],
    checkTime: T,
    timezone: 'UTC',
  });
  // linesFor hands them on in that order, and the text keeps it
  expect(d.offline.map((l) => l.name)).toEqual(['long', 'amid', 'mid', 'short']);
  expect(d.recoveries.map((l) => l.name)).toEqual(['alpha', 'zeta']);
  const names = bodyLines(textOf(d)).map((l) => l.split(':')[0]!.split(/\s+/)[1]);
  // equal durations are ordered by name so the order is deterministic (rule 8)
  expect(names).toEqual(['long', 'amid', 'mid', 'short', 'alpha', 'zeta']);
  expect(bodyLines(textOf(d)).map((l) => l.split(/\s+/)[0])).toEqual(['OFFLINE', 'OFFLINE', 'OFFLINE', 'OFFLINE', 'BACK', 'BACK']);
  expect(textOf(d)).toContain('4 hosts offline, 2 back online.');
  expect(listed(d)).toBe(6);
});

test('rule 7 (one notice per destination): a large notice lists the most severe lines and says "... and N more", counts stay exact', () => {
  const offlineLines = Array.from({ length: 5 }, (_, i) => offline(`h${i}`, (i + 1) * 10 * MIN, 10));
  const recoveries = [recovered('r1', T - HOUR, T - MIN), recovered('r2', T - HOUR, T - MIN)];
  const d = notice({ offline: offlineLines, recoveries, checkTime: T, timezone: 'UTC', maxLines: 3 });
  const lines = bodyLines(textOf(d));
  expect(lines).toHaveLength(4);
  expect(lines.slice(0, 3).map((l) => l.split(':')[0]!.split(/\s+/)[1])).toEqual(['h4', 'h3', 'h2']);
  expect(lines[3]).toBe('... and 4 more');
  expect(listed(d)).toBe(3);
  expect(noticeTitle(d)).toContain('5 hosts offline');
  expect(noticeTitle(d)).toContain('2 back online');
  expect(textOf(d)).toContain('5 hosts offline, 2 back online.');
});

test('rule 7 (one notice per destination): no "more" line when everything fits, including exactly maxLines', () => {
  const lines = [offline('a', 10 * MIN), offline('b', 20 * MIN)];
  const exact = notice({ offline: lines, recoveries: [], checkTime: T, timezone: 'UTC', maxLines: 2 });
  expect(listed(exact)).toBe(2);
  expect(textOf(exact)).not.toContain('more');
  const cut = notice({ offline: lines, recoveries: [], checkTime: T, timezone: 'UTC', maxLines: 1 });
  expect(bodyLines(textOf(cut))).toEqual([expect.stringContaining(' b: '), '... and 1 more']);
});

test('rule 7 (one notice per destination): the default limit is DEFAULT_MAX_LINES lines', () => {
  const many = Array.from({ length: DEFAULT_MAX_LINES + 7 }, (_, i) => offline(`h${String(i).padStart(4, '0')}`, 10 * MIN + i * SEC));
  const d = notice({ offline: many, recoveries: [], checkTime: T, timezone: 'UTC' });
  expect(listed(d)).toBe(DEFAULT_MAX_LINES);
  expect(bodyLines(textOf(d))).toHaveLength(DEFAULT_MAX_LINES + 1);
  expect(bodyLines(textOf(d)).at(-1)).toBe('... and 7 more');
  expect(noticeTitle(d)).toContain(`${DEFAULT_MAX_LINES + 7} hosts offline`);
});

test('rule 8 (deterministic): building and writing a notice does not reorder its input and gives the same text twice', () => {
  const offlineLines = Object.freeze([offline('b', 10 * MIN), offline('a', 20 * MIN)]);
  const recoveries = Object.freeze([recovered('y', T - HOUR, T - MIN), recovered('x', T - HOUR, T - MIN)]);
  const input = { offline: offlineLines, recoveries, checkTime: T, timezone: 'Asia/Kolkata' };
  const first = notice(input);
  const second = notice(input);
  expect(second).toEqual(first);
  // writing the notice leaves it as it was (frozen, so a change would throw)
  const frozen = Object.freeze({ ...first, offline: Object.freeze([...first.offline]), recoveries: Object.freeze([...first.recoveries]) }) as unknown as Notice;
  expect(textOf(frozen)).toBe(textOf(second));
  expect(noticeTitle(frozen)).toBe(noticeTitle(second));
  expect(offlineLines.map((l) => l.name)).toEqual(['b', 'a']);
  expect(recoveries.map((l) => l.name)).toEqual(['y', 'x']);
});

test('rule 7 (one notice per destination): a run split into parts that keep only linesToShow gives the same notice as one list', () => {
  // A large run evaluates its hosts in parts (pages handled by child workflows) and each part hands on only the
  // lines a notice can show plus its counts. The notice must not differ from the one made from every line.
  const lineArb = fc.record({ kind: fc.boolean(), name: fc.stringMatching(/^[a-e]{1,3}$/), minutes: fc.integer({ min: 1, max: 3000 }) });
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 12 }), (raw, parts, maxLines) => {
      const all = raw.map((l, i) => (l.kind ? offline(`${l.name}${i}`, l.minutes * MIN) : recovered(`${l.name}${i}`, T - l.minutes * MIN, T - MIN)));
      const offlineAll = all.filter((l): l is OfflineLine => l.kind === 'offline');
      const recoveriesAll = all.filter((l): l is RecoveryLine => l.kind === 'recovered');
      const kept = Array.from({ length: parts }, (_, p) => {
        const mine = (_: unknown, i: number) => i % parts === p;
        return linesToShow(offlineAll.filter(mine), recoveriesAll.filter(mine), maxLines);
      });
      const keptLines = [...kept.flatMap((k) => k.offline), ...kept.flatMap((k) => k.recoveries)].map((l) => routed(l, 0));
      const merged = noticeFor(keptLines, 0, { offline: offlineAll.length, recovered: recoveriesAll.length, conditions: 0, resolved: 0 }, { checkTime: T, timezone: 'UTC', maxLines });
      const whole = notice({ offline: offlineAll, recoveries: recoveriesAll, checkTime: T, timezone: 'UTC', maxLines });
      expect(merged).toEqual(whole);
      expect(noticeTitle(merged)).toBe(noticeTitle(whole));
      expect(textOf(merged)).toBe(textOf(whole));
    }),
    { seed: 20261129, numRuns: 300 },
  );
});

// ---------------------------------------------------------------- rule 7 per destination: routed lines

test('rule 7 (one digest per destination): totalsByDestination counts each destination\'s offline and recovery lines', () => {
  const lines = [
    routed(offline('a', 10 * MIN), 0, 2),
    routed(offline('b', 20 * MIN), 0),
    routed(recovered('c', T - HOUR, T - MIN), 1, 2),
    routed(recovered('d', T - HOUR, T - MIN), 2),
  ];
  expect(totalsByDestination(lines, 4)).toEqual([
    { offline: 2, recovered: 0, conditions: 0, resolved: 0 },
    { offline: 0, recovered: 1, conditions: 0, resolved: 0 },
    { offline: 1, recovered: 2, conditions: 0, resolved: 0 },
    { offline: 0, recovered: 0, conditions: 0, resolved: 0 },
  ]);
  expect(totalsByDestination([], 2)).toEqual([
    { offline: 0, recovered: 0, conditions: 0, resolved: 0 },
    { offline: 0, recovered: 0, conditions: 0, resolved: 0 },
  ]);
});

test('rule 7 (one digest per destination): linesFor gives a destination its lines as its digest shows them, with the totals given', () => {
  const lines = [
    routed(offline('short', 10 * MIN), 0, 1),
    routed(offline('long', 30 * HOUR), 1),
    routed(offline('mid', 2 * HOUR), 0, 1),
    routed(recovered('zeta', T - HOUR, T - MIN), 0),
    routed(recovered('alpha', T - HOUR, T - MIN), 0, 1),
  ];
  const totals = totalsByDestination(lines, 2);
  expect(linesFor(lines, 0, totals[0]!)).toEqual({
    offline: [lines[2]!.line, lines[0]!.line],
    recoveries: [lines[4]!.line, lines[3]!.line],
    offlineTotal: 2,
    recoveryTotal: 2,
    conditionTotal: 0,
    resolvedTotal: 0,
  });
  // recoveries only once every offline line is shown, in what room is left
  expect(linesFor(lines, 0, totals[0]!, 3)).toEqual({ offline: [lines[2]!.line, lines[0]!.line], recoveries: [lines[4]!.line], offlineTotal: 2, recoveryTotal: 2, conditionTotal: 0, resolvedTotal: 0 });
  expect(linesFor(lines, 1, totals[1]!, 2)).toEqual({ offline: [lines[1]!.line, lines[2]!.line], recoveries: [], offlineTotal: 3, recoveryTotal: 1, conditionTotal: 0, resolvedTotal: 0 });
  expect(linesFor(lines, 1, totals[1]!, 4)).toEqual({ offline: [lines[1]!.line, lines[2]!.line, lines[0]!.line], recoveries: [lines[4]!.line], offlineTotal: 3, recoveryTotal: 1, conditionTotal: 0, resolvedTotal: 0 });
  // totals from the whole run (other parts) are passed through as given; offline lines elsewhere hold recoveries back
  expect(linesFor(lines, 1, { offline: 900, recovered: 7, conditions: 0, resolved: 0 }, 4)).toEqual({ offline: [lines[1]!.line, lines[2]!.line, lines[0]!.line], recoveries: [], offlineTotal: 900, recoveryTotal: 7, conditionTotal: 0, resolvedTotal: 0 });
  expect(linesFor(lines, 5, { offline: 0, recovered: 0, conditions: 0, resolved: 0 })).toEqual({ offline: [], recoveries: [], offlineTotal: 0, recoveryTotal: 0, conditionTotal: 0, resolvedTotal: 0 });
});

test('rule 7 (one digest per destination): routedLinesToShow keeps the union of each destination\'s top lines, each once with all its destinations', () => {
  // maxLines 2. Destination 0's top two offline lines: h5, h4. Destination 1's: h3, h2 (it does not get h5, h4).
  const lines = [
    routed(offline('h1', 1 * MIN), 0, 1), // nobody's top two
    routed(offline('h2', 2 * MIN), 0, 1), // destination 1's top two
    routed(offline('h3', 3 * MIN), 0, 1), // destination 1's top two
    routed(offline('h4', 4 * MIN), 0), // destination 0's top two
    routed(offline('h5', 5 * MIN), 0, 2), // destination 0's and 2's
    routed(recovered('r-b', T - HOUR, T - MIN), 0, 1),
    routed(recovered('r-a', T - HOUR, T - MIN), 1),
    routed(recovered('r-c', T - HOUR, T - MIN), 1),
  ];
  const kept = routedLinesToShow(lines, 3, 2);
  // the original RoutedLine objects, in their order, each once, with their full destination lists
  expect(kept).toEqual([lines[1], lines[2], lines[3], lines[4], lines[5], lines[6]]);
  for (const k of kept) expect(lines).toContain(k);
  expect(new Set(kept).size).toBe(kept.length);
  // everything fits: nothing is dropped
  expect(routedLinesToShow(lines, 3)).toEqual(lines);
  expect(routedLinesToShow([], 3)).toEqual([]);
});

/**
 * Oracle for the property below: the notice a destination gets from all of its lines, written out from rule 7
 * without linesFor: the most severe offline lines (longest first, then by name), at most `maxLines` lines, and
 * recoveries by name only once every offline line is shown, in the room left.
 */
function expectedNotice(d: number, offlineAll: readonly OfflineLine[], recoveriesAll: readonly RecoveryLine[], maxLines: number): Notice {
  const name = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const offline = [...offlineAll].sort((a, b) => b.offlineMs - a.offlineMs || name(a, b)).slice(0, maxLines);
  const recoveries = offline.length === offlineAll.length ? [...recoveriesAll].sort(name).slice(0, maxLines - offline.length) : [];
  return { id: `test.d${d}`, run: 'test', checkTime: T, timezone: 'UTC', offline, recoveries, offlineTotal: offlineAll.length, recoveryTotal: recoveriesAll.length, conditionTotal: 0, resolvedTotal: 0 };
}

test('rule 7 (one digest per destination): a run split into parts that hand on routedLinesToShow and totals gives every destination the digest of all its lines', () => {
  const lineArb = fc.record({
    kind: fc.boolean(),
    name: fc.stringMatching(/^[a-e]{1,3}$/),
    minutes: fc.integer({ min: 1, max: 3000 }),
    to: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }).map((t) => [...t].sort((a, b) => a - b)),
  });
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 12 }), (raw, parts, maxLines) => {
      const n = 4;
      const all = raw.map((l, i) =>
        routed(l.kind ? offline(`${l.name}${i}`, l.minutes * MIN) : recovered(`${l.name}${i}`, T - l.minutes * MIN, T - MIN), ...l.to),
      );
      const handed = Array.from({ length: parts }, (_, p) => {
        const mine = all.filter((_, i) => i % parts === p);
        return { totals: totalsByDestination(mine, n), lines: routedLinesToShow(mine, n, maxLines) };
      });
      const merged = handed.flatMap((h) => h.lines);
      const totals = Array.from({ length: n }, (_, d) => ({
        offline: handed.reduce((sum, h) => sum + h.totals[d]!.offline, 0),
        recovered: handed.reduce((sum, h) => sum + h.totals[d]!.recovered, 0),
        conditions: 0,
        resolved: 0,
      }));
      expect(totals).toEqual(totalsByDestination(all, n));
      for (let d = 0; d < n; d++) {
        const mine = all.filter((l) => l.to.includes(d)).map((l) => l.line);
        const expected = expectedNotice(
          d,
          mine.filter((l): l is OfflineLine => l.kind === 'offline'),
          mine.filter((l): l is RecoveryLine => l.kind === 'recovered'),
          maxLines,
        );
        const got = noticeFor(merged, d, totals[d]!, { checkTime: T, timezone: 'UTC', maxLines });
        expect(got).toEqual(expected);
        expect(noticeTitle(got)).toBe(noticeTitle(expected));
        expect(textOf(got)).toBe(textOf(expected));
      }
    }),
    { seed: 20261201, numRuns: 300 },
  );
});
