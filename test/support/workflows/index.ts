/**
 * Test-only workflow bundle: the real check workflow plus a driver that plays the role of the Schedule on the
 * time-skipping test server (which has no Schedule RPCs), starting one check per simulated interval.
 */
import { continueAsNew, executeChild, sleep } from '@temporalio/workflow';
import { checkHostSlice, checkHostStatus, type CheckSummary } from '../../../src/workflows/index.js';
import type { CheckInput } from '../../../src/alerting/check-input.js';

export { checkHostSlice, checkHostStatus };

export interface DriverInput {
  input: CheckInput;
  runs: number;
  everyMs: number;
  /** Keep going when a check fails (a destination refused): its failure message is recorded as the run's. */
  tolerate?: boolean;
  /** Summaries of runs that sent mail or were held, carried across continue-as-new. */
  notable?: Array<CheckSummary & { run: number }>;
  done?: number;
}

const RUNS_PER_HISTORY = 300;

export async function everyInterval(d: DriverInput): Promise<Array<CheckSummary & { run: number }>> {
  const notable = d.notable ?? [];
  let done = d.done ?? 0;
  for (let i = 0; i < RUNS_PER_HISTORY && done < d.runs; i++, done++) {
    await sleep(d.everyMs);
    let summary: CheckSummary;
    try {
      summary = await executeChild(checkHostStatus, { args: [d.input] });
    } catch (err) {
      if (!d.tolerate) throw err;
      const cause = (err as { cause?: { message?: string } }).cause;
      notable.push({ failed: cause?.message ?? String(err), run: done + 1 } as unknown as CheckSummary & { run: number });
      continue;
    }
    if (summary.message !== 'No alarm') notable.push({ ...summary, run: done + 1 });
  }
  if (done < d.runs) await continueAsNew<typeof everyInterval>({ ...d, notable, done });
  return notable;
}
