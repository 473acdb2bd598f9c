/**
 * Locales end to end on the Temporal time-skipping test server with real activities, FerretDB and a real SMTP server:
 * a schedule with `locale: "zh-CN"` gets Chinese mail (subject, lines, the HTML part), a channel with its own
 * `locale: en` under it gets English, and a locale with no catalogue fails the run as bad input.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { addChannel } from '../../src/ops/channels.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { addReportedHost, freshStore } from '../support/db.js';
import { hostwatchWorker, runWarm, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let catcher: MailCatcher;
let hosts: HostStore;
let mongo: MongoHandle;
let taskQueue: string;
let seq = 0;

beforeAll(async () => {
  env = await timeSkippingEnv();
  catcher = await new MailCatcher().start();
  ({ hosts, mongo } = await freshStore());
  taskQueue = uniqueTaskQueue('locale');
  await addChannel(new ChannelStore(mongo.db), { name: 'en-mail', url: 'mailto:en@example.com', locale: 'en' });
});
afterAll(async () => {
  await env?.teardown();
  await catcher?.stop();
  await mongo?.close();
});

const run = (input: unknown): Promise<CheckSummary> =>
  new Client({ connection: env.connection }).workflow.execute('checkHostStatus', { taskQueue, workflowId: `locale-${taskQueue}-${++seq}`, args: [input] });

test('locale zh-CN: Chinese subject, lines and HTML; a channel with locale en gets English; "fr" fails the run naming locale', async () => {
  const worker = await hostwatchWorker({ connection: env.nativeConnection, taskQueue, hosts, smtpUrl: catcher.url, timezone: 'Asia/Shanghai' });
  await runWarm(env, worker, taskQueue, async () => {
    await addReportedHost(hosts, 'web-1', (await env.currentTimeMs()) - 90_000);
    catcher.messages.length = 0;
    const summary = await run({ recipients: ['cn@example.com'], channels: ['en-mail'], locale: 'zh-CN', timezone: 'Asia/Shanghai' });
    expect(summary).toMatchObject({ notices: 1, sent: 2, accepted: 2 });

    const cn = catcher.messages.find((m) => m.envelopeTo.includes('cn@example.com'))!;
    expect(cn.parsed.subject).toMatch(/^\[hostwatch\] 1 台主机离线（\d{4}-\d\d-\d\d \d\d:\d\d \+08:00，Asia\/Shanghai）$/);
    expect(cn.parsed.text).toMatch(/^离线 {2}节点 web-1：已离线 1 分钟，最后上报 /m);
    expect(cn.parsed.text).toContain('1 台主机离线，0 台恢复在线。');
    expect(cn.parsed.html).toContain('<html lang="zh-CN">');
    expect(cn.parsed.html).toContain('已离线 1 分钟');

    const en = catcher.messages.find((m) => m.envelopeTo.includes('en@example.com'))!;
    expect(en.parsed.subject).toMatch(/^\[hostwatch\] 1 host offline at \d{4}-\d\d-\d\d \d\d:\d\d \+08:00 \(Asia\/Shanghai\)$/);
    expect(en.parsed.text).toMatch(/^OFFLINE {2}web-1: offline 1 minute, last report /m);
    expect(en.parsed.html).toContain('<html lang="en">');

    const failed = await run({ recipients: ['cn@example.com'], locale: 'fr' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    const cause = (failed as WorkflowFailedError).cause as { type?: string; message?: string };
    expect(cause).toMatchObject({ type: 'InvalidCheckInput', message: 'invalid check input: locale has no catalogue "fr" (known: en, zh-CN)' });
    // A malformed one is refused by the workflow's own check, before any activity.
    const malformed = (await run({ recipients: ['cn@example.com'], locale: 'Chinese!' }).catch((err: unknown) => err)) as WorkflowFailedError;
    expect(malformed.cause).toMatchObject({ type: 'InvalidCheckInput', message: expect.stringMatching(/^invalid check input: locale is not a locale/) });
  });
});
