/**
 * The agent interval warning (issue 14 point 4): the ingest answers a report with a `Hostwatch-Warning` header
 * (status and body unchanged) when the host's reporting interval, plus its own or its tags' grace, is more than
 * half the first step of the schedules covering it. The schedules are known from `schedule_coverage`
 * (coverage-store.ts: written by `hostwatch schedule create|update`), read with the tag graces at most every
 * COVERAGE_REFRESH_MS, lazily on a report: no timer, no query per report.
 */
import type { CoverageDoc, CoverageStore } from '../store/coverage-store.js';
import { effectiveGrace, graceText } from '../store/host-grace.js';
import type { TagSettingsStore } from '../store/tag-settings-store.js';

/** How often the coverage and the tag graces are read again. */
export const COVERAGE_REFRESH_MS = 30_000;

/** What the warning is decided from. */
export interface CoverageView {
  schedules: readonly Pick<CoverageDoc, '_id' | 'firstStepMinutes' | 'tags'>[];
  tagGraces: ReadonlyMap<string, number>;
}

/** Header values are ASCII: anything else in a schedule id is shown as `?` (and a long one cut). */
const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);

/**
 * The warning for a host reporting every `intervalSeconds` (undefined: not known, counted as 0), or undefined.
 * The schedules covering it are those selecting no tags or any of its tags; the one with the smallest first step
 * decides. Its text stays the same while the settings do, so the agent logs it once.
 */
export function intervalWarning(host: { tags?: readonly string[]; grace?: number }, intervalSeconds: number | undefined, view: CoverageView): string | undefined {
  const tags = new Set(host.tags ?? []);
  let first: CoverageView['schedules'][number] | undefined;
  for (const s of view.schedules) {
    if (s.tags !== null && !s.tags.some((t) => tags.has(t))) continue;
    if (first === undefined || s.firstStepMinutes < first.firstStepMinutes || (s.firstStepMinutes === first.firstStepMinutes && s._id < first._id)) first = s;
  }
  if (first === undefined) return undefined;
  const grace = effectiveGrace(host, view.tagGraces);
  const interval = intervalSeconds ?? 0;
  const total = interval + (grace?.seconds ?? 0);
  if (total === 0 || total * 2 <= first.firstStepMinutes * 60) return undefined;
  const what = [
    ...(intervalSeconds !== undefined ? [`reporting interval ${graceText(interval)}`] : []),
    ...(grace ? [`${intervalSeconds !== undefined ? 'plus ' : ''}grace ${graceText(grace.seconds)}${grace.tag === undefined ? ' (this host\'s)' : ` (tag ${grace.tag})`}`] : []),
  ].join(' ');
  return (
    `${what} is more than half the first step (${first.firstStepMinutes} min) of schedule "${ascii(first._id)}": ` +
    `its first notice for this host comes late or names a later step; report more often, lower the grace, or start that schedule's steps later`
  );
}

/** The coverage as last read; the first call waits for a read, later ones start a new read when it is stale. */
export class CoverageCache {
  private current: CoverageView = { schedules: [], tagGraces: new Map() };
  private readAt: number | undefined;
  private reading: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly sources: { coverage: Pick<CoverageStore, 'all'>; tagSettings: Pick<TagSettingsStore, 'graces'> },
    private readonly options: { refreshMs?: number; now?: () => number; onError?: (err: unknown) => void } = {},
  ) {}

  async view(): Promise<CoverageView> {
    const now = (this.options.now ?? Date.now)();
    if (this.readAt === undefined) await this.refresh(now);
    else if (now - this.readAt >= (this.options.refreshMs ?? COVERAGE_REFRESH_MS)) void this.refresh(now);
    return this.current;
  }

  /** One read at a time; a failure keeps the last view (reported once until a read succeeds again). */
  private refresh(now: number): Promise<void> {
    this.reading ??= (async () => {
      try {
        const [schedules, tagGraces] = await Promise.all([this.sources.coverage.all(), this.sources.tagSettings.graces()]);
        this.current = { schedules, tagGraces };
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.options.onError?.(err);
        this.failing = true;
      } finally {
        this.readAt = now;
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
