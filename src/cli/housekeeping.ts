/**
 * `hostwatch housekeeping schedule|run` (docs/history.md "Housekeeping and retention"): the Temporal Schedule
 * `hostwatch-housekeeping` that runs the `housekeeping` workflow hourly, and a run of it now. `hostwatch schedule
 * create` and `npm run dev` create the schedule too, through {@link ensureHousekeepingSchedule}.
 */
import { randomBytes } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { Command, Option } from 'commander';
import type { Config } from '../config.js';
import type { HousekeepingInput, HousekeepingSummary } from '../workflows/housekeeping.js';
import { parseDuration, UsageError } from './parse.js';
import { withTemporal } from './temporal-client.js';

export const HOUSEKEEPING_SCHEDULE_ID = 'hostwatch-housekeeping';
export const HOUSEKEEPING_WORKFLOW = 'housekeeping';
/** Hourly: a 10-minute point and an hourly point appear once their hour is complete. */
export const HOUSEKEEPING_EVERY_MS = 3_600_000;

export interface HousekeepingScheduleSettings {
  taskQueue: string;
  /** Default {@link HOUSEKEEPING_SCHEDULE_ID}. */
  id?: string;
  /** Default hourly. */
  everyMs?: number;
  /** Change an existing schedule to these settings (default: leave an existing one as it is). */
  update?: boolean;
  paused?: boolean;
}

/**
 * Creates the housekeeping schedule, or (with `update`) brings an existing one to these settings; without
 * `update` an existing schedule is left alone. Runs never overlap (a run still going skips the next) and missed
 * runs are not replayed: the next run does their work.
 */
