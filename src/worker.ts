import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { loadConfigOrExit } from './config.js';
import { createProcessLog, earlyProcessLog } from './logging.js';
import { createSmtpMailer } from './mail/mailer.js';
import { ChannelStore } from './store/channels-store.js';
import { RuleStore } from './store/rules-store.js';
import { HostStore } from './store/hosts-store.js';
import { MetricHistoryStore } from './store/metric-history.js';
import { connectMongo } from './store/mongo.js';
import { AckLinks } from './store/ack-store.js';
import { installWorkerRuntime } from './telemetry.js';
import { WORKFLOWS_PATH } from './workflows/path.js';

let log = earlyProcessLog();

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  log = createProcessLog(config.log.format);
  installWorkerRuntime(config);
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  const mailer = createSmtpMailer(config.mail.smtpUrl);
  let connection: NativeConnection | undefined;
  try {
    const hosts = new HostStore(mongo.db);
    await hosts.ensureIndexes();
    const channels = new ChannelStore(mongo.db);
    await channels.ensureIndexes();
    const rules = new RuleStore(mongo.db);
    await rules.ensureIndexes();
    const history = new MetricHistoryStore(mongo.db);
    await history.ensureIndexes();
    connection = await NativeConnection.connect({ address: config.temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({
        hosts,
        channels,
        rules,
        mailer,
        from: config.mail.from,
        defaultTimezone: config.timezone,
        history,
        retention: config.history,
        // PUBLIC_URL: step lines carry acknowledge links (docs/operations.md "Acknowledging an alert").
        ...(config.publicUrl !== undefined && { ackLinks: new AckLinks(mongo.db, config.publicUrl) }),
      }),
    });
    log.info(
      `hostwatch worker: task queue "${config.temporal.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace}), database "${config.mongo.db}"`,
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace },
    );
    if (config.metrics) log.info(`hostwatch worker: Prometheus metrics on http://${config.metrics.address}/metrics`);
    // The SDK's runtime stops the worker gracefully on SIGINT/SIGTERM; run() resolves once it has drained.
    await worker.run();
    log.info('hostwatch worker: stopped');
  } finally {
    await connection?.close();
    mailer.close();
    await mongo.close();
  }
}

run().catch((err) => {
  log.error('hostwatch worker: failed', { error: err });
  process.exit(1);
});
