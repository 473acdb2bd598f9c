import { ChannelStore } from '../../src/store/channels-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import { WORKFLOWS_PATH } from '../../src/workflows/path.js';

let runtimeInstalled = false;
/** Keeps the SDK's worker logs to warnings, so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger((process.env.HW_LOG as any) ?? 'WARN') });
  runtimeInstalled = true;
}

/** The test bundle: hostwatch's workflows plus the `everyInterval` driver of test/support/workflows. */
export const TEST_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/** A workflow bundle, built once per test file. Defaults to the production workflows only. */
export function workflowBundle(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Connects to the suite's time-skipping test server. The SDK's own launcher waits only ~5 s for a JVM to
 * listen; the global setup starts the server and waits properly, so connect to it as an existing server
 * that supports time skipping (the SDK exposes that combination only through its internal factory).
 */
export async function timeSkippingEnv(address: string = inject('testServerAddress')): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const create = (TestWorkflowEnvironment as unknown as { create(opts: object): Promise<TestWorkflowEnvironment> }).create.bind(TestWorkflowEnvironment);
  const env = await create({ server: { type: 'existing' }, address, namespace: 'default', supportsTimeSkipping: true });
  // The standalone server starts with time skipping unlocked; the SDK's time-skipping client expects it locked
  // (it unlocks only while awaiting a result or sleeping). Without this, simulated time races ahead while a
  // worker is still processing a workflow task, and the task times out.
  await env.connection.testService!.lockTimeSkipping({});
  return env;
}

/** A client + worker connection to the suite's Temporal dev server. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('devServerAddress') });
}

export interface WorkerDeps {
  connection: NativeConnection;
  taskQueue: string;
  hosts: HostStore;
  /** Channels by name; default the `channels` collection of the hosts' database. */
  channels?: ChannelStore;
  smtpUrl: string;
  timezone?: string;
  workflowsPath?: string;
  /** The worker's identity, as the run history records it. */
  identity?: string;
}

/** A real hostwatch worker: real activities over the given store and SMTP server. */
export async function hostwatchWorker(deps: WorkerDeps): Promise<Worker> {
  const mailer = createSmtpMailer(deps.smtpUrl);
  return Worker.create({
    connection: deps.connection,
    taskQueue: deps.taskQueue,
    workflowBundle: await workflowBundle(deps.workflowsPath),
    ...(deps.identity !== undefined && { identity: deps.identity }),
    activities: createActivities({ hosts: deps.hosts, channels: deps.channels ?? new ChannelStore(deps.hosts.collection.db), rules: new RuleStore(deps.hosts.collection.db), mailer, from: 'hostwatch <alerts@hostwatch.test>', defaultTimezone: deps.timezone ?? 'UTC' }),
  });
}

/**
 * Runs `fn` while `worker` runs. On the time-skipping server the first workflow task of a fresh worker is slow
 * (bundle load), so one warm-up check runs first under a plain client, with simulated time locked.
 */
export function runWarm<T>(env: TestWorkflowEnvironment, worker: Worker, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  return worker.runUntil(async () => {
    await new Client({ connection: env.connection }).workflow.execute('checkHostStatus', {
      taskQueue,
      workflowId: `warm-${taskQueue}-${randomBytes(3).toString('hex')}`,
      args: [{ recipients: ['warm@example.com'], steps: [100_000] }],
    });
    return fn();
  });
}
