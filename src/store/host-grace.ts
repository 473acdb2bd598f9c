/**
 * Grace per host and per tag (issue 14 point 4, ALERTING.md rule 9): its bounds and which one applies to a host.
 * Pure: the check's snapshot (check-snapshot.ts), `hosts list`, `tags list` and the ingest's warning read it.
 */

/** The largest grace a host or tag may have: one day, in seconds. */
export const MAX_GRACE_SECONDS = 86_400;

/** A grace as stored: a whole number of seconds from 0 to {@link MAX_GRACE_SECONDS}. */
export function isGraceSeconds(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_GRACE_SECONDS;
}

/** The grace that applies to a host, and where it comes from: its own, or the tag with the largest one. */
export interface EffectiveGrace {
  seconds: number;
  /** The tag it comes from; absent when it is the host's own. */
  tag?: string;
}

/**
 * The host's own grace if set, else the largest grace among its tags that have one, else undefined (the check's
 * `graceSeconds` applies). `tagGraces`: seconds by tag (tag-settings-store.ts `graces()`). A stored value out of
 * bounds is ignored, as if unset.
 */
export function effectiveGrace(host: { grace?: unknown; tags?: readonly string[] }, tagGraces: ReadonlyMap<string, number>): EffectiveGrace | undefined {
  if (isGraceSeconds(host.grace)) return { seconds: host.grace };
  let best: EffectiveGrace | undefined;
  for (const tag of host.tags ?? []) {
    const g = tagGraces.get(tag);
    if (isGraceSeconds(g) && (best === undefined || g > best.seconds)) best = { seconds: g, tag };
  }
  return best;
}

/** `900` -> `15 min`, `7200` -> `2 h`, `90` -> `90 s`, `0` -> `0 s`. */
export function graceText(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
