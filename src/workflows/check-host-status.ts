import {
  ApplicationFailure,
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  emptyEvaluation,
  evaluateHosts,
  formatDigest,
  InvalidCheckInputError,
  linesToShow,
  offlineCutoff,
  parseCheckInput,
  quietHour,
  type AlertPolicy,
  type CheckEvaluation,
  type OfflineLine,
  type RecoveryLine,
  type StateChange,
} from '../alerting/index.js';
import type { Activities } from '../activities/index.js';

/** State changes per write activity. */
export const STATE_CHUNK_SIZE = 100;

// Transient failures retry with backoff; every activity gives up within a bounded time, so a run does too
// (and the next scheduled run starts over from the database).
const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

// A page query reads the whole collection on FerretDB 1.x (no index for ranges): seconds for 100,000 hosts.
const store = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '5m',
  retry: RETRY,
});

// State writes heartbeat after every host: they may take long on a slow database as long as they progress.
const stateStore = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '20m',
  retry: RETRY,
});

const mail = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '2m',
  retry: { ...RETRY, nonRetryableErrorTypes: ['SmtpRejected'] },
});

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** What a run returns; the Web UI shows it as the run's result. */
export interface CheckSummary {
  /** ISO time the check was taken at (workflow time). */
  checkTime: string;
  timezone: string;
  /** Hosts with a due step at check time; null when quiet hours held the run before loading hosts. */
  hostsOffline: number | null;
  hostsMuted: number;
  /** Offline notices in the digest. */
  notices: number;
  recoveries: number;
  quietHours: boolean;
  /** Child workflows that evaluated hosts beyond the run's own slice (a large outage or fleet). */
  slices: number;
  messageId?: string;
  /** One line, like the original task's: "Send email ok: 2", "No alarm", "Quiet hours 4: held". */
  message: string;
}

/** One slice of hosts for a child workflow: `slicePages` pages after `afterId`. */
export interface SliceInput {
  slice: number;
  checkTime: number;
  policy: AlertPolicy;
  afterId: string;
  pageSize: number;
  slicePages: number;
}

/** What a slice hands its parent: counts, and only the lines the digest can show. */
export interface SliceSummary {
  slice: number;
  /** Where the next slice starts; absent when this slice reached the last host. */
  nextAfterId?: string;
  hostsOffline: number;
  hostsMuted: number;
  offlineTotal: number;
  recoveryTotal: number;
  stateChanges: number;
  offline: OfflineLine[];
  recoveries: RecoveryLine[];
}

export interface SliceResult {
  /** False when the parent sent nothing (no lines, or it stopped) and the slice wrote no state. */
  written: boolean;
  applied: number;
  skipped: number;
}

/** Child → parent: the slice is evaluated. */
export const sliceEvaluated = defineSignal<[SliceSummary]>('sliceEvaluated');
/** Parent → child: true once the digest was accepted (write your state), false to end without writing. */
export const sliceRelease = defineSignal<[boolean]>('sliceRelease');

/** Loads and evaluates up to `pages` pages after `afterId`; returns where the next page would start. */
async function evaluatePages(
  evaluation: CheckEvaluation,
  opts: { checkTime: number; policy: AlertPolicy; pageSize: number; pages: number; afterId?: string },
): Promise<string | undefined> {
  const cutoff = offlineCutoff(opts.checkTime, opts.policy.steps);
  let afterId = opts.afterId;
  for (let i = 0; i < opts.pages; i++) {
    const page = await store.loadHostsPage({ cutoff, limit: opts.pageSize, ...(afterId !== undefined && { afterId }) });
    evaluateHosts(page.hosts, opts.checkTime, opts.policy, evaluation);
    afterId = page.nextAfterId;
    if (afterId === undefined) return undefined;
  }
  return afterId;
}

/** Rule 3: written only after the mail server accepted the digest. */
async function writeState(changes: readonly StateChange[], checkTime: number): Promise<{ applied: number; skipped: number }> {
  let applied = 0;
  let skipped = 0;
  for (let i = 0; i < changes.length; i += STATE_CHUNK_SIZE) {
    const result = await stateStore.recordAlertState({ changes: changes.slice(i, i + STATE_CHUNK_SIZE), checkTime });
    applied += result.applied;
    skipped += result.skipped;
  }
  return { applied, skipped };
}

