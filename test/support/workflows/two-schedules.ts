/**
 * Test-only workflow bundle for test/workflows/selectors.test.ts: the real check workflow plus a driver that plays
 * several Schedules firing at the same instants (the time-skipping test server has no Schedule RPCs): every
 * interval, one check per input, started together.
 */
import { executeChild, sleep } from '@temporalio/workflow';
import { checkHostSlice, checkHostStatus, type CheckSummary } from '../../../src/workflows/index.js';
import type { CheckInput } from '../../../src/alerting/check-input.js';

export { checkHostSlice, checkHostStatus };

/** Per input, the summaries of the runs that sent something, with their run number. */
export async function everyIntervalEach(d: { inputs: CheckInput[]; runs: number; everyMs: number }): Promise<Array<Array<CheckSummary & { run: number }>>> {
  const notable: Array<Array<CheckSummary & { run: number }>> = d.inputs.map(() => []);
  for (let run = 1; run <= d.runs; run++) {
    await sleep(d.everyMs);
    const summaries = await Promise.all(d.inputs.map((input) => executeChild(checkHostStatus, { args: [input] })));
    summaries.forEach((s, i) => s.message !== 'No alarm' && notable[i]!.push({ ...s, run }));
  }
  return notable;
}
