/**
 * The agent's own clock reading in a report (`time`, issue 14 point 4): a host whose clock runs ahead of the server's
 * is flagged on its document (`clockAheadMs`), shown by `hosts list` and the status page. Report times stay the
 * server's (ALERTING.md "Report time"); this only tells the operator that the machine's clock is off. Pure.
 */

/** A report whose `time` is more than this ahead of the server's receive time flags the host. */
export const CLOCK_AHEAD_LIMIT_MS = 30_000;

/** An ISO 8601 time with a zone, as the agent sends it (`new Date().toISOString()`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * How far the report's `time` is ahead of `receivedAt`, when more than {@link CLOCK_AHEAD_LIMIT_MS}; else undefined.
 * A `time` that is not an ISO 8601 time with a zone is kept in the report as sent and not read: reporters written
 * before the field existed may send their own (validate.ts refuses only what is certainly wrong).
 */
export function clockAheadMs(data: Record<string, unknown>, receivedAt: Date): number | undefined {
  const ms = typeof data.time === 'string' && ISO_TIME.test(data.time) ? Date.parse(data.time) : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  const ahead = ms - receivedAt.getTime();
  return ahead > CLOCK_AHEAD_LIMIT_MS ? ahead : undefined;
}

/** The report write's part for the flag: set it, or unset it if the host had it. */
export function clockAheadUpdate(host: { clockAheadMs?: number }, data: Record<string, unknown>, receivedAt: Date): { set?: { clockAheadMs: number }; unset?: { clockAheadMs: '' } } {
  const ahead = clockAheadMs(data, receivedAt);
  if (ahead !== undefined) return { set: { clockAheadMs: ahead } };
  return host.clockAheadMs !== undefined ? { unset: { clockAheadMs: '' } } : {};
}
