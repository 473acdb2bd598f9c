import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { SMTPServer } from 'smtp-server';
import type { AddressObject } from 'mailparser';
import { createActivities, SMTP_REJECTED, type Activities } from '../../src/activities/index.js';
import { createSmtpMailer, messageIdFor, type Mailer } from '../../src/mail/mailer.js';
import type { HostStore } from '../../src/store/hosts-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { freePort } from '../../scripts/lib/services.js';
import { addReportedHost, freshStore } from '../support/db.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const FROM = 'hostwatch <alerts@hostwatch.example>';
const TZ = 'Europe/Berlin';
const RECIPIENTS = ['ops@example.com', 'oncall@example.org'];

const stores: MongoHandle[] = [];
const mailers: Mailer[] = [];
const servers: SMTPServer[] = [];
let catcher: MailCatcher;
let hosts: HostStore;
let pageHosts: HostStore;
let acts: Activities;

function activitiesWith(mailer: Mailer, store: HostStore = hosts): Activities {
  mailers.push(mailer);
  return createActivities({ hosts: store, mailer, from: FROM, defaultTimezone: TZ });
}

function digest(runKey: string, recipients = RECIPIENTS) {
  return { recipients, subject: `hostwatch: 1 host offline (${runKey})`, text: `web-1 offline 12 minutes, last report 11:48\nrun ${runKey}\n`, runKey };
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

beforeAll(async () => {
  const [a, b] = await Promise.all([freshStore(), freshStore()]);
  stores.push(a.mongo, b.mongo);
  hosts = a.hosts;
  pageHosts = b.hosts;
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

test('sendDigest delivers one message to all recipients with a Message-ID derived from the run', async () => {
  const before = catcher.messages.length;
  const req = digest('check-host-status/2026-11-23T12:00:00Z');
  const receipt = await acts.sendDigest(req);
  const expectedId = messageIdFor(req.runKey, FROM);
  expect(expectedId).toBe('<hostwatch.check-host-status-2026-11-23T12-00-00Z@hostwatch.example>');
  expect(receipt).toEqual({ messageId: expectedId, accepted: 2, rejected: [] });

  const [mail] = (await catcher.waitFor(before + 1)).slice(before);
  expect(catcher.messages).toHaveLength(before + 1);
  expect(mail!.envelopeTo).toEqual(RECIPIENTS);
  expect(mail!.parsed.from?.value).toEqual([{ name: 'hostwatch', address: 'alerts@hostwatch.example' }]);
  expect(addresses(mail!.parsed.to)).toEqual(RECIPIENTS);
  expect(mail!.subject).toBe(req.subject);
  expect(mail!.text.trimEnd()).toBe(req.text.trimEnd());
  expect(mail!.messageId).toBe(expectedId);
  expect(mail!.messageId).toBe(receipt.messageId);
});

test('a resent run carries the same Message-ID; another run a different one', async () => {
  const before = catcher.messages.length;
  const first = await acts.sendDigest(digest('run-42'));
  const retried = await acts.sendDigest(digest('run-42'));
  const other = await acts.sendDigest(digest('run-43'));
  expect(retried.messageId).toBe(first.messageId);
  expect(other.messageId).not.toBe(first.messageId);
  const got = (await catcher.waitFor(before + 3)).slice(before).map((m) => m.messageId);
  expect(got).toEqual([first.messageId, first.messageId, other.messageId]);
  expect(got).toEqual([messageIdFor('run-42', FROM), messageIdFor('run-42', FROM), messageIdFor('run-43', FROM)]);
});

test('a 5xx rejection becomes a non-retryable SmtpRejected ApplicationFailure', async () => {
  catcher.fault = { kind: 'reject' };
  const before = catcher.messages.length;
  const attempts = catcher.attempts;
  const err = await rejectionOf(acts.sendDigest(digest('run-rejected')));
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(SMTP_REJECTED).toBe('SmtpRejected');
  expect(failure.type).toBe('SmtpRejected');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('5.7.1 message rejected by policy');
  expect(failure.message).toContain('554');
  expect(catcher.attempts).toBe(attempts + 1);
  expect(catcher.messages).toHaveLength(before);
});

test('a 4xx temporary failure is rethrown as a retryable error, and a retry then delivers', async () => {
  catcher.fault = { kind: 'tempfail', count: 1 };
  const before = catcher.messages.length;
  const err = await rejectionOf(acts.sendDigest(digest('run-tempfail')));
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as { responseCode?: number }).responseCode).toBe(451);
  expect((err as { nonRetryable?: unknown }).nonRetryable).toBeUndefined();
  expect((err as Error).message).toContain('4.3.0 temporary failure');
  expect(catcher.messages).toHaveLength(before);

  const receipt = await acts.sendDigest(digest('run-tempfail'));
  const [mail] = (await catcher.waitFor(before + 1)).slice(before);
  expect(mail!.messageId).toBe(receipt.messageId);
  expect(receipt.messageId).toBe(messageIdFor('run-tempfail', FROM));
});

test('an SMTP server that is not listening gives a retryable error quickly', async () => {
  const port = await freePort(); // nothing listens here
  const down = activitiesWith(createSmtpMailer(`smtp://127.0.0.1:${port}`));
  const started = Date.now();
  const err = await rejectionOf(down.sendDigest(digest('run-down')));
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as { nonRetryable?: unknown }).nonRetryable).toBeUndefined();
  expect((err as Error).message).toContain('ECONNREFUSED');
}, 20_000);

