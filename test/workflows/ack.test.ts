/**
 * Acknowledgement end to end on the Temporal time-skipping test server with real activities, FerretDB, a real SMTP
 * server and a loopback webhook receiver (ALERTING.md rule 6): the step notice carries the acknowledge link (in the
 * mail and the webhook's text); the link acknowledges through the real API; four hours of escalation then pass with
 * no notice to anyone; the host reports again and each destination notified gets exactly one "back online" line. No
 * workflow history holds the link's token or its key.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { startTemporalTestServer, type RunningService } from '../../scripts/lib/services.js';
import { createActivities } from '../../src/activities/index.js';
import { buildApi } from '../../src/api/app.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { AckLinks } from '../../src/store/ack-store.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { CheckSummary } from '../../src/workflows/index.js';
import { loopback, type Loopback } from '../channels/support.js';
import { addReportedHost, freshStore } from '../support/db.js';
import { runWarm, timeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

const MIN = 60_000;
const PUBLIC_URL = 'https://hostwatch.example.test/hw';
const INPUT = { recipients: ['a@example.com', 'b@example.com'], channels: ['hook'], steps: [1, 10, 60, 240] };

let env: TestWorkflowEnvironment;
let ownServer: RunningService | undefined;
let catcher: MailCatcher;
let receiver: Loopback;
let hosts: HostStore;
let mongo: MongoHandle;
let taskQueue: string;
let seq = 0;
const runs: string[] = [];

beforeAll(async () => {
  ownServer = await startTemporalTestServer(); // its own: simulated time skips only while nobody else holds the lock
  env = await timeSkippingEnv(ownServer.address);
  catcher = await new MailCatcher().start();
  receiver = await loopback();
});

/** A fresh database (with the webhook channel) and task queue for one test; the worker over it. */
async function fresh(): Promise<Worker> {
  await mongo?.close();
  ({ hosts, mongo } = await freshStore());
  await new ChannelStore(mongo.db).add('hook', `webhook+${receiver.base}/hook`);
  taskQueue = uniqueTaskQueue('ack');
  catcher.messages.length = 0;
  receiver.requests.length = 0;
  const db = mongo.db;
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ hosts, channels: new ChannelStore(db), rules: new RuleStore(db), mailer: createSmtpMailer(catcher.url), from: 'hostwatch <alerts@hostwatch.test>', defaultTimezone: 'UTC', ackLinks: new AckLinks(db, PUBLIC_URL) }),
  });
}
afterAll(async () => {
  await env?.teardown();
  await ownServer?.stop();
  await catcher?.stop();
  await receiver?.close();
  await mongo?.close();
});

async function check(): Promise<CheckSummary> {
  const handle = await new Client({ connection: env.connection }).workflow.start('checkHostStatus', { taskQueue, workflowId: `ack-${taskQueue}-${++seq}`, args: [INPUT] });
  runs.push(handle.workflowId);
  return (await handle.result()) as CheckSummary;
}

/** Every string in a history, payload bytes decoded as UTF-8. */
function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  // Payload bytes (a Buffer of another realm under vitest: instanceof Uint8Array fails).
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  if (Array.isArray(v)) return v.map(textOf).join('\n');
  if (v && typeof v === 'object') return Object.values(v).map(textOf).join('\n');
  return '';
}

/** The messages caught since `from`, as [recipient, text]. */
const mails = (from: number) => catcher.messages.slice(from).map((m) => [m.envelopeTo.join(','), m.text] as const);

