/**
 * The notification log's write (issue 13 point 3): after its deliveries, the check hands over each notice it tried
 * to deliver with whether the destination accepted it; each becomes one `notice_log` entry, its lines worded as
 * its default text words them, in its locale (src/channels/format.ts).
 */
import type { Destination } from '../alerting/types.js';
import { carriedLines, lineText, uncarriedLines } from '../channels/format.js';
import type { Notice } from '../channels/types.js';
import type { NoticeLogEntry } from '../history/types.js';
import type { NoticeLogStore } from '../store/notice-log-store.js';
import { logInfo } from './context.js';

/** One notice of a run as the check tried to deliver it. */
export interface TriedNotice {
  /** The destination's key, label and kind: none of them holds a secret (delivery.ts). */
  destination: Pick<Destination, 'key' | 'label' | 'kind'>;
  /** The notice as delivered: its lines are those the digest carried (already capped), its totals the run's. */
  notice: Notice;
  accepted: boolean;
  /** Why it was not accepted: the run failure's text for it (secret-free). */
  error?: string;
}

export interface NoticeLogDeps {
  notices: Pick<NoticeLogStore, 'record' | 'ensureIndexes'>;
}

/**
 * The log entry of a tried notice: its lines as its default text words them, in the notice's locale (a channel
 * template's rendering, which may leave lines out, is not what the log keeps).
 */
export function noticeLogEntry(t: TriedNotice): NoticeLogEntry {
  const n = t.notice;
  const lines = carriedLines(n).map((l) => ({ host: l.name, kind: l.kind, text: lineText(l, n.timezone, n.locale) }));
  return {
    id: n.id,
    run: n.run,
    checkTime: new Date(n.checkTime),
    destination: { key: t.destination.key, label: t.destination.label, kind: t.destination.kind },
    accepted: t.accepted,
    ...(!t.accepted && { error: t.error ?? 'not accepted' }),
    hosts: [...new Set(lines.map((l) => l.host))],
    lines,
    more: uncarriedLines(n),
  };
}

export function createNoticeLogActivities(deps: NoticeLogDeps) {
  // Indexes once per worker process, on the first write (a failed attempt tries again on the next).
  let indexes: Promise<void> | undefined;
  const ensureIndexes = () =>
    (indexes ??= deps.notices.ensureIndexes().catch((err: unknown) => {
      indexes = undefined;
      throw err;
    }));

  return {
    /** Writes one log entry per tried notice; written again by a retry, never twice (the notice id is the `_id`). */
    async recordNoticeLog(req: { entries: TriedNotice[] }): Promise<{ recorded: number }> {
      await ensureIndexes();
      const entries = req.entries.map(noticeLogEntry);
      await deps.notices.record(entries);
      logInfo('Notice log recorded', { entries: entries.length, accepted: entries.filter((e) => e.accepted).length });
      return { recorded: entries.length };
    },
  };
}
