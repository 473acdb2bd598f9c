/**
 * The delivery activity with acknowledge links, against a real SMTP server and FerretDB: the mail carries the link
 * after the step line; the activity's result is only the destination key; no link key, no links: the notice still
 * goes.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ObjectId } from 'mongodb';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { createDeliveryActivities } from '../../src/activities/delivery.js';
import type { Notice } from '../../src/channels/types.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { AckKeyStore, AckLinks, readAckToken } from '../../src/store/ack-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { freshStore } from '../support/db.js';

let catcher: MailCatcher;
let mongo: MongoHandle;
beforeAll(async () => {
  catcher = await new MailCatcher().start();
  ({ mongo } = await freshStore());
});
afterAll(async () => {
  await catcher?.stop();
  await mongo?.close();
});

const hostId = new ObjectId().toHexString();
const notice: Notice = {
  id: 'run.d0',
  run: 'run',
  checkTime: Date.UTC(2026, 11, 1, 10, 12),
  timezone: 'UTC',
  offline: [{ kind: 'offline', hostId, name: 'web-1', step: 10, offlineMs: 12 * 60_000, lastReportAt: Date.UTC(2026, 11, 1, 10, 0) }],
  recoveries: [],
  offlineTotal: 1,
  recoveryTotal: 0,
};
const destination = { key: 'mailto:ops@example.com', target: 'ops@example.com', kind: 'mailto', label: 'ops@example.com', fromStep: 0 };
const activities = (ackLinks?: Parameters<typeof createDeliveryActivities>[0]['ackLinks']) =>
  createDeliveryActivities({ channels: { get: async () => null }, mailer: createSmtpMailer(catcher.url), from: 'hostwatch <alerts@hostwatch.test>', ...(ackLinks && { ackLinks }) });

test('the delivered mail has the link after the step line; the result is only the key; the workflow notice is untouched', async () => {
  catcher.messages.length = 0;
  const given = structuredClone(notice);
  const result = await activities(new AckLinks(mongo.db, 'https://hw.example.test')).deliverNotice({ destination, notice: given });
  expect(result).toEqual({ key: destination.key });
  expect(given).toEqual(notice);
  const [mail] = catcher.messages;
  const m = /^OFFLINE {2}web-1: offline 12 minutes, last report 2026-12-01 10:00:00 \+00:00\n {2}acknowledge: https:\/\/hw\.example\.test\/ack\/([A-Za-z0-9_-]+)$/m.exec(mail!.text);
  expect(m).not.toBeNull();
  expect(readAckToken(await new AckKeyStore(mongo.db).key(), m![1]!)).toEqual({ ok: true, hostId, key: `offline_${Date.UTC(2026, 11, 1, 10, 0)}` });
});

test('the link key cannot be read: the notice goes without links', async () => {
  catcher.messages.length = 0;
  await activities({ addTo: async () => Promise.reject(new Error('database down')) }).deliverNotice({ destination, notice });
  expect(catcher.messages).toHaveLength(1);
  expect(catcher.messages[0]!.text).toContain('OFFLINE  web-1');
  expect(catcher.messages[0]!.text).not.toContain('acknowledge:');
});
