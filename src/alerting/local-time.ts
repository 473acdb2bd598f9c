/** Time-zone aware formatting with Intl only, so it runs unchanged inside workflow code. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** True when `timezone` is an IANA zone name this runtime knows. */
export function isValidTimezone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

function parts(instant: number, timezone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(instant))) out[p.type] = p.value;
  return out;
}

/** The local hour (0-23) of `instant` in `timezone`. */
export function localHour(instant: number, timezone: string): number {
  return Number(parts(instant, timezone).hour);
}

/** `YYYY-MM-DD HH:MM:SS` in `timezone`. */
export function formatLocalTime(instant: number, timezone: string, withSeconds = true): string {
  const p = parts(instant, timezone);
  const time = withSeconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time}`;
}

/** "61 minutes" below two hours, then "26 h 1 min" (ALERTING.md's worked example). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
