/**
 * Pure parsing of the input fields operations share (host names, tags, durations, times), each refusal an OpError
 * naming the field. `label` is how the message names the field: the management API passes the field (`for`), the CLI
 * its flag (`--for`), so both show the same sentence in their own terms.
 */
import { InvalidTagError, normalizeTags } from '../store/tags.js';
import { invalid } from './errors.js';

/** Host names: 1 to 100 characters of letters, digits, `.`, `_` and `-`. */
export const HOST_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** The host name, or OpError `invalid` on `field`. */
export function checkHostName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !HOST_NAME_PATTERN.test(name)) {
    throw invalid(field, `invalid host name "${String(name).slice(0, 120)}": use 1 to 100 characters of letters, digits, ".", "_" and "-"`);
  }
  return name;
}

/** Tags as stored (tags.ts: lower case, each once, sorted); a bad one is `invalid` on `field[i]`. */
export function checkTags(tags: unknown, field = 'tags'): string[] {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw invalid(field, `${field} must be a list of tags`);
  try {
    return normalizeTags(tags as string[]);
  } catch (err) {
    if (err instanceof InvalidTagError) {
      const i = (tags as string[]).indexOf(err.tag);
      throw invalid(i >= 0 ? `${field}[${i}]` : field, err.message);
    }
    throw err;
  }
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30s", "1m", "2h", "1d" -> milliseconds; anything else is `invalid` on `field`. */
export function parseDuration(text: unknown, field: string, label = field): number {
  const m = typeof text === 'string' ? /^(\d+)\s*([smhd])$/.exec(text.trim()) : null;
  if (!m || Number(m[1]) === 0) throw invalid(field, `${label} must be a positive duration like 30s, 1m, 2h or 1d, got "${String(text).slice(0, 120)}"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** "2026-11-23T10:00:00Z" (or with an offset), or a Date, -> a Date after `now`; anything else is `invalid` on `field`. */
export function parseFutureTime(text: unknown, now: number, field: string, label = field): Date {
  const at = text instanceof Date ? text : typeof text === 'string' && ISO_TIME.test(text.trim()) ? new Date(text.trim()) : undefined;
  const shown = text instanceof Date ? text.toISOString() : String(text).slice(0, 120);
  if (!at || Number.isNaN(at.getTime())) throw invalid(field, `${label} must be an ISO time like 2026-11-23T18:00:00Z, got "${shown}"`);
  if (at.getTime() <= now) throw invalid(field, `${label} must be in the future, got "${shown}" (${at.toISOString()})`);
  return at;
}
