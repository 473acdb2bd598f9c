/**
 * A run's lines per destination, pure (workflow code uses it): their order (most severe first), the totals, and which
 * lines a digest of at most so many lines shows. The words of a notice are src/messages/text.ts's, outside workflows.
 */
import { isEndLine, type AlertLine, type DigestLine, type EndLine, type LineTotals, type RoutedLine } from './types.js';

/** Lines listed in one message before the rest are summarised as "and N more". */
export const DEFAULT_MAX_LINES = 200;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const SEVERITY: Record<AlertLine['kind'], number> = { offline: 0, metric: 1, reboot: 2 };

/** How long an alert line's condition has held (a reboot: not at all). */
function heldMs(line: AlertLine): number {
  return line.kind === 'offline' ? line.offlineMs : line.kind === 'metric' ? line.heldMs : 0;
}

/** What a metric line is about besides its host: the mount, the rule, so equal hosts order the same way. */
function detail(line: DigestLine): string {
  return line.kind === 'metric' || line.kind === 'resolved' ? `${line.item}\u0000${line.rule}` : line.kind === 'reboot' ? line.rule : '';
}

/** Most severe first: offline, then metric rules, then reboots; longest held first; then name, so equal inputs always give the same order. */
export function bySeverity(a: AlertLine, b: AlertLine): number {
  return SEVERITY[a.kind] - SEVERITY[b.kind] || heldMs(b) - heldMs(a) || compare(a.name, b.name) || compare(detail(a), detail(b));
}

function byName(a: EndLine, b: EndLine): number {
  return compare(a.name, b.name) || compare(a.kind, b.kind) || compare(detail(a), detail(b));
}

/**
 * The lines a digest of at most `maxLines` lines can show out of these: the most severe offline lines and the
 * first recoveries by name. The lines a digest shows from several parts of a run are among the lines each part
 * keeps, so a part can hand on just these (and its counts) instead of every line.
 */
export function linesToShow(
  offline: readonly AlertLine[],
  recoveries: readonly EndLine[],
  maxLines = DEFAULT_MAX_LINES,
): { offline: AlertLine[]; recoveries: EndLine[] } {
  return { offline: [...offline].sort(bySeverity).slice(0, maxLines), recoveries: [...recoveries].sort(byName).slice(0, maxLines) };
}

/**
 * A destination's share of a run: its lines (only those a digest can show) and its totals. `offline` holds the lines
 * of every condition that holds (offline, metric rules, reboots), `recoveries` those that ended; the totals count
 * them, and `conditionTotal`/`resolvedTotal` how many of them are metric rules and reboots.
 */
export interface DestinationLines {
  offline: AlertLine[];
  recoveries: EndLine[];
  offlineTotal: number;
  recoveryTotal: number;
  conditionTotal: number;
  resolvedTotal: number;
}

export function emptyTotals(): LineTotals {
  return { offline: 0, recovered: 0, conditions: 0, resolved: 0 };
}

/** Adds `b` into `a`. */
export function addTotals(a: LineTotals, b: LineTotals): void {
  a.offline += b.offline;
  a.recovered += b.recovered;
  a.conditions += b.conditions;
  a.resolved += b.resolved;
}

/** Lines going to each of `count` destinations. */
export function totalsByDestination(lines: readonly RoutedLine[], count: number): LineTotals[] {
  const totals = Array.from({ length: count }, emptyTotals);
  for (const { line, to } of lines) {
    for (const d of to) {
      const t = totals[d]!;
      if (isEndLine(line)) t.recovered++;
      else t.offline++;
      if (line.kind === 'metric' || line.kind === 'reboot') t.conditions++;
      if (line.kind === 'resolved') t.resolved++;
    }
  }
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
    const shown = split(mine, maxLines);
    const wanted = new Set<unknown>([...shown.offline, ...shown.recoveries]);
    for (const l of mine) if (wanted.has(l.line)) keep.add(l);
  }
  return lines.filter((l) => keep.has(l));
}

/**
 * Destination `d`'s lines as its digest shows them, with its totals (`totals` from all parts of the run): at most
 * `maxLines` lines, the most severe offline lines first; recoveries only once every offline line is shown.
 */
export function linesFor(lines: readonly RoutedLine[], d: number, totals: LineTotals, maxLines = DEFAULT_MAX_LINES): DestinationLines {
  const shown = split(lines.filter((l) => l.to.includes(d)), maxLines);
  const recoveries = shown.offline.length === totals.offline ? shown.recoveries.slice(0, maxLines - shown.offline.length) : [];
  return { offline: shown.offline, recoveries, offlineTotal: totals.offline, recoveryTotal: totals.recovered, conditionTotal: totals.conditions, resolvedTotal: totals.resolved };
}

/** {@link linesToShow} of routed lines. */
function split(mine: readonly RoutedLine[], maxLines: number): { offline: AlertLine[]; recoveries: EndLine[] } {
  return linesToShow(
    mine.flatMap((l) => (isEndLine(l.line) ? [] : [l.line])),
    mine.flatMap((l) => (isEndLine(l.line) ? [l.line] : [])),
    maxLines,
  );
}
