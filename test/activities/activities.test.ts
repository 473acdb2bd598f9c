import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { SMTPServer } from 'smtp-server';
import type { AddressObject } from 'mailparser';
import { createActivities, type Activities } from '../../src/activities/index.js';
import { DELIVERY_FAILED, DELIVERY_REFUSED } from '../../src/activities/delivery.js';
import { emptyEvaluation, evaluateHosts, offlineCutoff } from '../../src/alerting/policy.js';
import type { Destination, HostWrite, OfflineLine } from '../../src/alerting/types.js';
import { noticeTitle } from '../../src/channels/format.js';
import type { Notice } from '../../src/channels/types.js';
import { createSmtpMailer, messageIdFor, type Mailer } from '../../src/mail/mailer.js';
import { encodeDestKey, notifiedWrite } from '../../src/store/alert-state.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import { RuleStore } from '../../src/store/rules-store.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { freePort } from '../../scripts/lib/services.js';
import { addReportedHost, freshStore, markNotified, OPS } from '../support/db.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const FROM = 'hostwatch <alerts@hostwatch.example>';
const TZ = 'Europe/Berlin';
const POLICY = { steps: [1, 10, 60, 240, 1440], graceMs: 60_000 };
const TEAM = 'team-hook';
const HOOK_URL = 'webhook+http://127.0.0.1:9/hook?secret=s3cr3t';

const stores: MongoHandle[] = [];
const mailers: Mailer[] = [];
const servers: SMTPServer[] = [];
let catcher: MailCatcher;
let hosts: HostStore;
let pageHosts: HostStore;
let channels: ChannelStore;
let acts: Activities;

function activitiesWith(mailer: Mailer, store: HostStore = hosts): Activities {
  mailers.push(mailer);
  return createActivities({ hosts: store, channels, rules: new RuleStore(store.collection.db), mailer, from: FROM, defaultTimezone: TZ });
}

/** The destination the check input's `recipients` give for an address (no channel). */
function recipient(address: string): Destination {
  return { key: `mailto:${address}`, target: address, kind: 'mailto', label: address, fromStep: 0 };
}

