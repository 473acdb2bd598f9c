/**
 * Test-only workflow bundle for test/workflows/grace.test.ts: the real check workflow plus a driver playing both the
 * hosts and the Schedule on the time-skipping test server. Each simulated minute, exactly on the minute of workflow
 * time, it has the `simulateReports` activity store the reports due that minute (at that instant), then runs one
 * check, so a check's time is never before the reports of its minute and silences are whole minutes plus the time
 * the activity took.
 */
import { executeChild, proxyActivities, sleep } from '@temporalio/workflow';
import { checkHostSlice, checkHostStatus, type CheckSummary } from '../../../src/workflows/index.js';
import type { CheckInput } from '../../../src/alerting/check-input.js';

export { checkHostSlice, checkHostStatus };

export interface SimulatedReports {
  simulateReports(minute: number, at: number): Promise<void>;
}

const { simulateReports } = proxyActivities<SimulatedReports>({ startToCloseTimeout: '1 minute' });

/** Runs minutes 0 to `minutes`; returns the summaries of the checks that sent something, with their minute. */
export async function graceDriver(d: { input: CheckInput; minutes: number }): Promise<Array<CheckSummary & { minute: number }>> {
  const start = Date.now();
  const notable: Array<CheckSummary & { minute: number }> = [];
  for (let minute = 0; minute <= d.minutes; minute++) {
    const at = start + minute * 60_000;
    if (at > Date.now()) await sleep(at - Date.now());
    await simulateReports(minute, at);
    const summary = await executeChild(checkHostStatus, { args: [d.input] });
    if (summary.message !== 'No alarm') notable.push({ ...summary, minute });
  }
  return notable;
}
