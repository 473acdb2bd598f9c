import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { loadConfigOrExit } from './config.js';
import { createSmtpMailer } from './mail/mailer.js';
import { HostStore } from './store/hosts-store.js';
import { connectMongo } from './store/mongo.js';
import { WORKFLOWS_PATH } from './workflows/path.js';

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  const mailer = createSmtpMailer(config.mail.smtpUrl);
  let connection: NativeConnection | undefined;
  try {
    const hosts = new HostStore(mongo.db);
    await hosts.ensureIndexes();
    connection = await NativeConnection.connect({ address: config.temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({ hosts, mailer, from: config.mail.from, defaultTimezone: config.timezone }),
    });
    console.log(
      `hostwatch worker: task queue "${config.temporal.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace}), database "${config.mongo.db}"`,
    );
    // The SDK's runtime stops the worker gracefully on SIGINT/SIGTERM; run() resolves once it has drained.
    await worker.run();
    console.log('hostwatch worker: stopped');
  } finally {
    await connection?.close();
    mailer.close();
    await mongo.close();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
