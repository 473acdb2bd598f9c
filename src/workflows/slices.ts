/**
 * The child workflows of a large check: each evaluates one slice of hosts beyond the parent's own, hands the parent
 * its counts and the lines a digest can show, and writes its state once the parent says what was accepted.
 */
import { ApplicationFailure, condition, defineSignal, setHandler, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { AlertPolicy, Destination, LineTotals, RoutedLine } from '../alerting/index.js';
import type { Rule } from '../rules/rule.js';

/** One slice of hosts for a child workflow: `slicePages` pages after `afterId`. */
export interface SliceInput {
  slice: number;
  checkTime: number;
  policy: AlertPolicy;
  destinations: Destination[];
  /** The metric rules of the run (read once by the parent). */
  rules: Rule[];
  afterId: string;
  pageSize: number;
  slicePages: number;
  /** The parent's host selector (check input `hosts.tags`); absent: every host. */
  tags?: string[];
}

/** What a slice hands its parent: counts, and only the lines some destination's digest can show. */
export interface SliceSummary {
  slice: number;
  /** Where the next slice starts; absent when this slice reached the last host. */
  nextAfterId?: string;
  hostsOffline: number;
  hostsMuted: number;
  /** Absent in slices of runs recorded before maintenance windows. */
  hostsInMaintenance?: number;
  reportsAhead?: number;
  /** Distinct offline and back-online lines of the slice, and metric-rule (and reboot) and resolved lines. */
  offlineLines: number;
  recoveryLines: number;
  conditionLines: number;
  resolvedLines: number;
  /** Per destination (same order as the input's): lines it gets from this slice. */
  totals: LineTotals[];
  hostWrites: number;
  lines: RoutedLine[];
}

export interface SliceResult {
  /** False when the parent stopped before delivering and the slice wrote no state. */
  written: boolean;
  applied: number;
  skipped: number;
}

/** Child → parent: the slice is evaluated. */
export const sliceEvaluated = defineSignal<[SliceSummary]>('sliceEvaluated');
/** Parent → child: the destinations that accepted (write your state for them), or null to end without writing. */
export const sliceRelease = defineSignal<[string[] | null]>('sliceRelease');

/** The child workflow type, as the parent starts it (defined in check-host-status.ts). */
export type SliceWorkflow = (input: SliceInput) => Promise<SliceResult>;

/** The child workflows of one run, one slice of hosts each, started one after the other. */
export class SliceChildren {
  private readonly started: ChildWorkflowHandle<SliceWorkflow>[] = [];
  private readonly summaries = new Map<number, SliceSummary>();
  private released = 0;

  constructor(
    private readonly workflow: SliceWorkflow,
    private readonly runKey: string,
    private readonly slice: Omit<SliceInput, 'slice' | 'afterId'>,
  ) {
    setHandler(sliceEvaluated, (s) => void this.summaries.set(s.slice, s));
  }

  /** Starts a child per slice after `afterId` until one reaches the last host; returns their summaries. */
  async evaluateFrom(afterId: string): Promise<SliceSummary[]> {
    for (let next: string | undefined = afterId; next !== undefined; ) {
      const slice = this.started.length + 1;
      const child = await startChild(this.workflow, { workflowId: `${this.runKey}.slice-${slice}`, args: [{ ...this.slice, slice, afterId: next }] });
      this.started.push(child);
      let ended: unknown;
      // The result is awaited here too, so a child that fails before reporting fails the run instead of leaving
      // it waiting.
      void child.result().then(
        () => (ended = ApplicationFailure.create({ type: 'SliceEnded', message: `slice ${slice} ended without reporting` })),
        (err: unknown) => (ended = err),
      );
      await condition(() => this.summaries.has(slice) || ended !== undefined);
      const summary = this.summaries.get(slice);
      if (!summary) throw ended;
      next = summary.nextAfterId;
    }
    return [...this.summaries.values()];
  }

  /**
   * Tells each child not yet told: write your state for these destinations (one child after the other, awaiting
   * each), or (null) end without writing (best effort: a child that has already ended cannot be told).
   */
  async release(accepted: string[] | null): Promise<void> {
    while (this.released < this.started.length) {
      const child = this.started[this.released++]!;
      if (accepted) {
        await child.signal(sliceRelease, accepted);
        await child.result();
      } else {
        await child.signal(sliceRelease, null).catch(() => undefined);
      }
    }
  }
}
