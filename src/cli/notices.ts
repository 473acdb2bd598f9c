/** `hostwatch notices list`: the notification log (docs/history.md "Notification log"), newest first. */
import { Command } from 'commander';
import { formatLocalTime } from '../alerting/local-time.js';
import type { Config } from '../config.js';
import type { NoticeLogEntry } from '../history/types.js';
import { InvalidNoticeQueryError, MAX_NOTICE_LIMIT, NoticeLogStore, type NoticeLogQuery } from '../store/notice-log-store.js';
import { withStore } from './database.js';
import { validateHostName } from './hosts.js';
import { parseDuration, usageExitCodes, UsageError } from './parse.js';

/** Entries `notices list` prints when no `--limit` is given. */
export const DEFAULT_LIST_LIMIT = 50;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const DURATION = /^\d+\s*[smhd]$/;

/** `--since`: an ISO time (`2026-11-23T10:00:00Z`, `2026-11-23`) or a duration back from `now` (`24h`, `7d`). */
export function parseSince(text: string, now: number): Date {
  const t = text.trim();
  if (DURATION.test(t)) return new Date(now - parseDuration(t, '--since'));
  const at = ISO_TIME.test(t) ? new Date(t) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw new UsageError(`--since must be an ISO time like 2026-11-23T10:00:00Z or a duration like 24h or 7d, got "${text}"`);
  return at;
}

/** `--limit`: a whole number from 1 to {@link MAX_NOTICE_LIMIT}. */
export function parseLimit(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_NOTICE_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_NOTICE_LIMIT}, got "${text}"`);
  return n;
}

interface ListFlags {
  host?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

/** The store query the flags ask for, checked before any connection. */
export function queryFromFlags(flags: ListFlags, now: number): NoticeLogQuery {
  if (flags.host !== undefined) {
    try {
      validateHostName(flags.host);
    } catch (err) {
      throw new UsageError(`--host: ${(err as Error).message}`);
    }
  }
  return {
    ...(flags.host !== undefined && { host: flags.host }),
    ...(flags.since !== undefined && { since: parseSince(flags.since, now) }),
    limit: flags.limit !== undefined ? parseLimit(flags.limit) : DEFAULT_LIST_LIMIT,
  };
}

/** One line of text, at most `max` characters (a receiver's answer may be long or span lines). */
function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ');
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

function hostsText(hosts: readonly string[]): string {
  if (hosts.length === 0) return '-';
  return hosts.length <= 3 ? hosts.join(',') : `${hosts.slice(0, 3).join(',')} +${hosts.length - 3}`;
}

function firstLine(e: NoticeLogEntry): string {
  const first = e.lines[0];
  if (!first) return '-';
  const rest = e.lines.length - 1 + e.more;
  return `${oneLine(first.text, 120)}${rest > 0 ? ` (+${rest} more)` : ''}`;
}

/** The `notices list` table: times in `timezone` with their offset; RESULT says why a refused one was refused. */
export function formatNoticeTable(entries: readonly NoticeLogEntry[], timezone: string, q: NoticeLogQuery = {}): string {
  if (entries.length === 0) {
    const filters = [q.host !== undefined && `host ${q.host}`, q.since !== undefined && `since ${formatLocalTime(q.since.getTime(), timezone)}`].filter(Boolean);
    return filters.length > 0 ? `no notices logged for ${filters.join(', ')}` : 'no notices logged yet; the check logs each digest it sends (see docs/history.md)';
  }
  const header = [`TIME (${timezone})`, 'DESTINATION', 'RESULT', 'HOSTS', 'FIRST LINE'];
  const rows = entries.map((e) => [
    formatLocalTime(e.checkTime.getTime(), timezone),
    e.destination.label,
    e.accepted ? 'accepted' : `failed: ${oneLine(e.error ?? 'not accepted', 100)}`,
    hostsText(e.hosts),
    firstLine(e),
  ]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** An entry as `notices list --json` prints it: every field, the check time in ISO 8601 (UTC). */
export function noticeJson(e: NoticeLogEntry) {
  return {
    id: e.id,
    run: e.run,
    checkTime: e.checkTime.toISOString(),
    destination: e.destination,
    accepted: e.accepted,
    error: e.error ?? null,
    hosts: e.hosts,
    lines: e.lines,
    more: e.more,
  };
}

export function noticesCommand(getConfig: () => Readonly<Config>): Command {
  const notices = new Command('notices').description('the notification log: each digest the check sent, to which destination, and whether it was accepted');

  const list = new Command('list')
    .description('show logged notices, newest first: time, destination, accepted or why not, hosts and the first line')
    .option('--host <name>', 'only notices that carried a line about this host')
    .option('--since <time>', 'only notices from this time on: an ISO time (2026-11-23T10:00:00Z) or a duration back from now (24h, 7d)')
    .option('--limit <n>', `at most n notices (default ${DEFAULT_LIST_LIMIT}, at most ${MAX_NOTICE_LIMIT})`)
    .option('--json', 'print a JSON array of full entries (every line, the whole reason) instead of a table')
    .action(async (flags: ListFlags) => {
      const q = queryFromFlags(flags, Date.now());
      const out = await withStore(getConfig, (db) => new NoticeLogStore(db), (err) => err instanceof InvalidNoticeQueryError, async (store, config) => {
        const entries = await store.list(q);
        return flags.json ? JSON.stringify(entries.map(noticeJson), null, 2) : formatNoticeTable(entries, config.timezone, q);
      });
      console.log(out);
    })
    .addHelpText(
      'after',
      [
        '',
        'Times are shown in HOSTWATCH_TIMEZONE. Entries are kept for the notification log\'s retention (docs/history.md).',
        '',
        'Examples:',
        '  hostwatch notices list',
        '  hostwatch notices list --host web-1 --since 7d',
        '  hostwatch notices list --since 2026-11-23T00:00:00Z --limit 200',
        '  hostwatch notices list --host web-1 --json',
      ].join('\n'),
    );

  notices.addCommand(usageExitCodes(list));
  return usageExitCodes(notices);
}
