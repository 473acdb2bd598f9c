import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/workflows/path.js';
import { quietRuntime } from '../support/temporal.js';

const FIXTURE = new URL('../fixtures/check-host-status.history.json', import.meta.url);

interface JsonEvent {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
}

test('a history recorded by the release before metric rules replays against the current workflow code (the patch keeps it deterministic)', async () => {
  quietRuntime();
  const history = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { events: JsonEvent[] };
  // The recorded run took the full path: destinations resolved, a page load, one delivery, one state write.
  expect(history.events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? [])).toEqual([
    'resolveDestinations',
    'loadHostsPage',
    'deliverNotice',
    'recordAlertState',
  ]);
  expect(history.events.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  // The worker reads the JSON format itself; a non-deterministic change would reject here.
  await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history)).resolves.toBeUndefined();
});

test('a history with metric rules (npm run record-history) replays: rules read, then hosts, one digest, one state write', async () => {
  quietRuntime();
  const history = JSON.parse(readFileSync(new URL('../fixtures/check-host-status.rules.history.json', import.meta.url), 'utf8')) as { events: JsonEvent[] };
  expect(history.events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? [])).toEqual([
    'resolveDestinations',
    'loadRules',
    'loadHostsPage',
    'deliverNotice',
    'recordAlertState',
  ]);
  // the digest carried a metric-rule line: the run's result says so
  const done = history.events.at(-1) as { workflowExecutionCompletedEventAttributes?: { result?: { payloads?: { data: string }[] } } };
  const result = JSON.parse(Buffer.from(done.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!.data, 'base64').toString('utf8')) as { alerts: number; notices: number };
  expect(result).toMatchObject({ alerts: 1, notices: 1, recoveries: 1 });
  await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history)).resolves.toBeUndefined();
});