test('ack by link, then 4 hours of escalation: no notice to anyone; back: one back-online line per destination; no token or key in any history', async () => {
  const worker = await fresh();
  const db = mongo.db;
  const api = buildApi({ hosts });
  await runWarm(env, worker, taskQueue, async () => {
    const t0 = await env.currentTimeMs();
    await addReportedHost(hosts, 'web-1', t0 - 90_000);
    catcher.messages.length = 0;

    // Step 1 to both, each line followed by its acknowledge link.
    expect(await check()).toMatchObject({ notices: 1, sent: 3, accepted: 3 });
    const first = mails(0);
    expect(first.map(([to]) => to).sort()).toEqual(['a@example.com', 'b@example.com']);
    const links = first.map(([, text]) => /^OFFLINE {2}web-1: offline 1 minute, last report .*\n {2}acknowledge: (\S+)$/m.exec(text)?.[1]);
    expect(links[0]).toMatch(new RegExp(`^${PUBLIC_URL}/ack/[A-Za-z0-9_-]{40,50}$`));
    expect(links[1]).toBe(links[0]); // one instance, one link
    const token = links[0]!.slice(`${PUBLIC_URL}/ack/`.length);
    // The webhook's line text carries the same link.
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.json.lines.map((l: { kind: string; text: string }) => [l.kind, l.text.split('\n')[1]])).toEqual([['offline', `  acknowledge: ${links[0]}`]]);

    // Acknowledged through the link (a GET first, as a mail scanner would: it changes nothing).
    expect((await api.inject({ method: 'GET', url: `/ack/${token}` })).statusCode).toBe(200);
    const acked = await api.inject({ method: 'POST', url: `/ack/${token}` });
    expect(acked.statusCode).toBe(200);
    expect(acked.body).toContain('<h1>Acknowledged</h1>');

    // Steps 10, 60 and 240 come due: nothing for anyone.
    for (const at of [12, 70, 250]) {
      await env.sleep(t0 + at * MIN - (await env.currentTimeMs()));
      expect(await check()).toMatchObject({ notices: 0, recoveries: 0, sent: 0, message: expect.stringMatching(/^No alarm/) });
    }
    expect(catcher.messages).toHaveLength(2);
    expect(receiver.requests).toHaveLength(1);

    // The host is back: each destination notified gets one back-online line, and no link (nothing to acknowledge).
    await hosts.recordReport((await hosts.byName('web-1'))._id.toHexString(), { hostname: 'web-1' }, new Date(await env.currentTimeMs()));
    await env.sleep(10_000);
    expect(await check()).toMatchObject({ recoveries: 1, sent: 3, accepted: 3 });
    const back = mails(2);
    expect(back.map(([to]) => to).sort()).toEqual(['a@example.com', 'b@example.com']);
    for (const [, text] of back) {
      expect(text.match(/^BACK {5}web-1: back online after 4 h \d+ min/gm)).toHaveLength(1);
      expect(text).not.toContain('acknowledge:');
    }
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.json.lines.map((l: { kind: string; host: string }) => [l.kind, l.host])).toEqual([['recovered', 'web-1']]);
    await env.sleep(2 * MIN);
    await hosts.recordReport((await hosts.byName('web-1'))._id.toHexString(), { hostname: 'web-1' }, new Date(await env.currentTimeMs()));
    expect(await check()).toMatchObject({ sent: 0 });
    expect(catcher.messages).toHaveLength(4);
    expect(receiver.requests).toHaveLength(2);
    expect((await hosts.byName('web-1')).alerts).toBeUndefined();

    // No run's history holds the token, the link or the key.
    const key = ((await db.collection('settings').findOne({ _id: 'ack-key' as never })) as unknown as { key: string }).key;
    const client = new Client({ connection: env.connection });
    let all = '';
    for (const id of runs) {
      const decoded = textOf(await client.workflow.getHandle(id).fetchHistory());
      all += decoded;
      for (const secret of [token, key, '/ack/']) expect(decoded, `${id} holds ${secret}`).not.toContain(secret);
    }
    expect(all).toContain('"name":"web-1"'); // the payloads were read, lines and all
  });
});

test('a metric rule: the link of its line acknowledges it; steps 10 and 60 pass with no notice; it clears: one resolved line per destination', async () => {
  const worker = await fresh();
  const rules = new RuleStore(mongo.db);
  await rules.add({ name: 'cpu-hot', metric: 'cpu', op: 'above', threshold: 90, steps: [1, 10, 60] });
  const api = buildApi({ hosts });
  await runWarm(env, worker, taskQueue, async () => {
    const t0 = await env.currentTimeMs();
    const { id } = await hosts.add('db-1');
    const report = async (cpu: number) => hosts.recordReport(id, { hostname: 'db-1', cpu }, new Date(await env.currentTimeMs()), await rules.all());
    await hosts.recordReport(id, { hostname: 'db-1', cpu: 95 }, new Date(t0 - 90_000), await rules.all());
    await report(96);
    catcher.messages.length = 0;

    expect(await check()).toMatchObject({ alerts: 1, sent: 3, accepted: 3 });
    const links = mails(0).map(([, text]) => /^CPU {2}db-1: 96 % \(above 90 %\) for 1 minute, since .*\n {2}acknowledge: (\S+)$/m.exec(text)?.[1]);
    expect(links).toHaveLength(2);
    expect(links[0]).toMatch(new RegExp(`^${PUBLIC_URL}/ack/[A-Za-z0-9_-]{60,70}$`));
    expect(links[1]).toBe(links[0]);
    const page = await api.inject({ method: 'GET', url: links[0]!.slice(PUBLIC_URL.length) });
    expect(page.body).toContain('<dt>Condition</dt><dd>cpu-hot (cpu)</dd>');
    expect((await api.inject({ method: 'POST', url: links[0]!.slice(PUBLIC_URL.length) })).statusCode).toBe(200);

    // Still breaching, reported every few minutes: steps 10 and 60 come due, nothing goes out.
    for (const at of [12, 70]) {
      await env.sleep(t0 + at * MIN - 10_000 - (await env.currentTimeMs()));
      await report(97);
      await env.sleep(10_000);
      expect(await check()).toMatchObject({ alerts: 0, notices: 0, sent: 0 });
    }
    expect([catcher.messages.length, receiver.requests.length]).toEqual([2, 1]);

    // It clears: one resolved line to each destination told of it.
    await report(50);
    await env.sleep(5_000);
    expect(await check()).toMatchObject({ resolved: 1, sent: 3, accepted: 3 });
    for (const [, text] of mails(2)) expect(text.match(/^RESOLVED {2}db-1: cpu back to 50 %/gm)).toHaveLength(1);
    expect(mails(2)).toHaveLength(2);
    expect(receiver.requests.slice(1).map((r) => r.json.lines.map((l: { kind: string }) => l.kind))).toEqual([['resolved']]);
  });
});
