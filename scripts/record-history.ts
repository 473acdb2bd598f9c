/**
 * Records test/fixtures/check-host-status.notices.history.json: one check run on a real Temporal dev server that
 * reads the metric rules, loads hosts, sends a digest with an offline notice, a recovery line and a metric-rule
 * line, records state and writes the notification log. (check-host-status.history.json and
 * check-host-status.rules.history.json are the same run recorded by the releases before metric rules and before the
 * notification log; they are kept, not re-recorded, so runs started by those releases are known to replay.) The replay
 * tests (test/workflows/replay.test.ts, and test/workflows/notice-log.test.ts for this one) replay them against the
 * current workflow code, so a change that would break
 * runs already in flight fails the suite. Re-record deliberately when the workflow changes on purpose
 * (with a patch or a new workflow type for compatibility).
 *
 * Usage: npm run record-history   (needs `npm run provision` first; starts and stops its own services)
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { createSmtpMailer } from '../src/mail/mailer.js';
import { notifiedWrite } from '../src/store/alert-state.js';
import { ChannelStore } from '../src/store/channels-store.js';
import { RuleStore } from '../src/store/rules-store.js';
import { HostStore } from '../src/store/hosts-store.js';
import { connectMongo } from '../src/store/mongo.js';
import { WORKFLOWS_PATH } from '../src/workflows/path.js';
import { MailCatcher } from './lib/mail-catcher.js';
import { BIN_DIR, startFerretDb, startTemporalDevServer } from './lib/services.js';

const OUT = fileURLToPath(new URL('../test/fixtures/check-host-status.notices.history.json', import.meta.url));
const MIN = 60_000;

async function main(): Promise<void> {
  const [ferret, temporal, catcher] = await Promise.all([startFerretDb(), startTemporalDevServer(), new MailCatcher().start()]);
  const mongo = await connectMongo(ferret.uri, 'record');
  const mailer = createSmtpMailer(catcher.url);
  try {
    const hosts = new HostStore(mongo.db);
    await hosts.ensureIndexes();
    const now = Date.now();
    const down = await hosts.add('web-1');
    await hosts.recordReport(down.id, { hostname: 'web-1' }, new Date(now - 12 * MIN));
    const back = await hosts.add('db-1');
    await hosts.recordReport(back.id, { hostname: 'db-1' }, new Date(now - 90 * MIN));
    await hosts.applyHostWrites([notifiedWrite(back.id, now - 90 * MIN, { 'mailto:ops@example.com': 60 })], ['mailto:ops@example.com'], now - 20 * MIN);
    await hosts.recordReport(back.id, { hostname: 'db-1' }, new Date(now - 10_000));
    const rules = new RuleStore(mongo.db);
    await rules.ensureIndexes();
    await rules.add({ name: 'disk-full', metric: 'disk', op: 'above', threshold: 90, steps: [5, 60] });
    const full = await hosts.add('files-1');
    const disk = { hostname: 'files-1', interval: 60, disk: [{ mount: '/srv', total: 100, used: 95 }] };
    for (const ago of [12 * MIN, 10_000]) await hosts.recordReport(full.id, disk, new Date(now - ago), await rules.all());

    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    const connection = await Connection.connect({ address: temporal.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'record-history',
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({ hosts, channels: new ChannelStore(mongo.db), rules, mailer, from: 'hostwatch <alerts@example.com>', defaultTimezone: 'UTC' }),
    });
    const workflowId = 'record-check-host-status';
    const summary = await worker.runUntil(
      new Client({ connection }).workflow.execute('checkHostStatus', { taskQueue: 'record-history', workflowId, args: [{ recipients: ['ops@example.com'] }] }),
    );
    // The temporal CLI writes the standard JSON history format that the SDK's historyFromJSON reads.
    const json = execFileSync(`${BIN_DIR}/temporal`, ['workflow', 'show', '--address', temporal.address, '--workflow-id', workflowId, '--output', 'json'], { encoding: 'utf8' });
    writeFileSync(OUT, json.endsWith('\n') ? json : `${json}\n`);
    console.log(`recorded ${(JSON.parse(json) as { events: unknown[] }).events.length} events (${summary.message}) to ${OUT}`);
    await connection.close();
    await nativeConnection.close();
  } finally {
    mailer.close();
    await mongo.close();
    await Promise.all([catcher.stop(), temporal.stop(), ferret.stop()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
