/**
 * What a workflow test of simulated hours needs, on a time-skipping test server of its own (the suite's shared one
 * skips time only while no other environment holds its lock): the environment, a mail catcher, a loopback webhook
 * receiver answering with `answer`, and a fresh store with its channels. `stop()` ends them all.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MailCatcher } from '../../../scripts/lib/mail-catcher.js';
import { startTemporalTestServer } from '../../../scripts/lib/services.js';
import { ChannelStore } from '../../../src/store/channels-store.js';
import type { HostStore } from '../../../src/store/hosts-store.js';
import { loopback, type Loopback } from '../../channels/support.js';
import { freshStore } from '../db.js';
import { timeSkippingEnv } from '../temporal.js';

export interface OwnEnv {
  env: TestWorkflowEnvironment;
  catcher: MailCatcher;
  receiver: Loopback;
  hosts: HostStore;
  channels: ChannelStore;
  stop(): Promise<void>;
}

export async function ownTimeSkippingEnv(answer: Loopback['answer'] = () => ({ status: 200, body: { ok: true } })): Promise<OwnEnv> {
  const server = await startTemporalTestServer();
  const env = await timeSkippingEnv(server.address);
  const catcher = await new MailCatcher().start();
  const receiver = await loopback(answer);
  const { hosts } = await freshStore();
  const channels = new ChannelStore(hosts.collection.db);
  await channels.ensureIndexes();
  return {
    env,
    catcher,
    receiver,
    hosts,
    channels,
    async stop() {
      await env.teardown();
      await catcher.stop();
      await receiver.close();
      await server.stop();
    },
  };
}
