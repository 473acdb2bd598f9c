import { formatDuration, formatLocalTime } from './local-time.js';
import type { OfflineLine, RecoveryLine } from './types.js';

/** Lines listed in one message before the rest are summarised as "and N more". */
export const DEFAULT_MAX_LINES = 200;

export interface DigestInput {
  offline: readonly OfflineLine[];
  recoveries: readonly RecoveryLine[];
  checkTime: number;
  timezone: string;
  maxLines?: number;
}

export interface Digest {
  subject: string;
  text: string;
  /** Lines written out in `text` (the rest are counted in its last line). */
  listed: number;
}

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

/** Rule 7: one message for every line of a run, most severe first, long lists cut with "and N more". */
export function formatDigest(input: DigestInput): Digest {
  const { checkTime, timezone } = input;
  const maxLines = input.maxLines ?? DEFAULT_MAX_LINES;
  const offline = [...input.offline].sort(bySeverity);
  const recoveries = [...input.recoveries].sort(byName);
  const all = [...offline.map((l) => offlineText(l, timezone)), ...recoveries.map((l) => recoveryText(l, timezone))];
  const shown = all.slice(0, maxLines);
  const rest = all.length - shown.length;

  const text = [
    `hostwatch check at ${formatLocalTime(checkTime, timezone)} (${timezone})`,
    '',
    ...shown,
    ...(rest > 0 ? [`... and ${rest} more`] : []),
    '',
    `${plural(offline.length, 'host')} offline, ${recoveries.length} back online.`,
    '',
  ].join('\n');
  return { subject: subjectFor(offline.length, recoveries.length, checkTime, timezone), text, listed: shown.length };
}
