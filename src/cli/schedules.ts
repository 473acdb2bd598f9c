import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import type { CheckInput } from '../alerting/check-input.js';
import type { Config } from '../config.js';
import { coverageOf, recordCoverage } from '../store/coverage-store.js';
import { UsageError } from './parse.js';

export const DEFAULT_SCHEDULE_ID = 'hostwatch-check';
export const WORKFLOW_TYPE = 'checkHostStatus';
/**
 * Missed runs are not replayed after an outage of the server: one run catches up on everything (rule 2),
 * so the window only needs to absorb ordinary scheduling delay.
 */
export const CATCHUP_WINDOW = '1 minute';

export interface ScheduleSettings {
  input: CheckInput;
  everyMs: number;
  taskQueue: string;
}

export async function createSchedule(client: Client, id: string, s: ScheduleSettings, paused = false): Promise<ScheduleHandle> {
  try {
    return await client.schedule.create({
      scheduleId: id,
      spec: { intervals: [{ every: s.everyMs }] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPE, args: [s.input], taskQueue: s.taskQueue, workflowId: id },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
      state: { paused, ...(paused && { note: 'created paused' }) },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new UsageError(`schedule "${id}" already exists; change it with "schedule update" or remove it with "schedule delete"`);
    throw err;
  }
}

export async function describeSchedule(client: Client, id: string): Promise<ScheduleDescription> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule "${id}" (create it with "schedule create")`);
    throw err;
  }
}

/** The check input and interval a schedule currently runs with. */
export function currentSettings(d: ScheduleDescription): { input: Partial<CheckInput>; everyMs?: number; taskQueue?: string } {
  const action = d.action.type === 'startWorkflow' ? d.action : undefined;
  const every = d.spec.intervals?.[0]?.every;
  return {
    input: (action?.args?.[0] ?? {}) as Partial<CheckInput>,
    ...(typeof every === 'number' && { everyMs: every }),
    ...(action && { taskQueue: action.taskQueue }),
  };
}

export async function updateSchedule(client: Client, id: string, s: ScheduleSettings): Promise<void> {
  await describeSchedule(client, id); // a clear error when it does not exist
  await client.schedule.getHandle(id).update((prev) => {
    if (prev.action.type !== 'startWorkflow') throw new UsageError(`schedule "${id}" does not start a workflow`);
    return {
      ...prev,
      spec: { ...prev.spec, intervals: [{ every: s.everyMs }] },
      action: { ...prev.action, args: [s.input], taskQueue: s.taskQueue },
    };
  });
}

export async function withSchedule<T>(client: Client, id: string, fn: (h: ScheduleHandle) => Promise<T>): Promise<T> {
  try {
    return await fn(client.schedule.getHandle(id));
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule "${id}" (create it with "schedule create")`);
    throw err;
  }
}

/** Runs the check now, skipped (not queued) if a run is still in progress: runs never overlap. */
export function triggerSchedule(client: Client, id: string): Promise<void> {
  return withSchedule(client, id, (h) => h.trigger(ScheduleOverlapPolicy.SKIP));
}

export function formatDescription(id: string, d: ScheduleDescription): string {
  const { input, everyMs, taskQueue } = currentSettings(d);
  const recent = d.info.recentActions.slice(-5).map((a) => `    ${a.takenAt.toISOString()}  ${a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : ''}`);
  const next = d.info.nextActionTimes.slice(0, 3).map((t) => `    ${t.toISOString()}`);
  return [
    `schedule:     ${id}`,
    `state:        ${d.state.paused ? `paused${d.state.note ? ` (${d.state.note})` : ''}` : 'active'}`,
    `every:        ${everyMs !== undefined ? `${everyMs / 1000}s` : '(not an interval schedule)'}`,
    `task queue:   ${taskQueue ?? '-'}`,
    `input:        ${JSON.stringify(input)}`,
    `runs so far:  ${d.info.numActionsTaken} (${d.info.numActionsSkippedOverlap} skipped for overlap)`,
    `next runs:`,
    ...(next.length ? next : ['    -']),
    `recent runs:`,
    ...(recent.length ? recent : ['    -']),
  ].join('\n');
}

/**
 * Records (`input`) or removes (null) the schedule's coverage in MongoDB for the agent interval warning
 * (store/coverage-store.ts), when MONGODB_URI is set; the schedule in Temporal is already changed, so a database that
 * cannot be reached is a note, not a failure. Returns the line to print, if any (nothing after a removal).
 */
export async function syncCoverage(config: Readonly<Config>, id: string, input: Partial<CheckInput> | null, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (!env.MONGODB_URI) return undefined;
  const doc = input && coverageOf(id, input, new Date());
  if (!(await recordCoverage(config.mongo.uri, config.mongo.db, doc ? { doc } : { remove: id }))) {
    return `note: cannot reach MongoDB (MONGODB_URI): schedule "${id}" ${doc ? 'is not known to' : 'may still be known to'} the agent interval warning (docs/agent.md)`;
  }
  return doc ? `recorded schedule "${id}" for the agent interval warning (first step ${doc.firstStepMinutes} min, ${doc.tags ? `hosts tagged ${doc.tags.join(',')}` : 'every host'})` : undefined;
}
