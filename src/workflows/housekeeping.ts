/**
 * The `housekeeping` workflow, run hourly by the `hostwatch-housekeeping` Schedule (docs/history.md "Housekeeping
 * and retention"): rolls metric history up host by host (deleting each host's buckets that left their retention by
 * `_id`), deletes ended outages and notices beyond theirs, and once a day sweeps the metric history by query. Deterministic: the time is
 * the workflow's, every I/O is an activity, and every activity is bounded (a page of hosts, a few batches of
 * deletes) and idempotent, so a retry or a rerun changes nothing twice.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { HousekeepingActivities, PruneTarget, Retention } from '../activities/housekeeping.js';

export interface HousekeepingInput {
  /** Hosts per rollup activity (default 200, 1-1000). */
  pageSize?: number;
  /** Documents per delete batch (default 500, 1-5000). */
  batch?: number;
  /**
   * Also sweep the metric history by query (removed hosts' buckets, buckets beyond a lowered retention): default only
   * in the run whose time is in the 03:00 UTC hour, since on FerretDB each sweep batch reads the whole collection.
   */
  sweep?: boolean;
}

export interface HousekeepingSummary {
  /** ISO time the run took as "now" (workflow time). */
  now: string;
  retention: Retention;
  hosts: number;
  hoursRolled: number;
  writes: number;
  /**
   * Documents deleted: `m`, `t`, `h` the buckets each host's pass deleted by `_id`, `swept` those the metric sweep
   * deleted (removed hosts, lowered retention), `outages`, `notices`.
   */
  deleted: Record<DeletedKind, number>;
  /** Whether the metric history was swept by query too. */
  swept: boolean;
  /** Targets with documents left for the next run (the per-run bound was reached). */
  unfinished: PruneTarget[];
  message: string;
}

/** Delete calls per target per run (each up to 10 batches): whatever remains waits for the next run. */
export const MAX_PRUNE_CALLS = 20;

type DeletedKind = 'm' | 't' | 'h' | 'swept' | 'outages' | 'notices';
const KINDS: readonly DeletedKind[] = ['m', 't', 'h', 'swept', 'outages', 'notices'];
const NAMES: Record<DeletedKind | PruneTarget, string> = {
  m: 'minute buckets',
  t: '10-minute buckets',
  h: 'hourly buckets',
  swept: 'swept metric documents',
  metrics: 'metric documents',
  outages: 'outages',
  notices: 'notices',
};

const act = proxyActivities<HousekeepingActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

function checkInput(input: HousekeepingInput): { pageSize: number; batch: number } {
  const whole = (v: number | undefined, name: string, fallback: number, max: number): number => {
    if (v === undefined) return fallback;
    if (!Number.isInteger(v) || v < 1 || v > max) throw ApplicationFailure.create({ type: 'InvalidHousekeepingInput', nonRetryable: true, message: `invalid housekeeping input ${name}: must be a whole number from 1 to ${max}` });
    return v;
  };
  return { pageSize: whole(input.pageSize, 'pageSize', 200, 1000), batch: whole(input.batch, 'batch', 500, 5000) };
}

/** The hour (UTC) of the daily metric sweep. */
export const SWEEP_HOUR_UTC = 3;

export async function housekeeping(input: HousekeepingInput = {}): Promise<HousekeepingSummary> {
  const { pageSize, batch } = checkInput(input ?? {});
  const now = Date.now();
  const sweep = input?.sweep ?? new Date(now).getUTCHours() === SWEEP_HOUR_UTC;
  const retention = await act.housekeepingRetention();
  let hosts = 0;
  let hoursRolled = 0;
  let writes = 0;
  const deleted = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<DeletedKind, number>;
  let afterId: string | undefined;
  do {
    const page = await act.rollupMetrics({ now, limit: pageSize, ...(afterId !== undefined && { afterId }) });
    hosts += page.hosts;
    hoursRolled += page.hours;
    writes += page.writes;
    for (const level of ['m', 't', 'h'] as const) deleted[level] += page.deleted[level];
    afterId = page.nextAfterId;
  } while (afterId !== undefined);

  const unfinished: PruneTarget[] = [];
  for (const target of [...(sweep ? (['metrics'] as const) : []), 'outages', 'notices'] as const) {
    let more = true;
    for (let call = 0; more && call < MAX_PRUNE_CALLS; call++) {
      const r = await act.pruneHistory({ now, target, batch });
      deleted[target === 'metrics' ? 'swept' : target] += r.deleted;
      more = r.more;
    }
    if (more) unfinished.push(target);
  }
  const gone = KINDS.filter((k) => deleted[k] > 0).map((k) => `${deleted[k]} ${NAMES[k]}`);
  const message = `Rolled up ${hoursRolled} host-hours of ${hosts} hosts; deleted ${gone.length > 0 ? gone.join(', ') : 'nothing'}${unfinished.length > 0 ? `; more left of ${unfinished.map((t) => NAMES[t]).join(', ')}` : ''}`;
  return { now: new Date(now).toISOString(), retention, hosts, hoursRolled, writes, deleted, swept: sweep, unfinished, message };
}
