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

/** The UTC offset of `timezone` at `instant` in minutes (east positive), from the wall-clock parts. */
export function utcOffsetMinutes(instant: number, timezone: string): number {
  const p = parts(instant, timezone);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** `+01:00`, `-03:30`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS +01:00` in `timezone`: with its UTC offset, so the hour repeated when summer time ends reads
 * differently the second time (ALERTING.md rule 7).
 */
export function formatLocalTime(instant: number, timezone: string, withSeconds = true): string {
  const p = parts(instant, timezone);
  const time = withSeconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time} ${formatOffset(utcOffsetMinutes(instant, timezone))}`;
}

/** "61 minutes" below two hours, then "26 h 1 min" (ALERTING.md's worked example). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
