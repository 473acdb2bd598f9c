/**
 * The text of a notice, shared by every kind: a title with the counts and local time, one line per host, and the
 * cut to a vendor's size limit with "... and N more" (done here once, so every kind cuts the same way); the
 * escaping of host names for the markups several kinds send (HTML, markdown). The words are the notice's locale's
 * (src/messages/text.ts); a channel template's rendering (`Notice.custom`) replaces the title, or the lines and the
 * closing line, and is cut like them.
 */
import { bySeverity } from '../alerting/digest.js';
import type { DigestLine } from '../alerting/types.js';
import { messagesFor } from '../messages/text.js';
import type { Notice } from './types.js';

export type NoticeLine = DigestLine;

/** Whether a channel template's body replaces the notice's lines and closing line. */
const hasCustomBody = (n: Notice): boolean => n.custom?.body !== undefined;

/** The title: `[hostwatch] 2 hosts offline, 1 back online at 2026-11-23 05:00 +01:00 (Europe/Berlin)` (or the template's). */
export function noticeTitle(n: Notice): string {
  if (n.custom?.title !== undefined) return n.custom.title;
  const m = messagesFor(n.locale);
  return n.test ? m.testTitle(n.checkTime, n.timezone) : m.title(n, n.checkTime, n.timezone);
}

/** Every line the notice carries, in the order they are shown: offline (most severe first), then recoveries. */
export function carriedLines(n: Notice): NoticeLine[] {
  return [...[...n.offline].sort(bySeverity), ...n.recoveries];
}

/** The lines a kind shows: {@link carriedLines}, none when a template's body takes their place. */
export function noticeLines(n: Notice): NoticeLine[] {
  return hasCustomBody(n) ? [] : carriedLines(n);
}

/** The word a line starts with, in `locale`: `OFFLINE`, `BACK`, `DISK`, `RESOLVED`, `REBOOT` (`离线`, `恢复`...). */
export function lineLabel(line: NoticeLine, locale?: string): string {
  return messagesFor(locale).label(line);
}

/**
 * A line as plain text in `locale`; a step line with an acknowledge link (`ackUrl`, added by the delivery activity
 * when PUBLIC_URL is set) has it on the next line: `  acknowledge: https://.../ack/<token>`.
 */
export function lineText(line: NoticeLine, timezone: string, locale?: string): string {
  const m = messagesFor(locale);
  const text = m.line(line, timezone);
  const url = (line as { ackUrl?: unknown }).ackUrl;
  return typeof url === 'string' ? `${text}\n  ${m.ack(url)}` : text;
}

/** Lines of the run the notice does not carry at all (a large run hands each destination only the first ones). */
export function uncarriedLines(n: Notice): number {
  return Math.max(0, n.offlineTotal + n.recoveryTotal - n.offline.length - n.recoveries.length);
}

/** Lines of the run a kind counts in "... and N more" beyond those it lists (none under a template's body). */
export function missingLines(n: Notice): number {
  return hasCustomBody(n) ? 0 : uncarriedLines(n);
}

/** Whether the notice tells of anything that holds (offline, a metric rule, a reboot), not only of ends. */
export function isAlarm(n: Notice): boolean {
  return !n.test && n.offlineTotal > 0;
}

/**
 * The closing line: `2 hosts offline, 1 back online.`, with `1 alert, 1 resolved` for metric rules (or the test
 * notice's sentence); a template's body when the channel has one (it stands for the lines and this line).
 */
export function noticeFooter(n: Notice): string {
  if (hasCustomBody(n)) return n.custom!.body!;
  const m = messagesFor(n.locale);
  return n.test ? m.testFooter() : m.footer(n);
}

/** A host name is shown with at most this many bytes by the chat kinds, so one line always fits a message part. */
export const NAME_LIMIT = 100;

/** "... and 12 more" (`……另有 12 条`). */
export function moreText(count: number, locale?: string): string {
  return messagesFor(locale).more(count);
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
  let used = 0;
  let end = 0;
  for (const ch of s) {
    const b = utf8Bytes(ch);
    if (used + b + 3 > bytes) break;
    used += b;
    end += ch.length;
  }
  return `${s.slice(0, end)}…`;
}

/** Bytes of `s` inside a JSON string (quotes, backslashes and control characters escaped). */
export const jsonStringBytes = (s: string): number => utf8Bytes(JSON.stringify(s)) - 2;

/**
 * `escape(s)` in at most `bytes` (UTF-8 bytes, or as `measure` counts them: {@link jsonStringBytes} inside JSON):
 * `s` cut (whole characters, "…") until its escaped form fits, so an entity is never cut in half. For text a kind
 * sends whole whatever its length, such as a template's body.
 */
export function cutEscaped(s: string, bytes: number, escape: (s: string) => string = (x) => x, measure: (s: string) => number = utf8Bytes): string {
  let room = bytes;
  for (;;) {
    if (room < 3) return '';
    const out = escape(cutText(s, room));
    const size = measure(out);
    if (size <= bytes) return out;
    // Escapes may grow the text several times over: shrink in proportion.
    room = Math.min(room - 1, Math.floor((room * bytes) / size));
  }
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
export function markdownListItem(line: NoticeLine, timezone: string, locale?: string): string {
  return `- **${lineLabel(line, locale)}** ${lineBody(lineText(escapeNames(line, markdownEscape), timezone, locale))}`;
}

/**
 * The notice as markdown (dingtalk, serverchan, pushplus): `head` and a blank line when given, one list item per
 * host (the last `- ... and N more` when cut), a blank line and the totals (or a template's body, cut to fit); at
 * most `limit` bytes.
 */
export function fitMarkdownList(n: Notice, limit: number, head?: string): string {
  const top = head === undefined ? [] : [head, ''];
  const size = (s: string) => utf8Bytes(s) + 1;
  const overhead = top.reduce((sum, s) => sum + size(s), 0);
  const footer = cutText(noticeFooter(n), limit - overhead);
  const items = fitItems(
    noticeLines(n).map((l) => markdownListItem(l, n.timezone, n.locale)),
    { limit, overhead: overhead + utf8Bytes(footer) + 1, size, more: (k) => `- ${moreText(k, n.locale)}`, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) },
  );
  return [...top, ...items, ...(items.length ? [''] : []), footer].join('\n');
}

/**
 * The whole notice as text lines (title excluded), cut to `limit` bytes when joined with `\n`: the plain form most
 * kinds send, or the base of a markdown one (`render` changes how each host line looks, `escape` the closing line or
 * a template's body, which is cut to fit).
 */
export function fitText(
  n: Notice,
  limit: number,
  render: (line: NoticeLine) => string = (l) => lineText(l, n.timezone, n.locale),
  overhead = 0,
  escape?: (s: string) => string,
): string {
  const footer = cutEscaped(noticeFooter(n), limit - overhead, escape);
  const lines = noticeLines(n).map(render);
  const size = (s: string) => utf8Bytes(s) + 1;
  const more = (count: number) => moreText(count, n.locale);
  const body = fitItems(lines, { limit, overhead: overhead + size(footer) + 1, size, more, alsoMissing: missingLines(n), cut: (s, room) => cutText(s, room - 1) });
  return [...body, ...(body.length ? [''] : []), footer].join('\n');
}
