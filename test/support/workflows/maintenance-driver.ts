/**
 * Test-only workflow bundle for test/workflows/maintenance.test.ts: the real check workflows plus a driver that plays
 * the Schedule (one check per simulated interval) and, from a given run on, has a host report just before each
 * check, at the workflow's (simulated) time. One workflow for the whole scenario: between separate executions the
 * standalone time-skipping server may race its clock ahead.
 */
import { executeChild, proxyActivities, sleep } from '@temporalio/workflow';
import { checkHostSlice, checkHostStatus, type CheckSummary } from '../../../src/workflows/index.js';
import type { CheckInput } from '../../../src/alerting/check-input.js';

export { checkHostSlice, checkHostStatus };

/** The test worker's extra activity: a report of `hostId` stored at `at`. */
export interface ReportActivities {
  testReport(a: { hostId: string; data: Record<string, unknown>; at: number }): Promise<void>;
}

const { testReport } = proxyActivities<ReportActivities>({ startToCloseTimeout: '30s' });

export interface ReportingDriverInput {
  input: CheckInput;
  runs: number;
  everyMs: number;
  /** This host reports before each run from `fromRun` (1-based) on. */
  reporter: { hostId: string; fromRun: number; data: Record<string, unknown> };
}

/** Every run's summary, with its number. */
export async function everyIntervalReporting(d: ReportingDriverInput): Promise<Array<CheckSummary & { run: number }>> {
  const out: Array<CheckSummary & { run: number }> = [];
  for (let run = 1; run <= d.runs; run++) {
    await sleep(d.everyMs);
    if (run >= d.reporter.fromRun) await testReport({ hostId: d.reporter.hostId, data: d.reporter.data, at: Date.now() });
    out.push({ ...(await executeChild(checkHostStatus, { args: [d.input] })), run });
  }
  return out;
}