function notice(id: string): Notice {
  const line: OfflineLine = { kind: 'offline', hostId: 'h1', name: 'web-1', step: 10, offlineMs: 12 * MIN, lastReportAt: T - 12 * MIN };
  return { id, run: 'check-host-status.run-1', checkTime: T, timezone: TZ, offline: [line], recoveries: [], offlineTotal: 1, recoveryTotal: 0 };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** The rejection of `p`, failing the test if it resolves. */
async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/** The ApplicationFailure `p` rejects with. */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await rejectionOf(p);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** An SMTP server that requires AUTH and accepts only alerts / s3cret. */
async function startAuthServer(): Promise<{ port: number; received: Array<{ user: unknown; to: string[] }> }> {
  const received: Array<{ user: unknown; to: string[] }> = [];
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _session, cb) => {
      if (auth.username === 'alerts' && auth.password === 's3cret') cb(null, { user: 'alerts' });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData: (stream, session, cb) => {
      stream.on('end', () => {
        received.push({ user: session.user, to: session.envelope.rcptTo.map((r) => r.address) });
        cb(null);
      });
      stream.resume();
    },
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { port, received };
}

/** The stored document of a host. */
async function docOf(store: HostStore, id: string) {
  return store.collection.findOne({ _id: new ObjectId(id) });
}

/** What the check would write for `ids` at `checkTime`, from the pages loadHostsPage gives (as the workflow does). */
async function evaluate(a: Activities, ids: readonly string[], checkTime: number, destinations: readonly Destination[]) {
  const evaluation = emptyEvaluation();
  let afterId: string | undefined;
  do {
    const page = await a.loadHostsPage({ cutoff: offlineCutoff(checkTime, POLICY.steps), limit: 100, ...(afterId !== undefined && { afterId }) });
    evaluateHosts(page.hosts.filter((h) => ids.includes(h.id)), checkTime, POLICY, destinations, evaluation);
    afterId = page.nextAfterId;
  } while (afterId !== undefined);
  return evaluation;
}

beforeAll(async () => {
  const [a, b] = await Promise.all([freshStore(), freshStore()]);
  stores.push(a.mongo, b.mongo);
  hosts = a.hosts;
  pageHosts = b.hosts;
  channels = new ChannelStore(a.mongo.db);
  await channels.ensureIndexes();
  await channels.add('mail-team', 'mailto:Lead@Example.net,ops@example.com');
  await channels.add(TEAM, HOOK_URL);
  catcher = await new MailCatcher().start();
  acts = activitiesWith(createSmtpMailer(catcher.url));
});

afterEach(() => {
  catcher.fault = { kind: 'none' };
});

afterAll(async () => {
  for (const m of mailers) m.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await catcher?.stop();
  for (const mongo of stores) {
    await mongo.db.dropDatabase();
    await mongo.close();
  }
});

test('checkDefaults returns the default time zone given to the factory', async () => {
  expect(await acts.checkDefaults()).toEqual({ timezone: TZ });
});

// ---------------------------------------------------------------- deliverNotice over SMTP

test('deliverNotice to a recipient address sends one message to that address alone, with a Message-ID derived from the notice id', async () => {
  const before = catcher.messages.length;
  const n = notice('check-host-status.run-1.d0');
  expect(await acts.deliverNotice({ destination: recipient('ops@example.com'), notice: n })).toEqual({ key: 'mailto:ops@example.com' });
  const expectedId = messageIdFor(n.id, FROM);
  expect(expectedId).toBe('<hostwatch.check-host-status.run-1.d0@hostwatch.example>');

  const [mail] = (await catcher.waitFor(before + 1)).slice(before);
  expect(catcher.messages).toHaveLength(before + 1);
  expect(mail!.envelopeTo).toEqual(['ops@example.com']);
  expect(addresses(mail!.parsed.to)).toEqual(['ops@example.com']);
  expect(mail!.parsed.from?.value).toEqual([{ name: 'hostwatch', address: 'alerts@hostwatch.example' }]);
  expect(mail!.messageId).toBe(expectedId);
  expect(mail!.subject).toBe(noticeTitle(n));
  expect(mail!.text).toContain('web-1');
});

test('a resent notice carries the same Message-ID; another notice id a different one', async () => {
  const before = catcher.messages.length;
  const to = recipient('ops@example.com');
  await acts.deliverNotice({ destination: to, notice: notice('run-42.d0') });
  await acts.deliverNotice({ destination: to, notice: notice('run-42.d0') });
  await acts.deliverNotice({ destination: to, notice: notice('run-42.d1') });
  const got = (await catcher.waitFor(before + 3)).slice(before).map((m) => m.messageId);
  expect(got).toEqual([messageIdFor('run-42.d0', FROM), messageIdFor('run-42.d0', FROM), messageIdFor('run-42.d1', FROM)]);
  expect(got[0]).toBe(got[1]);
  expect(got[2]).not.toBe(got[0]);
});

test('deliverNotice to an address of a mailto channel sends to that address only', async () => {
  const lead = (await acts.resolveDestinations({ recipients: [], channels: [{ name: 'mail-team', fromStep: 0 }] })).find((d) => d.target === 'lead@example.net')!;
  const before = catcher.messages.length;
  expect(await acts.deliverNotice({ destination: lead, notice: notice('run-ch.d0') })).toEqual({ key: 'mailto:lead@example.net' });
  const [mail] = (await catcher.waitFor(before + 1)).slice(before);
  expect(mail!.envelopeTo).toEqual(['lead@example.net']);
  expect(mail!.messageId).toBe(messageIdFor('run-ch.d0', FROM));
});

test('an SMTP 5xx rejection becomes a non-retryable DeliveryRefused naming the address and the server reply', async () => {
  catcher.fault = { kind: 'reject' };
  const before = catcher.messages.length;
  const attempts = catcher.attempts;
  const failure = await failureOf(acts.deliverNotice({ destination: recipient('ops@example.com'), notice: notice('run-rejected.d0') }));
  expect(DELIVERY_REFUSED).toBe('DeliveryRefused');
  expect(failure.type).toBe('DeliveryRefused');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('ops@example.com');
  expect(failure.message).toContain('554');
  expect(failure.message).toContain('5.7.1 message rejected by policy');
  expect(catcher.attempts).toBe(attempts + 1);
  expect(catcher.messages).toHaveLength(before);
});

test('a 4xx temporary failure is a retryable DeliveryFailed, and a retry then delivers with the same Message-ID', async () => {
  catcher.fault = { kind: 'tempfail', count: 1 };
  const before = catcher.messages.length;
  const req = { destination: recipient('ops@example.com'), notice: notice('run-tempfail.d0') };
  const failure = await failureOf(acts.deliverNotice(req));
  expect(DELIVERY_FAILED).toBe('DeliveryFailed');
  expect(failure.type).toBe('DeliveryFailed');
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toContain('ops@example.com');
  expect(failure.message).toContain('451');
  expect(failure.message).toContain('4.3.0 temporary failure');
  expect(catcher.messages).toHaveLength(before);

  await acts.deliverNotice(req);
  const [mail] = (await catcher.waitFor(before + 1)).slice(before);
  expect(mail!.messageId).toBe(messageIdFor('run-tempfail.d0', FROM));
});

test('an SMTP server that is not listening gives a retryable DeliveryFailed quickly', async () => {
  const port = await freePort(); // nothing listens here
  const down = activitiesWith(createSmtpMailer(`smtp://127.0.0.1:${port}`));
  const started = Date.now();
  const failure = await failureOf(down.deliverNotice({ destination: recipient('ops@example.com'), notice: notice('run-down.d0') }));
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(failure.type).toBe('DeliveryFailed');
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toContain('ops@example.com');
  expect(failure.message).toContain('ECONNREFUSED');
}, 20_000);

test('a server that accepts the connection but never greets fails the attempt within the SMTP greeting timeout', async () => {
  const silent = createServer(() => undefined); // accepts, says nothing
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  try {
    const stalled = activitiesWith(createSmtpMailer(`smtp://127.0.0.1:${port}`));
    const started = Date.now();
    const failure = await failureOf(stalled.deliverNotice({ destination: recipient('ops@example.com'), notice: notice('run-stalled.d0') }));
    // Well before the delivery activity's 45 s start-to-close: no second attempt runs beside a stalled first one.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failure.type).toBe('DeliveryFailed');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/Greeting never received/);
  } finally {
    silent.close();
  }
}, 30_000);

test('SMTP AUTH with the right credentials delivers; without credentials the server refuses', async () => {
  const { port, received } = await startAuthServer();
  const authed = activitiesWith(createSmtpMailer(`smtp://alerts:s3cret@127.0.0.1:${port}`));
  expect(await authed.deliverNotice({ destination: recipient('ops@example.com'), notice: notice('run-auth.d0') })).toEqual({ key: 'mailto:ops@example.com' });
  expect(received).toEqual([{ user: 'alerts', to: ['ops@example.com'] }]);

  // Without credentials the server refuses the mail: it really requires AUTH.
  const anonymous = activitiesWith(createSmtpMailer(`smtp://127.0.0.1:${port}`));
  const failure = await failureOf(anonymous.deliverNotice({ destination: recipient('ops@example.com'), notice: notice('run-anon.d0') }));
  expect(failure.type).toBe('DeliveryRefused');
  expect(received).toHaveLength(1);
});

test('SMTP AUTH with a wrong password is a non-retryable refusal that does not reveal the password', async () => {
  const { port, received } = await startAuthServer();
  const password = 'wr0ng-Pa55word';
  const bad = activitiesWith(createSmtpMailer(`smtp://alerts:${password}@127.0.0.1:${port}`));
  const failure = await failureOf(bad.deliverNotice({ destination: recipient('ops@example.com'), notice: notice('run-badauth.d0') }));
  expect(failure.type).toBe('DeliveryRefused');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('535');
  expect(failure.message).toContain('ops@example.com');
  expect(failure.message).not.toContain(password);
  expect(failure.stack ?? '').not.toContain(password);
  expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain(password);
  expect(received).toEqual([]);
});

test('deliverNotice to a channel destination never shows the channel secret; a removed channel is refused for good', async () => {
  const [hook] = await acts.resolveDestinations({ recipients: [], channels: [{ name: TEAM, fromStep: 0 }] });
  // Port 9 on loopback: nothing listens, the delivery may pass later.
  const down = await failureOf(acts.deliverNotice({ destination: hook!, notice: notice('run-hook.d0') }));
  expect(down.type).toBe('DeliveryFailed');
  expect(down.nonRetryable).toBe(false);
  expect(down.message).toContain(`${TEAM} (webhook)`);
  expect(JSON.stringify({ ...down, message: down.message, stack: down.stack })).not.toContain('s3cr3t');

  const gone = await failureOf(acts.deliverNotice({ destination: { ...hook!, channel: 'no-such-channel', label: 'no-such-channel (webhook)' }, notice: notice('run-gone.d0') }));
  expect(gone.type).toBe('DeliveryRefused');
  expect(gone.nonRetryable).toBe(true);
  expect(gone.message).toContain('"no-such-channel" was removed');
});

// ---------------------------------------------------------------- resolveDestinations

test('resolveDestinations: recipients lower-cased to mailto keys; channels expand to one destination per address and one per webhook', async () => {
  const destinations = await acts.resolveDestinations({
    recipients: ['Oncall@Example.ORG'],
    channels: [
      { name: 'mail-team', fromStep: 10 },
      { name: TEAM, fromStep: 60 },
    ],
  });
  expect(destinations).toEqual([
    { key: 'mailto:oncall@example.org', target: 'oncall@example.org', kind: 'mailto', label: 'oncall@example.org', fromStep: 0 },
    { key: 'mailto:lead@example.net', channel: 'mail-team', target: 'lead@example.net', kind: 'mailto', label: 'lead@example.net', fromStep: 10 },
    { key: 'mailto:ops@example.com', channel: 'mail-team', target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 10 },
    { key: TEAM, channel: TEAM, target: '', kind: 'webhook', label: `${TEAM} (webhook)`, fromStep: 60 },
  ]);
  // This goes into the workflow's history: no URL, no secret.
  const json = JSON.stringify(destinations);
  expect(json).not.toContain('s3cr3t');
  expect(json).not.toContain('127.0.0.1:9');
  expect(json).not.toContain('webhook+http');
  expect(json).not.toContain('/hook');
});

test('resolveDestinations: the same address from recipients and a channel (or two channels) is one destination with the lower fromStep', async () => {
  const both = await acts.resolveDestinations({ recipients: ['OPS@example.com'], channels: [{ name: 'mail-team', fromStep: 60 }] });
  expect(both.filter((d) => d.key === OPS)).toEqual([{ key: OPS, target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 0 }]);
  expect(both.map((d) => d.key)).toEqual([OPS, 'mailto:lead@example.net']);

  const twice = await acts.resolveDestinations({
    recipients: [],
    channels: [
      { name: 'mail-team', fromStep: 60 },
      { name: 'mail-team', fromStep: 10 },
    ],
  });
  expect(twice.map((d) => [d.key, d.fromStep])).toEqual([
    ['mailto:lead@example.net', 10],
    [OPS, 10],
  ]);
});

test('resolveDestinations: an unknown channel is non-retryable InvalidCheckInput naming channels[i]', async () => {
  const failure = await failureOf(acts.resolveDestinations({ recipients: ['ops@example.com'], channels: [{ name: TEAM, fromStep: 0 }, { name: 'nope', fromStep: 0 }] }));
  expect(failure.type).toBe('InvalidCheckInput');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('channels[1]');
  expect(failure.message).toContain('"nope"');
  expect(failure.details).toEqual(['channels[1]']);
  expect(failure.message).not.toContain('s3cr3t');
});

// ---------------------------------------------------------------- loadHostsPage

test('loadHostsPage pages through eligible offline hosts: 3, 3, 1, each once', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push(await addReportedHost(pageHosts, `offline-${i}`, T - (20 + i) * MIN));
  // Not eligible or not offline: none of these may appear or take room on a page.
  await addReportedHost(pageHosts, 'online', T - 10_000);
  await addReportedHost(pageHosts, 'no-alarm', T - 30 * MIN, { alarm: false });
  await addReportedHost(pageHosts, 'inactive', T - 30 * MIN, { active: false });
  await pageHosts.add('never-reported');

  const acts2 = activitiesWith(createSmtpMailer(catcher.url), pageHosts);
  const cutoff = T - 5 * MIN;
  const p1 = await acts2.loadHostsPage({ cutoff, limit: 3 });
  expect(p1.nextAfterId).toBe(ids[2]);
  const p2 = await acts2.loadHostsPage({ cutoff, limit: 3, afterId: p1.nextAfterId! });
  expect(p2.nextAfterId).toBe(ids[5]);
  const p3 = await acts2.loadHostsPage({ cutoff, limit: 3, afterId: p2.nextAfterId! });
  expect(p3.nextAfterId).toBeUndefined();
  expect('nextAfterId' in p3).toBe(false);

  expect([p1, p2, p3].map((p) => p.hosts.length)).toEqual([3, 3, 1]);
  const seen = [p1, p2, p3].flatMap((p) => p.hosts);
  expect(seen.map((h) => h.id)).toEqual(ids);
  expect(seen[0]).toEqual({ id: ids[0], name: 'offline-0', lastReportAt: T - 20 * MIN, alerts: [] });
  expect(seen[6]).toEqual({ id: ids[6], name: 'offline-6', lastReportAt: T - 26 * MIN, alerts: [] });
});

