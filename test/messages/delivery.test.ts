/**
 * The delivery activity's locale and template choice, against real services: channels stored in FerretDB, a loopback
 * webhook server that records what it gets, a real SMTP server. A channel's template renders into the notice; one
 * that fails at send time (stored past the checks) falls back to the default message and logs one warning; the
 * effective locale is the channel's, else the schedule's, else English; a locale with no catalogue is bad input.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { createDeliveryActivities } from '../../src/activities/delivery.js';
import type { Destination } from '../../src/alerting/types.js';
import type { Notice } from '../../src/channels/types.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { addChannel } from '../../src/ops/channels.js';
import { ChannelStore } from '../../src/store/channels-store.js';
import type { MongoHandle } from '../../src/store/mongo.js';
import { loopback, sampleNotice, type Loopback } from '../channels/support.js';
import { freshStore } from '../support/db.js';

const TEMPLATE = {
  title: '{{ counts.offline }} down / {{ counts.back }} up ({{ locale }})',
  body: '{% for l in alerts %}{{ l.label }} {{ l.host }} {{ l.duration }}\n{% endfor %}{{ footer }}',
};

let mongo: MongoHandle;
let store: ChannelStore;
let hook: Loopback;
let catcher: MailCatcher;
let mailer: Mailer;
const warnings: { message: string; meta: Record<string, unknown> }[] = [];
let activities: ReturnType<typeof createDeliveryActivities>;

beforeAll(async () => {
  ({ mongo } = await freshStore());
  store = new ChannelStore(mongo.db);
  hook = await loopback();
  catcher = await new MailCatcher().start();
  mailer = createSmtpMailer(catcher.url);
  activities = createDeliveryActivities({ channels: store, mailer, from: 'hostwatch <alerts@hostwatch.test>', warn: (message, meta) => warnings.push({ message, meta }) });
  await addChannel(store, { name: 'tpl', url: `webhook+${hook.base}/tpl`, template: TEMPLATE });
  await addChannel(store, { name: 'plain-en', url: `webhook+${hook.base}/en`, locale: 'en' });
  await addChannel(store, { name: 'bad', url: `webhook+${hook.base}/bad`, template: { title: 'fine' } });
  // A template that could never pass the checks, stored directly (an older release, a hand edit).
  await store.collection.updateOne({ name: 'bad' }, { $set: { template: { body: 'a\n{{ lines | nope }}' } } });
});
afterAll(async () => {
  mailer?.close();
  await catcher?.stop();
  await hook?.close();
  await mongo?.close();
});

async function deliverTo(channel: string, notice: Notice): Promise<Record<string, any>> {
  const [d] = (await activities.resolveDestinations({ recipients: [], channels: [{ name: channel, fromStep: 0 }] })) as [Destination];
  const before = hook.requests.length;
  await activities.deliverNotice({ destination: d, notice });
  expect(hook.requests).toHaveLength(before + 1);
  return hook.requests.at(-1)!.json;
}

test('a channel template renders into the webhook title and text, in the schedule\'s locale', async () => {
  const en = await deliverTo('tpl', sampleNotice());
  expect(en.title).toBe('2 down / 1 up (en)');
  expect(en.text).toMatch(/^OFFLINE web-1 63 minutes\nOFFLINE web-2 62 minutes\n2 hosts offline, 1 back online\.$/);
  expect(en.lines).toHaveLength(3); // the lines stay there as data

  const zh = await deliverTo('tpl', { ...sampleNotice(), locale: 'zh-CN' });
  expect(zh.title).toBe('2 down / 1 up (zh-CN)');
  expect(zh.text).toBe('离线 web-1 1 小时 3 分钟\n离线 web-2 1 小时 2 分钟\n2 台主机离线，1 台恢复在线。');
  expect(warnings).toEqual([]);
});

test('a channel\'s locale wins over the schedule\'s; without either the notice is English', async () => {
  const en = await deliverTo('plain-en', { ...sampleNotice(), locale: 'zh-CN' });
  expect(en.title).toMatch(/^\[hostwatch\] 2 hosts offline, 1 back online at /);
  expect(en.text).toContain('OFFLINE  web-1: offline 63 minutes');
  const mail = (await activities.resolveDestinations({ recipients: ['zh@example.com'], channels: [] }))[0]!;
  await activities.deliverNotice({ destination: mail, notice: { ...sampleNotice(), locale: 'zh-CN' } });
  expect(catcher.messages.at(-1)!.subject).toMatch(/^\[hostwatch\] 2 台主机离线，1 台恢复在线（/);
});

test('a template that fails at send time: the default message goes, and one warning names the channel and the reason', async () => {
  const body = await deliverTo('bad', sampleNotice());
  expect(body.title).toMatch(/^\[hostwatch\] 2 hosts offline, 1 back online at /);
  expect(body.text).toContain('OFFLINE  web-1: offline 63 minutes');
  expect(body.text.endsWith('2 hosts offline, 1 back online.')).toBe(true);
  expect(warnings).toEqual([
    { message: 'Channel template failed: the default message was sent', meta: { channel: 'bad', destination: 'bad (webhook)', reason: 'undefined filter: nope' } },
  ]);
  expect(JSON.stringify(warnings)).not.toContain(hook.base); // no URL in the log
});

test('a schedule locale with no catalogue is bad check input naming locale', async () => {
  const err = await activities.resolveDestinations({ recipients: ['a@example.com'], channels: [], locale: 'fr' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: 'InvalidCheckInput', nonRetryable: true, message: 'invalid check input: locale has no catalogue "fr" (known: en, zh-CN)', details: ['locale'] });
  expect(await activities.resolveDestinations({ recipients: ['a@example.com'], channels: [], locale: 'zh-CN' })).toHaveLength(1);
});