export async function ensureHousekeepingSchedule(client: Client, s: HousekeepingScheduleSettings): Promise<'created' | 'updated' | 'exists'> {
  const id = s.id ?? HOUSEKEEPING_SCHEDULE_ID;
  const every = s.everyMs ?? HOUSEKEEPING_EVERY_MS;
  const action = { type: 'startWorkflow' as const, workflowType: HOUSEKEEPING_WORKFLOW, args: [{}], taskQueue: s.taskQueue, workflowId: id };
  try {
    await client.schedule.create({
      scheduleId: id,
      spec: { intervals: [{ every }] },
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      state: { paused: s.paused ?? false },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  if (!s.update) return 'exists';
  await client.schedule.getHandle(id).update((prev) => ({
    ...prev,
    spec: { ...prev.spec, intervals: [{ every }] },
    action: { ...action, ...(prev.action.type === 'startWorkflow' && { workflowId: prev.action.workflowId }) },
    ...(s.paused !== undefined && { state: { ...prev.state, paused: s.paused } }),
  }));
  return 'updated';
}

/** The line `schedule create` and `npm run dev` print about the housekeeping schedule. */
export function ensuredLine(what: 'created' | 'updated' | 'exists', id = HOUSEKEEPING_SCHEDULE_ID): string {
  return what === 'exists' ? `housekeeping schedule "${id}" already exists; left as it is` : `${what} housekeeping schedule "${id}" (hourly metric rollups and history retention)`;
}

/** Runs the workflow once now on the task queue and waits for its summary (a worker must poll that queue). */
export async function runHousekeeping(client: Client, taskQueue: string, input: HousekeepingInput = {}, timeoutMs = 30 * 60_000): Promise<HousekeepingSummary> {
  const workflowId = `${HOUSEKEEPING_SCHEDULE_ID}-now-${new Date().toISOString().replace(/[:.]/g, '')}-${randomBytes(2).toString('hex')}`;
  return client.workflow.execute(HOUSEKEEPING_WORKFLOW, { taskQueue, workflowId, args: [input], workflowExecutionTimeout: timeoutMs });
}

/** The summary as `housekeeping run` prints it. */
export function formatSummary(s: HousekeepingSummary): string {
  const r = s.retention;
  return [
    s.message,
    `at:         ${s.now}`,
    `hosts:      ${s.hosts} (${s.hoursRolled} host-hours rolled up, ${s.writes} bucket writes)${s.swept ? '; metric history swept' : ''}`,
    `deleted:    minute ${s.deleted.m}, 10-minute ${s.deleted.t}, hourly ${s.deleted.h}, swept ${s.deleted.swept}, outages ${s.deleted.outages}, notices ${s.deleted.notices}`,
    `retention:  minute ${r.minuteDays} d, 10-minute ${r.tenMinuteDays} d, hourly ${r.hourlyDays} d, outages ${r.outageDays} d, notices ${r.noticeDays} d`,
    ...(s.unfinished.length > 0 ? [`unfinished: ${s.unfinished.join(', ')} (the next run goes on)`] : []),
  ].join('\n');
}

function wholeNumber(text: string | undefined, flag: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${text}"`);
  return Number(text);
}

export function housekeepingCommand(config: () => Readonly<Config>): Command {
  const cmd = new Command('housekeeping').description('metric rollups and history retention (the hourly "hostwatch-housekeeping" schedule)');
  const schedule = new Command('schedule')
    .description('create the hourly housekeeping schedule, or update it to these settings')
    .addOption(new Option('--id <scheduleId>', 'schedule id').default(HOUSEKEEPING_SCHEDULE_ID))
    .option('--every <duration>', 'how often it runs, e.g. 30m, 1h (default 1h)')
    .option('--paused', 'create or leave it paused')
    .action(async (flags: { id: string; every?: string; paused?: boolean }) => {
      const everyMs = parseDuration(flags.every ?? '1h', '--every');
      await withTemporal(config, async (client, c) => {
        const what = await ensureHousekeepingSchedule(client, { id: flags.id, everyMs, taskQueue: c.temporal.taskQueue, update: true, ...(flags.paused && { paused: true }) });
        console.log(`${what} schedule "${flags.id}": every ${everyMs / 1000}s, task queue "${c.temporal.taskQueue}", workflow ${HOUSEKEEPING_WORKFLOW}${flags.paused ? ' (paused)' : ''}`);
      });
    })
    .addHelpText('after', '\nRetention comes from the worker\'s HISTORY_*_DAYS, OUTAGE_RETENTION_DAYS and NOTICE_RETENTION_DAYS (README, Configuration).');
  const run = new Command('run')
    .description('run housekeeping once now on the task queue (a worker must be running) and print what it did')
    .option('--json', 'print the summary as JSON')
    .option('--batch <n>', 'documents per delete batch (default 500)')
    .option('--page-size <n>', 'hosts per rollup activity (default 200)')
    .option('--no-sweep', 'skip the sweep of the metric history by query (the scheduled runs sweep once a day)')
    .action(async (flags: { json?: boolean; batch?: string; pageSize?: string; sweep?: boolean }) => {
      const batch = wholeNumber(flags.batch, '--batch', 5000);
      const pageSize = wholeNumber(flags.pageSize, '--page-size', 1000);
      await withTemporal(config, async (client, c) => {
        const summary = await runHousekeeping(client, c.temporal.taskQueue, { sweep: flags.sweep !== false, ...(batch !== undefined && { batch }), ...(pageSize !== undefined && { pageSize }) });
        console.log(flags.json ? JSON.stringify(summary) : formatSummary(summary));
      });
    });
  const remove = new Command('delete')
    .description('delete the housekeeping schedule (history then grows without bound)')
    .addOption(new Option('--id <scheduleId>', 'schedule id').default(HOUSEKEEPING_SCHEDULE_ID))
    .action(async (flags: { id: string }) =>
      withTemporal(config, async (client) => {
        try {
          await client.schedule.getHandle(flags.id).delete();
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule "${flags.id}" (create it with "housekeeping schedule")`);
          throw err;
        }
        console.log(`deleted schedule "${flags.id}"`);
      }),
    );
  return cmd.addCommand(schedule).addCommand(run).addCommand(remove);
}