// ---------------------------------------------------------------- recordAlertState

test('recordAlertState writes what accepted destinations were told, and only that, and is idempotent on replay', async () => {
  const team: Destination = { key: TEAM, channel: TEAM, target: '', kind: 'webhook', label: `${TEAM} (webhook)`, fromStep: 0 };
  const destinations = [recipient('ops@example.com'), team];
  const outageA = T - 15 * MIN;
  const a = await addReportedHost(hosts, 'rec-a', outageA);
  const outageB = T - 90 * MIN;
  const b = await addReportedHost(hosts, 'rec-b', outageB);
  await markNotified(hosts, b, outageB, 60, T - 30 * MIN, [OPS, TEAM]);
  await hosts.recordReport(b, {}, new Date(T - 10_000)); // b is back: both get its recovery
  const outageS = T - 40 * MIN;
  const stale = await addReportedHost(hosts, 'rec-stale', outageS);

  const evaluation = await evaluate(acts, [a, b, stale], T, destinations);
  expect(evaluation.lines.map((l) => [l.line.name, l.line.kind, l.to])).toEqual([
    ['rec-a', 'offline', [0, 1]],
    ['rec-b', 'recovered', [0, 1]],
    ['rec-stale', 'offline', [0, 1]],
  ]);
  await hosts.recordReport(stale, {}, new Date(T + 10_000)); // reported again after the check read it

  // The webhook did not accept its notice; only the address's state advances.
  const req = { writes: evaluation.writes, accepted: [OPS], checkTime: T };
  expect(await acts.recordAlertState(req)).toEqual({ applied: 3, skipped: 0 });
  const ops = encodeDestKey(OPS);
  const docA = await docOf(hosts, a);
  expect(docA?.alerts).toEqual({ [`offline_${outageA}`]: { start: new Date(outageA), notifiedAt: new Date(T), sent: { [ops]: 10 } } });
  // b: the address was told it is back; the webhook keeps its state, to be told in a later run.
  const docB = await docOf(hosts, b);
  expect(docB?.alerts?.[`offline_${outageB}`]?.sent).toEqual({ [TEAM]: 60 });
  // The notice announced the stale host's outage: its state is recorded, and the next check reports it back.
  expect((await docOf(hosts, stale))?.alerts?.[`offline_${outageS}`]?.sent).toEqual({ [ops]: 10 });

  // A retried activity replays the same request: nothing changes.
  expect(await acts.recordAlertState(req)).toEqual({ applied: 0, skipped: 3 });
  expect((await docOf(hosts, a))?.alerts).toEqual(docA?.alerts);
  expect((await docOf(hosts, b))?.alerts).toEqual(docB?.alerts);

  // Nothing accepted: nothing is written.
  const later = await evaluate(acts, [a], T + 10 * MIN, destinations);
  expect(await acts.recordAlertState({ writes: later.writes, accepted: [], checkTime: T + 10 * MIN })).toEqual({ applied: 0, skipped: 1 });
  expect((await docOf(hosts, a))?.alerts).toEqual(docA?.alerts);
});

test('recordAlertState stops writing once its activity is cancelled (its run was terminated) instead of finishing the chunk', async () => {
  const outage = T - 30 * MIN;
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) ids.push(await addReportedHost(pageHosts, `cancel-${i}`, outage));
  const writes: HostWrite[] = ids.map((hostId) => notifiedWrite(hostId, outage, { [OPS]: 10 }));
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => {
    // The server's answer to the third heartbeat: the activity is cancelled.
    if (++beats === 3) env.cancel('CANCELLED');
  });
  const run = env.run(activitiesWith(createSmtpMailer(catcher.url), pageHosts).recordAlertState, { writes, accepted: [OPS], checkTime: T });
  await expect(run).rejects.toThrow();
  const docs = await pageHosts.collection.find({ name: /^cancel-/ }).toArray();
  const written = docs.filter((d) => d.alerts?.[`offline_${outage}`]?.sent?.[encodeDestKey(OPS)] === 10);
  expect(written.map((d) => d._id.toHexString())).toEqual(ids.slice(0, 3));
});
