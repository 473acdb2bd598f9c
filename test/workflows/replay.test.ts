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

test('a history recorded on the dev server replays against the current workflow code (npm run record-history)', async () => {
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
