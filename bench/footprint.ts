/** Item 4, worker footprint: resident memory of the worker process idle and at its peak during a mass outage. */
import type { OutageRow } from './outage.js';

export interface FootprintRow {
  scenario: string;
  idleBytes?: number;
  peakBytes?: number;
  samples: number;
}

/** Idle = after start and one empty check; peak = highest VmRSS sampled every 200 ms during the outage check. */
export function footprintRows(outages: readonly OutageRow[]): FootprintRow[] {
  return outages.map((o) => ({
    scenario: `mass outage of ${o.silent.toLocaleString('en-US')} hosts (${o.status})`,
    ...(o.rssIdleBytes !== undefined && { idleBytes: o.rssIdleBytes }),
    ...(o.rssPeakBytes !== undefined && { peakBytes: o.rssPeakBytes }),
    samples: o.rssSamples,
  }));
}
