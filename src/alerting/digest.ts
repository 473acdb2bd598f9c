import { formatDuration, formatLocalTime } from './local-time.js';
import type { OfflineLine, RecoveryLine, RoutedLine } from './types.js';

/** Lines listed in one message before the rest are summarised as "and N more". */
export const DEFAULT_MAX_LINES = 200;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Most severe first: longest offline, then name, so equal inputs always give the same order. */
export function bySeverity(a: OfflineLine, b: OfflineLine): number {
  return b.offlineMs - a.offlineMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function byName(a: RecoveryLine, b: RecoveryLine): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function subjectFor(offline: number, recovered: number, checkTime: number, timezone: string): string {
  const counts: string[] = [];
  if (offline > 0) counts.push(`${plural(offline, 'host')} offline`);
  if (recovered > 0) counts.push(`${recovered} back online`);
  return `[hostwatch] ${counts.join(', ')} at ${formatLocalTime(checkTime, timezone, false)} (${timezone})`;
}

export function offlineText(line: OfflineLine, timezone: string): string {
  return `OFFLINE  ${line.name}: offline ${formatDuration(line.offlineMs)}, last report ${formatLocalTime(line.lastReportAt, timezone)}`;
}

export function recoveryText(line: RecoveryLine, timezone: string): string {
  return (
    `BACK     ${line.name}: back online after ${formatDuration(line.goneMs)}, ` +
    `silent since ${formatLocalTime(line.wentSilentAt, timezone)}, seen again ${formatLocalTime(line.seenAgainAt, timezone)}`
  );
}

/**
 * The lines a digest of at most `maxLines` lines can show out of these: the most severe offline lines and the
 * first recoveries by name. The lines a digest shows from several parts of a run are among the lines each part
 * keeps, so a part can hand on just these (and its counts) instead of every line.
 */
export function linesToShow(
  offline: readonly OfflineLine[],
  recoveries: readonly RecoveryLine[],
  maxLines = DEFAULT_MAX_LINES,
): { offline: OfflineLine[]; recoveries: RecoveryLine[] } {
  return { offline: [...offline].sort(bySeverity).slice(0, maxLines), recoveries: [...recoveries].sort(byName).slice(0, maxLines) };
}

/** A destination's share of a run: its lines (only those a digest can show) and its totals. */
export interface DestinationLines {
  offline: OfflineLine[];
  recoveries: RecoveryLine[];
  offlineTotal: number;
  recoveryTotal: number;
}

/** Offline and recovery lines going to each of `count` destinations. */
export function totalsByDestination(lines: readonly RoutedLine[], count: number): { offline: number; recovered: number }[] {
  const totals = Array.from({ length: count }, () => ({ offline: 0, recovered: 0 }));
  for (const { line, to } of lines) for (const d of to) totals[d]![line.kind === 'offline' ? 'offline' : 'recovered']++;
  return totals;
}

/**
 * The lines any destination's digest can show (each destination's most severe offline lines and first recoveries,
 * see {@link linesToShow}), each once with the destinations it goes to: what a slice of a large run hands on.
 */
export function routedLinesToShow(lines: readonly RoutedLine[], count: number, maxLines = DEFAULT_MAX_LINES): RoutedLine[] {
  const keep = new Set<RoutedLine>();
  for (let d = 0; d < count; d++) {
    const mine = lines.filter((l) => l.to.includes(d));
    const shown = linesToShow(
      mine.flatMap((l) => (l.line.kind === 'offline' ? [l.line] : [])),
      mine.flatMap((l) => (l.line.kind === 'recovered' ? [l.line] : [])),
      maxLines,
    );
    const wanted = new Set<unknown>([...shown.offline, ...shown.recoveries]);
    for (const l of mine) if (wanted.has(l.line)) keep.add(l);
  }
  return lines.filter((l) => keep.has(l));
}

/**
 * Destination `d`'s lines as its digest shows them, with its totals (`totals` from all parts of the run): at most
 * `maxLines` lines, the most severe offline lines first; recoveries only once every offline line is shown.
 */
export function linesFor(lines: readonly RoutedLine[], d: number, totals: { offline: number; recovered: number }, maxLines = DEFAULT_MAX_LINES): DestinationLines {
  const mine = lines.filter((l) => l.to.includes(d));
  const shown = linesToShow(
    mine.flatMap((l) => (l.line.kind === 'offline' ? [l.line] : [])),
    mine.flatMap((l) => (l.line.kind === 'recovered' ? [l.line] : [])),
    maxLines,
  );
  const recoveries = shown.offline.length === totals.offline ? shown.recoveries.slice(0, maxLines - shown.offline.length) : [];
  return { offline: shown.offline, recoveries, offlineTotal: totals.offline, recoveryTotal: totals.recovered };
}