test('a server that accepts the connection but never greets fails the attempt within the SMTP greeting timeout', async () => {
  const silent = createServer(() => undefined); // accepts, says nothing
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  try {
    const stalled = activitiesWith(createSmtpMailer(`smtp://127.0.0.1:${port}`));
    const started = Date.now();
    const err = await rejectionOf(stalled.sendDigest(digest('run-stalled')));
    // Well before the activity's 45 s start-to-close: no second attempt runs beside a stalled first one.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toMatch(/Greeting never received/);
  } finally {
    silent.close();
  }
}, 30_000);

test('SMTP AUTH with the right credentials delivers', async () => {
  const { port, received } = await startAuthServer();
  const authed = activitiesWith(createSmtpMailer(`smtp://alerts:s3cret@127.0.0.1:${port}`));
  const receipt = await authed.sendDigest(digest('run-auth'));
  expect(receipt).toEqual({ messageId: messageIdFor('run-auth', FROM), accepted: 2, rejected: [] });
  expect(received).toEqual([{ user: 'alerts', to: RECIPIENTS }]);

  // Without credentials the server refuses the mail: it really requires AUTH.
  const anonymous = activitiesWith(createSmtpMailer(`smtp://127.0.0.1:${port}`));
  const err = await rejectionOf(anonymous.sendDigest(digest('run-anon')));
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('SmtpRejected');
  expect(received).toHaveLength(1);
});

test('SMTP AUTH with a wrong password is a non-retryable rejection that does not reveal the password', async () => {
  const { port, received } = await startAuthServer();
  const password = 'wr0ng-Pa55word';
  const bad = activitiesWith(createSmtpMailer(`smtp://alerts:${password}@127.0.0.1:${port}`));
  const err = await rejectionOf(bad.sendDigest(digest('run-badauth')));
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.type).toBe('SmtpRejected');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('535');
  expect(failure.message).not.toContain(password);
  expect(failure.stack ?? '').not.toContain(password);
  expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain(password);
  expect(received).toEqual([]);
});

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
  expect(seen[0]).toEqual({ id: ids[0], name: 'offline-0', lastReportAt: T - 20 * MIN });
  expect(seen[6]).toEqual({ id: ids[6], name: 'offline-6', lastReportAt: T - 26 * MIN });
});

test('recordAlertState applies notify and clear changes and is idempotent on replay', async () => {
  const outageA = T - 15 * MIN;
  const a = await addReportedHost(hosts, 'rec-a', outageA);
  const outageB = T - 90 * MIN;
  const b = await addReportedHost(hosts, 'rec-b', outageB);
  await hosts.applyStateChanges([{ kind: 'notify', hostId: b, outage: outageB, step: 60 }], T - 30 * MIN);
  await hosts.recordReport(b, {}, new Date(T - MIN)); // b is back: its state gets cleared
  const stale = await addReportedHost(hosts, 'rec-stale', T - 40 * MIN);
  await hosts.recordReport(stale, {}, new Date(T - 10_000)); // reported again after the check read it

  const req = {
    checkTime: T,
    changes: [
      { kind: 'notify' as const, hostId: a, outage: outageA, step: 10 },
      { kind: 'clear' as const, hostId: b, outage: outageB },
      { kind: 'notify' as const, hostId: stale, outage: T - 40 * MIN, step: 10 },
    ],
  };
  expect(await acts.recordAlertState(req)).toEqual({ applied: 3, skipped: 0 });
  const docA = await hosts.collection.findOne({ _id: new ObjectId(a) });
  expect(docA?.alert).toEqual({ outage: new Date(outageA), step: 10, notifiedAt: new Date(T) });
  expect((await hosts.collection.findOne({ _id: new ObjectId(b) }))?.alert).toBeUndefined();
  // The digest announced the stale host's outage: its state is recorded, and the next check reports it back.
  expect((await hosts.collection.findOne({ _id: new ObjectId(stale) }))?.alert).toMatchObject({ outage: new Date(T - 40 * MIN), step: 10 });

  // A retried activity replays the same request: nothing changes.
  expect(await acts.recordAlertState(req)).toEqual({ applied: 0, skipped: 3 });
  expect((await hosts.collection.findOne({ _id: new ObjectId(a) }))?.alert).toEqual(docA?.alert);
  expect((await hosts.collection.findOne({ _id: new ObjectId(b) }))?.alert).toBeUndefined();
});

test('recordAlertState stops writing once its activity is cancelled (its run was terminated) instead of finishing the chunk', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) ids.push(await addReportedHost(pageHosts, `cancel-${i}`, T - 30 * MIN));
  const changes = ids.map((hostId) => ({ kind: 'notify' as const, hostId, outage: T - 30 * MIN, step: 10 }));
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => {
    // The server's answer to the third heartbeat: the activity is cancelled.
    if (++beats === 3) env.cancel('CANCELLED');
  });
  const run = env.run(activitiesWith(createSmtpMailer(catcher.url), pageHosts).recordAlertState, { changes, checkTime: T });
  await expect(run).rejects.toThrow();
  const written = await pageHosts.collection.countDocuments({ name: /^cancel-/, 'alert.step': 10 });
  expect(written).toBe(3);
});
