/**
 * The check's write of the notification log (issue 13 point 3), after its deliveries: one entry per destination
 * that was due, accepted or not. Only the parent run delivers, so only it writes the log.
 */
import { ActivityFailure, isCancellation, log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { TriedNotice } from '../activities/notice-log.js';

/** The change that made checks write the notification log (older histories replay without the activity). */
export const NOTICE_LOG_PATCH = 'notice-log';

/** Lines per log-write activity: whole notices (one carries at most 200 lines), so each input stays small. */
export const NOTICE_LOG_CHUNK_LINES = 1_000;

// The log is a record for people, not state the alerting depends on: a write retries for up to five minutes, then
// the run goes on without it (logged as a warning). A run waiting on it for good would hold every next run of the
// schedule (they never overlap), and a run whose deliveries succeeded must not fail for it.
const noticeLog = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
});

/** Tried notices in groups of whole notices with at most `maxLines` lines (a notice with more goes alone). */
export function noticeLogChunks(tried: readonly TriedNotice[], maxLines = NOTICE_LOG_CHUNK_LINES): TriedNotice[][] {
  const chunks: TriedNotice[][] = [];
  let current: TriedNotice[] = [];
  let lines = 0;
  for (const t of tried) {
    const n = t.notice.offline.length + t.notice.recoveries.length;
    if (current.length > 0 && lines + n > maxLines) {
      chunks.push(current);
      current = [];
      lines = 0;
    }
    current.push(t);
    lines += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Writes the log entries of a run's tried notices, behind {@link NOTICE_LOG_PATCH}: a run started by a release
 * without the log replays without it. Returns how many entries were written; never throws for a failed write.
 */
export async function recordNoticeLog(tried: readonly TriedNotice[]): Promise<number> {
  if (tried.length === 0 || !patched(NOTICE_LOG_PATCH)) return 0;
  let recorded = 0;
  for (const entries of noticeLogChunks(tried)) {
    try {
      recorded += (await noticeLog.recordNoticeLog({ entries })).recorded;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      log.warn('Notice log not written', { entries: entries.length, noticeIds: entries.map((e) => e.notice.id), error: cause instanceof Error ? cause.message : String(cause) });
    }
  }
  return recorded;
}
