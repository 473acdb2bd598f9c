/**
 * Hosts that report in, end to end: the reporting agent -> the ingest API -> FerretDB -> the check workflow on
 * the Temporal dev server -> SMTP. The API's clock runs three minutes behind while the agent first reports, so
 * its last report is three minutes old when the check runs (instead of waiting three real minutes).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ObjectId } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { runAgent } from '../../src/agent/agent.js';
import { formatLocalTime } from '../../src/alerting/local-time.js';
import { buildApi } from '../../src/api/app.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { freshStore } from '../support/db.js';
import { devServerEnv, hostwatchWorker, uniqueTaskQueue } from '../support/temporal.js';

const MIN = 60_000;
let env: TestWorkflowEnvironment;
let catcher: MailCatcher;

beforeAll(async () => {
  env = await devServerEnv();
  catcher = await new MailCatcher().start();
});
afterAll(async () => {
  await catcher?.stop();
  await env?.teardown();
});

test('agent reports, stops, the check alerts; agent restarts, the recovery states when it was first seen again', async () => {
  const { hosts } = await freshStore();
  const { id, key, secret } = await hosts.add('edge-1');
  let clockOffset = 3 * MIN;
  const api = buildApi({ hosts, now: () => new Date(Date.now() - clockOffset) });
  const url = await api.listen({ port: 0, host: '127.0.0.1' });
  const taskQueue = uniqueTaskQueue('agent-e2e');
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url });
  const client = new Client({ connection: env.connection });
  const check = (n: number): Promise<CheckSummary> =>
    client.workflow.execute('checkHostStatus', { taskQueue, workflowId: `${taskQueue}-${n}`, args: [{ recipients: ['ops@example.com'], timezone: 'UTC' }] });
  const doc = () => hosts.collection.findOne({ _id: new ObjectId(id) });
  const agentRun = async (untilReports: number) => {
    const before = (await doc())?.lastReportAt?.getTime();
    const stop = new AbortController();
    const lines: string[] = [];
    const running = runAgent({ url, key, secret, intervalMs: 300, signal: stop.signal, log: (l) => lines.push(l) });
    const seen: Date[] = [];
    while (seen.length < untilReports) {
      const at = (await doc())?.lastReportAt;
      if (at && at.getTime() !== before && !seen.some((s) => s.getTime() === at.getTime())) seen.push(at);
      await new Promise((r) => setTimeout(r, 50));
    }
    stop.abort();
    await running;
    expect(lines.join('\n')).not.toContain(secret);
    return seen;
  };

  try {
    await worker.runUntil(async () => {
      await agentRun(1);
      expect((await doc())?.data).toMatchObject({ hostname: expect.any(String), cpu: expect.any(Number) });

      const alerted = await check(1);
      expect(alerted).toMatchObject({ notices: 1, message: 'Sent to 1 of 1 destinations: 1 notice, 0 recoveries' });
      const [notice] = await catcher.waitFor(1);
      expect(notice!.text).toMatch(/OFFLINE {2}edge-1: offline 3 minutes/);
      const outageDoc = (await doc())!;
      const outage = outageDoc.lastReportAt!;
      expect(Object.keys(outageDoc.alerts ?? {})).toEqual([`offline_${outage.getTime()}`]);
      // Each report states the agent's interval (rule 9).
      expect(outageDoc.data).toMatchObject({ interval: expect.any(Number) });

      clockOffset = 0;
      const [firstBack, , latest] = await agentRun(3);
      expect((await doc())?.alerts?.[`offline_${outage.getTime()}`]?.backAt).toEqual(firstBack);

      const recovered = await check(2);
      expect(recovered).toMatchObject({ recoveries: 1, notices: 0 });
      const [, recovery] = await catcher.waitFor(2);
      expect(recovery!.subject).toMatch(/1 back online/);
      // The first report after the outage, not the latest one, is when it was seen again.
      expect(recovery!.text).toContain(`silent since ${formatLocalTime(outage.getTime(), 'UTC')}, seen again ${formatLocalTime(firstBack!.getTime(), 'UTC')}`);
      expect(latest!.getTime()).toBeGreaterThan(firstBack!.getTime());
      expect((await doc())?.alert).toBeUndefined();
    });
  } finally {
    await api.close();
  }
});
