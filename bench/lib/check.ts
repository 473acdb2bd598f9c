/** One hostwatch check started the way production starts it: a Temporal Schedule, triggered. */
import { randomBytes } from 'node:crypto';
import { ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import type { CheckInput } from '../../src/alerting/check-input.js';
import { WORKFLOW_TYPE } from '../../src/cli/schedules.js';
import { RECIPIENT } from './services.js';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/**
 * A paused schedule shaped like `hostwatch schedule create` makes (src/cli/schedules.ts): paused so that only
 * the benchmark's triggers start checks.
 */
export async function createBenchSchedule(client: Client, scheduleId: string, taskQueue: string, input: Partial<CheckInput> = {}): Promise<ScheduleHandle> {
  return client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1 minute' }] },
    action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPE, args: [{ recipients: [RECIPIENT], ...input }], taskQueue, workflowId: scheduleId },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    state: { paused: true, note: 'hostwatch benchmark: triggered only' },
  });
}

export interface CheckRun {
  workflowId: string;
  /** First run of the check (later runs follow by continue-as-new, if any). */
  runId: string;
  triggeredAt: Date;
  /** Server close time of the check's last run, when it closed. */
  closeTime?: Date;
  /** closeTime minus triggeredAt. */
  elapsedMs?: number;
  status: 'completed' | 'failed' | 'timed out (terminated)';
  result?: unknown;
  error?: string;
}

/** `message: cause: cause…`, so a failed run says why (e.g. "activity StartToClose timeout"). */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 6; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(': ');
}

async function startedAfter(handle: ScheduleHandle, known: Set<string>, timeoutMs: number): Promise<{ workflowId: string; runId: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = await handle.describe();
    const actions = [...d.info.runningActions, ...d.info.recentActions.map((a) => a.action)];
    for (const a of actions) {
      if (a.type === 'startWorkflow' && !known.has(a.workflow.firstExecutionRunId)) return { workflowId: a.workflow.workflowId, runId: a.workflow.firstExecutionRunId };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`schedule ${handle.scheduleId} started no workflow within ${timeoutMs / 1000}s of its trigger`);
}

/** Triggers the schedule, waits for the workflow it starts (terminating it after `timeoutMs`) and times it. */
export async function triggerCheck(client: Client, handle: ScheduleHandle, timeoutMs: number): Promise<CheckRun> {
  const before = await handle.describe();
  const known = new Set([...before.info.runningActions, ...before.info.recentActions.map((a) => a.action)].flatMap((a) => (a.type === 'startWorkflow' ? [a.workflow.firstExecutionRunId] : [])));
  const triggeredAt = new Date();
  await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const { workflowId, runId } = await startedAfter(handle, known, 30_000);
  const wf = client.workflow.getHandle(workflowId, runId, { followRuns: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  let status: CheckRun['status'] = 'completed';
  let result: unknown;
  let error: string | undefined;
  try {
    const outcome = await Promise.race([wf.result().then((r) => ({ r })), timeout]);
    if (outcome === 'timeout') {
      status = 'timed out (terminated)';
      await client.workflow.getHandle(workflowId).terminate(`benchmark timeout after ${timeoutMs / 1000}s`);
    } else result = outcome.r;
  } catch (err) {
    status = 'failed';
    error = causeChain(err);
  } finally {
    clearTimeout(timer);
  }
  const last = await client.workflow.getHandle(workflowId).describe();
  const closeTime = last.closeTime;
  return {
    workflowId,
    runId,
    triggeredAt,
    status,
    ...(closeTime && { closeTime, elapsedMs: closeTime.getTime() - triggeredAt.getTime() }),
    ...(result !== undefined && { result }),
    ...(error !== undefined && { error }),
  };
}