/** One scheduled check: ALERTING.md rules 1-8 over every eligible host. */
export async function checkHostStatus(rawInput: unknown): Promise<CheckSummary> {
  const checkTime = Date.now(); // workflow time: fixed for the run and replay-safe

  let input;
  try {
    input = parseCheckInput(rawInput);
  } catch (err) {
    if (err instanceof InvalidCheckInputError) {
      throw ApplicationFailure.create({ type: 'InvalidCheckInput', nonRetryable: true, message: err.message, details: [err.field] });
    }
    throw err;
  }
  const timezone = input.timezone ?? (await local.checkDefaults()).timezone;
  const policy: AlertPolicy = { steps: input.steps, ignoreHours: input.ignoreHours, timezone };
  const summary = { checkTime: new Date(checkTime).toISOString(), timezone, hostsMuted: 0, notices: 0, recoveries: 0, slices: 0 };

  const quiet = quietHour(checkTime, policy);
  if (quiet !== undefined) {
    return { ...summary, hostsOffline: null, quietHours: true, message: `Quiet hours ${quiet}: held` };
  }

  // The run's own slice of hosts; the rest, if any, go to child workflows one slice at a time, so that no run's
  // history holds more than one slice of hosts and their state writes.
  const { pageSize, slicePages } = input.paging;
  const evaluation = emptyEvaluation();
  const afterId = await evaluatePages(evaluation, { checkTime, policy, pageSize, pages: slicePages });
  const { workflowId, runId } = workflowInfo();
  const children = new SliceChildren(`${workflowId}.${runId}`, { checkTime, policy, pageSize, slicePages });

  // If anything fails from here on, the run fails and the next one sends again (rule 3); children not yet told to
  // write end without writing. (The parent close policy would end them too, but only after the run has closed,
  // and not on every server.)
  try {
    const slices = afterId === undefined ? [] : await children.evaluateFrom(afterId);
    const total = (pick: (s: SliceSummary) => number) => slices.reduce((n, s) => n + pick(s), 0);
    const offlineTotal = evaluation.offline.length + total((s) => s.offlineTotal);
    const recoveryTotal = evaluation.recoveries.length + total((s) => s.recoveryTotal);
    const counted = {
      ...summary,
      hostsOffline: evaluation.hostsOffline + total((s) => s.hostsOffline),
      hostsMuted: evaluation.hostsMuted + total((s) => s.hostsMuted),
      quietHours: false,
      slices: slices.length,
    };
    if (offlineTotal + recoveryTotal === 0) {
      // Every state change comes with a line (notify with a notice, clear with a recovery): nothing to write.
      await children.release(false);
      return { ...counted, message: 'No alarm' };
    }

    const digest = formatDigest({
      offline: [...evaluation.offline, ...slices.flatMap((s) => s.offline)],
      recoveries: [...evaluation.recoveries, ...slices.flatMap((s) => s.recoveries)],
      offlineTotal,
      recoveryTotal,
      checkTime,
      timezone,
    });
    const receipt = await mail.sendDigest({ recipients: input.recipients, subject: digest.subject, text: digest.text, runKey: `${workflowId}.${runId}` });
    // Rule 3: state advances only after the mail server accepted the digest. One writer at a time.
    await writeState(evaluation.changes, checkTime);
    await children.release(true);

    const result: CheckSummary = {
      ...counted,
      notices: offlineTotal,
      recoveries: recoveryTotal,
      messageId: receipt.messageId,
      message: `Send email ok: ${offlineTotal + recoveryTotal}`,
    };
    // Logged once per run (the SDK's workflow logger stays silent during replay).
    log.info('Check sent a digest', {
      notices: result.notices,
      recoveries: result.recoveries,
      hostsOffline: result.hostsOffline,
      hostsMuted: result.hostsMuted,
      stateChanges: evaluation.changes.length + total((s) => s.stateChanges),
      slices: result.slices,
      messageId: receipt.messageId,
    });
    return result;
  } catch (err) {
    await children.release(false);
    throw err;
  }
}

/** The child workflows of one run, one slice of hosts each, started one after the other. */
class SliceChildren {
  private readonly started: ChildWorkflowHandle<typeof checkHostSlice>[] = [];
  private readonly summaries = new Map<number, SliceSummary>();
  private released = 0;

  constructor(
    private readonly runKey: string,
    private readonly slice: Omit<SliceInput, 'slice' | 'afterId'>,
  ) {
    setHandler(sliceEvaluated, (s) => void this.summaries.set(s.slice, s));
  }

  /** Starts a child per slice after `afterId` until one reaches the last host; returns their summaries. */
  async evaluateFrom(afterId: string): Promise<SliceSummary[]> {
    for (let next: string | undefined = afterId; next !== undefined; ) {
      const slice = this.started.length + 1;
      const child = await startChild(checkHostSlice, { workflowId: `${this.runKey}.slice-${slice}`, args: [{ ...this.slice, slice, afterId: next }] });
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
   * Tells each child not yet told: write your state (one after the other, awaiting each), or end without writing
   * (best effort: a child that has already ended cannot be told).
   */
  async release(write: boolean): Promise<void> {
    while (this.released < this.started.length) {
      const child = this.started[this.released++]!;
      if (write) {
        await child.signal(sliceRelease, true);
        await child.result();
      } else {
        await child.signal(sliceRelease, false).catch(() => undefined);
      }
    }
  }
}
/**
 * A child of {@link checkHostStatus} for one slice of hosts beyond the parent's own: evaluates it, hands the
 * parent its counts and showable lines, then waits. It writes its state only when the parent says the digest
 * was accepted; it ends without writing when the parent says so, or when the parent closes first.
 */
export async function checkHostSlice(input: SliceInput): Promise<SliceResult> {
  let release: boolean | undefined;
  setHandler(sliceRelease, (go) => void (release = go));

  const parent = workflowInfo().parent;
  if (!parent) throw ApplicationFailure.create({ type: 'NotAChild', nonRetryable: true, message: 'checkHostSlice runs only as a child of checkHostStatus' });
  const evaluation = emptyEvaluation();
  const nextAfterId = await evaluatePages(evaluation, { ...input, pages: input.slicePages });
  const shown = linesToShow(evaluation.offline, evaluation.recoveries);
  await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(sliceEvaluated, {
    slice: input.slice,
    ...(nextAfterId !== undefined && { nextAfterId }),
    hostsOffline: evaluation.hostsOffline,
    hostsMuted: evaluation.hostsMuted,
    offlineTotal: evaluation.offline.length,
    recoveryTotal: evaluation.recoveries.length,
    stateChanges: evaluation.changes.length,
    ...shown,
  });

  // A day at most: the parent's send and the writes before this slice's come first.
  if (!(await condition(() => release !== undefined, '1 day')) || !release) return { written: false, applied: 0, skipped: 0 };
  return { written: true, ...(await writeState(evaluation.changes, input.checkTime)) };
}
