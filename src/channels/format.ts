/**
 * The text of a notice, shared by every kind: a title with the counts and local time, one line per host, and the
 * cut to a vendor's size limit with "... and N more" (done here once, so every kind cuts the same way); the
 * escaping of host names for the markups several kinds send (HTML, markdown).
 */
import { bySeverity, digestLineText, lineLabel, subjectFor } from '../alerting/digest.js';
import { formatLocalTime } from '../alerting/local-time.js';
import type { DigestLine } from '../alerting/types.js';
import type { Notice } from './types.js';

export type NoticeLine = DigestLine;
export { lineLabel };

/** The title: `[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)`. */
export function noticeTitle(n: Notice): string {
  if (n.test) return `[hostwatch] test notice at ${formatLocalTime(n.checkTime, n.timezone, false)} (${n.timezone})`;
  return subjectFor(n.offlineTotal, n.recoveryTotal, n.checkTime, n.timezone, n.conditionTotal ?? 0, n.resolvedTotal ?? 0);
}

/** The lines in the order they are shown: offline (most severe first), then recoveries. */
export function noticeLines(n: Notice): NoticeLine[] {
  return [...[...n.offline].sort(bySeverity), ...n.recoveries];
}

/**
 * A line as plain text (the digest's own wording); a step line with an acknowledge link (`ackUrl`, added by the
 * delivery activity when PUBLIC_URL is set) has it on the next line: `  acknowledge: https://.../ack/<token>`.
 */
export function lineText(line: NoticeLine, timezone: string): string {
  const text = digestLineText(line, timezone);
  const url = (line as { ackUrl?: unknown }).ackUrl;
  return typeof url === 'string' ? `${text}\n  acknowledge: ${url}` : text;
}

/** Lines of the run not in the notice at all (a large run hands each destination only the first ones). */
export function missingLines(n: Notice): number {
  return Math.max(0, n.offlineTotal + n.recoveryTotal - n.offline.length - n.recoveries.length);
}

/** Whether the notice tells of anything that holds (offline, a metric rule, a reboot), not only of ends. */
export function isAlarm(n: Notice): boolean {
  return !n.test && n.offlineTotal > 0;
}

/** The closing line: `2 hosts offline, 1 back online.`, with `1 alert, 1 resolved` for metric rules (or the test notice's sentence). */
export function noticeFooter(n: Notice): string {
  if (n.test) return 'This is a test notice from hostwatch: this destination is set up correctly.';
  const conditions = n.conditionTotal ?? 0;
  const resolved = n.resolvedTotal ?? 0;
  const offline = n.offlineTotal - conditions;
  const parts = [`${offline} host${offline === 1 ? '' : 's'} offline`];
  if (conditions > 0) parts.push(`${conditions} alert${conditions === 1 ? '' : 's'}`);
  parts.push(`${n.recoveryTotal - resolved} back online`);
  if (resolved > 0) parts.push(`${resolved} resolved`);
  return `${parts.join(', ')}.`;
}

/** A host name is shown with at most this many bytes by the chat kinds, so one line always fits a message part. */
export const NAME_LIMIT = 100;

/** "... and 12 more". */
export function moreText(count: number): string {
  return `... and ${count} more`;
}

/**
 * Fits rendered items into `limit` (measured by `size`, UTF-8 bytes by default): as many leading items as fit with
 * the fixed parts (`overhead`), then a `more(count)` item for the rest (counting `alsoMissing` lines that were
 * never rendered). Returns the items to send, in order; an item that does not fit on its own is cut.
 */
export function fitItems<T>(
  items: readonly T[],
  opts: { limit: number; overhead: number; size: (item: T) => number; more: (count: number) => T; alsoMissing?: number; cut?: (item: T, room: number) => T },
): T[] {
  const missing = opts.alsoMissing ?? 0;
  const out: T[] = [];
  let used = opts.overhead;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const rest = items.length - i - 1 + missing;
    const reserve = rest > 0 ? opts.size(opts.more(rest + 1)) : 0;
    if (used + opts.size(item) + reserve <= opts.limit) {
      out.push(item);
      used += opts.size(item);
      continue;
    }
    if (out.length === 0 && opts.cut) {
      // Not even the first line fits: show what of it does rather than nothing.
      const room = opts.limit - used - opts.size(opts.more(items.length - 1 + missing));
      if (room > 0) out.push(opts.cut(item, room));
      i++;
    }
    const left = items.length - i + missing;
    if (left > 0) out.push(opts.more(left));
    return out;
  }
  if (missing > 0) out.push(opts.more(missing));
  return out;
}

export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character, ending with "…" when cut. */
export function cutText(s: string, bytes: number): string {
  if (utf8Bytes(s) <= bytes) return s;
  let out = '';
  for (const ch of s) {
    if (utf8Bytes(out + ch) + 3 > bytes) break;
    out += ch;
  }
  return `${out}…`;
}

/** At most `max` characters (code points), ending with "…" when cut (a vendor limit counted in characters). */
export function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** `&`, `<` and `>` as HTML entities (Telegram's and Matrix's HTML; Slack's three control characters are the same). */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Host names are user input: a backslash before every character markdown may read as emphasis, code, a link or HTML. */
export function markdownEscape(s: string): string {
  return s.replace(/[\\`*_[\]<>~|]/g, (c) => `\\${c}`);
}

/** A line's text without its leading label (`web-1: offline 12 minutes, ...`), for kinds that show the label apart. */
export function lineBody(text: string): string {
  return text.replace(/^\S+\s+/, '');
}

/** The line with the parts that are user input, its host name and a disk's mount, passed through `f` (an escape). */
export function escapeNames(line: NoticeLine, f: (s: string) => string): NoticeLine {
  return { ...line, name: f(line.name), ...('item' in line && { item: f(line.item) }) } as NoticeLine;
}

/** A line as a markdown list item: `- **OFFLINE** web-1: ...`, the host name (and a disk's mount) escaped. */
export function markdownListItem(line: NoticeLine, timezone: string): string {
  return `- **${lineLabel(line)}** ${lineBody(lineText(escapeNames(line, markdownEscape), timezone))}`;
}

/**
 * The notice as markdown (dingtalk, serverchan, pushplus): `head` and a blank line when given, one list item per
 * host (the last `- ... and N more` when cut), a blank line and the totals; at most `limit` bytes.
 */
export function fitMarkdownList(n: Notice, limit: number, head?: string): string {
  const top = head === undefined ? [] : [head, ''];
  const footer = noticeFooter(n);
  const size = (s: string) => utf8Bytes(s) + 1;
  const items = fitItems(
    noticeLines(n).map((l) => markdownListItem(l, n.timezone)),
    { limit, overhead: top.reduce((sum, s) => sum + size(s), 0) + utf8Bytes(footer) + 1, size, more: (k) => `- ${moreText(k)}`, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) },
  );
  return [...top, ...items, ...(items.length ? [''] : []), footer].join('\n');
}

/**
 * The whole notice as text lines (title excluded), cut to `limit` bytes when joined with `\n`: the plain form most
 * kinds send, or the base of a markdown one (`render` changes how each host line looks).
 */
export function fitText(n: Notice, limit: number, render: (line: NoticeLine) => string = (l) => lineText(l, n.timezone), overhead = 0): string {
  const footer = noticeFooter(n);
  const lines = noticeLines(n).map(render);
  const size = (s: string) => utf8Bytes(s) + 1;
  const body = fitItems(lines, { limit, overhead: overhead + size(footer) + 1, size, more: moreText, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) });
  return [...body, ...(body.length ? [''] : []), footer].join('\n');
}
