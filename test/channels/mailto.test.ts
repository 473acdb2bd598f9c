/** The mailto kind against a real SMTP server (MailCatcher) that refuses some recipients, as greylisting and unknown users do. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fitText, noticeTitle } from '../../src/channels/format.js';
import { MAX_ADDRESSES, mailto } from '../../src/channels/mailto.js';
import { deliver, KINDS, parseChannelUrl, redactedUrl } from '../../src/channels/registry.js';
import { DeliveryError, type SendContext } from '../../src/channels/types.js';
import { createSmtpMailer, messageIdFor, type Mailer } from '../../src/mail/mailer.js';
import { MailCatcher } from '../../scripts/lib/mail-catcher.js';
import { assertRoundTrip, CONDITION_FOOTER, CONDITION_LINES, CONDITION_TITLE, conditionNotice, sampleNotice, urlError } from './support.js';

const FROM = 'hostwatch <alerts@hostwatch.example>';
const PASSWORD = 'smtp-Pa55word-9f2k';


/** Recipients starting with `grey` get 450 at RCPT TO, `gone` 550; everyone else is accepted. */
let catcher: MailCatcher;
let port: number;
let mailer: Mailer;

beforeAll(async () => {
  catcher = await new MailCatcher({ password: PASSWORD }).start();
  catcher.refuseRecipient = (address) =>
    address.startsWith('grey') ? { code: 450, message: '4.7.1 greylisted, try again later' } : address.startsWith('gone') ? { code: 550, message: '5.1.1 no such user here' } : undefined;
  port = catcher.port;
  mailer = createSmtpMailer(`smtp://hostwatch:${PASSWORD}@127.0.0.1:${port}`);
});

afterAll(async () => {
  mailer.close();
  await catcher?.stop();
});

const ctx = (over: Partial<SendContext> = {}): SendContext => ({ timeoutMs: 10_000, mailer, from: FROM, ...over });

async function deliveryError(p: Promise<void>): Promise<DeliveryError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryError);
    return err as DeliveryError;
  }
  throw new Error('expected the delivery to fail');
}

const to = (address: string) => catcher.messages.filter((m) => m.envelopeTo.includes(address));

test('mailto is registered and each address, lower-cased and without repeats, is one destination', () => {
  expect(KINDS).toContain(mailto);
  const channel = parseChannelUrl('mailto:Ops@Example.com,oncall@example.com,ops@example.COM');
  expect(channel.kind).toBe(mailto);
  expect(channel.config).toEqual({ addresses: ['ops@example.com', 'oncall@example.com'] });
  expect(channel.kind.destinations(channel.config)).toEqual(['ops@example.com', 'oncall@example.com']);
  expect(channel.kind.secrets(channel.config)).toEqual([]);
  expect(redactedUrl(channel)).toBe('mailto:ops@example.com,oncall@example.com');
});

test('one message per address, to that address only, with the notice text; a retried send carries the same Message-ID', async () => {
  const channel = parseChannelUrl('mailto:a1@example.com,b1@example.com');
  const notice = sampleNotice({ id: 'hostwatch-check.run-7.mail' });
  for (const address of ['a1@example.com', 'b1@example.com']) await deliver(channel, address, notice, ctx());
  await deliver(channel, 'a1@example.com', notice, ctx()); // the retry of an attempt whose answer was lost

  const a = to('a1@example.com');
  const b = to('b1@example.com');
  expect(a).toHaveLength(2);
  expect(b).toHaveLength(1);
  const id = messageIdFor(notice.id, FROM);
  expect(id).toBe('<hostwatch.hostwatch-check.run-7.mail@hostwatch.example>');
  for (const m of [...a, ...b]) {
    expect(m.envelopeTo).toHaveLength(1);
    expect(m.parsed.messageId).toBe(id);
    expect(m.parsed.subject).toBe(noticeTitle(notice));
    expect(m.parsed.from?.value).toEqual([{ name: 'hostwatch', address: 'alerts@hostwatch.example' }]);
    expect(m.parsed.text?.trimEnd()).toBe(`${noticeTitle(notice)}\n\n${fitText(notice, 1_000_000)}`);
  }
  expect(a[0]!.parsed.to).toMatchObject({ value: [{ address: 'a1@example.com' }] });
  expect(b[0]!.parsed.to).toMatchObject({ value: [{ address: 'b1@example.com' }] });
  expect(a[0]!.parsed.text).toContain('web-1');
  expect(a[0]!.parsed.text).toContain('db-1');
});

test('metric-rule, reboot and resolved lines: the subject counts alerts and resolved rules, the text has each line', async () => {
  const channel = parseChannelUrl('mailto:rules@example.com');
  await deliver(channel, 'rules@example.com', conditionNotice({ id: 'hostwatch-check.run-12.mail' }), ctx());
  const [mail] = to('rules@example.com');
  expect(mail!.parsed.subject).toBe(CONDITION_TITLE);
  expect(mail!.parsed.text?.trimEnd()).toBe([CONDITION_TITLE, '', ...CONDITION_LINES, '', CONDITION_FOOTER].join('\n'));
});

test('450 (greylisting) retries, 550 does not; the other address still gets its own message; no password in a message', async () => {
  const channel = parseChannelUrl('mailto:grey@example.com,ok2@example.com,gone@example.com');
  const notice = sampleNotice({ id: 'hostwatch-check.run-8.mail' });
  const grey = await deliveryError(deliver(channel, 'grey@example.com', notice, ctx()));
  await deliver(channel, 'ok2@example.com', notice, ctx());
  const gone = await deliveryError(deliver(channel, 'gone@example.com', notice, ctx()));

  expect(grey.retry).toBe(true);
  expect(grey.message).toBe('mail server refused grey@example.com at RCPT TO: SMTP 450 4.7.1 greylisted, try again later');
  expect(gone.retry).toBe(false);
  expect(gone.message).toBe('mail server refused gone@example.com at RCPT TO: SMTP 550 5.1.1 no such user here');
  expect(to('ok2@example.com')).toHaveLength(1);
  expect(to('grey@example.com')).toHaveLength(0);
  expect(to('gone@example.com')).toHaveLength(0);
  for (const e of [grey, gone]) expect(`${e.message} ${e.stack}`).not.toContain(PASSWORD);
});

test('a mail server that cannot be reached retries and the error holds no SMTP password', async () => {
  const channel = parseChannelUrl('mailto:ops@example.com');
  const closed = createSmtpMailer(`smtp://hostwatch:${PASSWORD}@127.0.0.1:1`);
  try {
    const err = await deliveryError(deliver(channel, 'ops@example.com', sampleNotice(), ctx({ mailer: closed })));
    expect(err.retry).toBe(true);
    expect(err.message).toMatch(/^mail to ops@example\.com failed \(\w+\): .*ECONNREFUSED/);
    expect(err.message).not.toContain(PASSWORD);
  } finally {
    closed.close();
  }
});

test('wrong credentials (535) are permanent', async () => {
  const channel = parseChannelUrl('mailto:ops@example.com');
  const wrong = createSmtpMailer(`smtp://hostwatch:not-the-password@127.0.0.1:${port}`);
  try {
    const err = await deliveryError(deliver(channel, 'ops@example.com', sampleNotice(), ctx({ mailer: wrong })));
    expect(err.retry).toBe(false);
    expect(err.message).toMatch(/^mail server refused ops@example\.com at AUTH \w+: SMTP 535 /);
    expect(err.message).not.toContain('not-the-password');
  } finally {
    wrong.close();
  }
});

test('a mailer that resolves with the address rejected is a failure, classified by its reply code when it has one', async () => {
  const channel = parseChannelUrl('mailto:ops@example.com');
  const resolving = (extra: object): Mailer => ({
    send: async (m) => ({ messageId: m.messageId, accepted: [], rejected: ['Ops@Example.com'], ...extra }),
    close: () => undefined,
  });
  const plain = await deliveryError(deliver(channel, 'ops@example.com', sampleNotice(), ctx({ mailer: resolving({}) })));
  expect(plain.retry).toBe(true);
  expect(plain.message).toBe('mail to ops@example.com failed: the mail server did not accept the address');
  const coded = await deliveryError(
    deliver(channel, 'ops@example.com', sampleNotice(), ctx({ mailer: resolving({ rejectedErrors: [{ responseCode: 550, response: '550 5.1.1 unknown', command: 'RCPT TO' }] }) })),
  );
  expect(coded.retry).toBe(false);
  expect(coded.message).toBe('mail server refused ops@example.com at RCPT TO: SMTP 550 5.1.1 unknown');
});

test('no mailer, a destination not in the channel, and a mail server that does not answer in time', async () => {
  const channel = parseChannelUrl('mailto:ops@example.com');
  const none = await deliveryError(deliver(channel, 'ops@example.com', sampleNotice(), { timeoutMs: 1000 }));
  expect(none.retry).toBe(false);
  expect(none.message).toContain('SMTP_URL');
  const other = await deliveryError(deliver(channel, 'else@example.com', sampleNotice(), ctx()));
  expect(other.retry).toBe(false);
  const stalled: Mailer = { send: () => new Promise(() => undefined), close: () => undefined };
  const slow = await deliveryError(deliver(channel, 'ops@example.com', sampleNotice(), ctx({ mailer: stalled, timeoutMs: 50 })));
  expect(slow.retry).toBe(true);
  expect(slow.message).toBe('mail to ops@example.com: no answer from the mail server within 0.05 s');
});

test('URL errors name the bad part', () => {
  expect(urlError('mailto:').part).toBe('address');
  const second = urlError('mailto:a@example.com,nope');
  expect(second.part).toBe('address[1]');
  expect(second.message).toBe('address[1] is not an email address: "nope"');
  expect(urlError('mailto:a@example.com,').part).toBe('address[1]');
  expect(urlError('mailto:a b@example.com').part).toBe('address[0]');
  expect(urlError('mailto:<a@example.com>').part).toBe('address[0]');
  expect(urlError('mailto:a@example.com?subject=hi').part).toBe('query');
  expect(urlError('mailto:a@example.com#x').part).toBe('fragment');
  expect(urlError('mailto:%E0%A4%A@example.com').part).toBe('address[0]');
  const many = (n: number) => `mailto:${Array.from({ length: n }, (_, i) => `u${i}@example.com`).join(',')}`;
  expect(urlError(many(MAX_ADDRESSES + 1)).part).toBe('address');
  expect(parseChannelUrl(many(MAX_ADDRESSES)).kind.destinations(parseChannelUrl(many(MAX_ADDRESSES)).config)).toHaveLength(MAX_ADDRESSES);
  // Repeats do not count against the limit.
  expect(parseChannelUrl(`${many(MAX_ADDRESSES)},U0@example.com`).config).toEqual(parseChannelUrl(many(MAX_ADDRESSES)).config);
});

test('URLs round-trip: parse(render(config)) is the same config', () => {
  for (const url of ['mailto:a@example.com', 'mailto:A@Example.com, b@example.com', 'mailto:a%23b%3Fc%25d@example.com', 'mailto:jörg@example.de,ops@例え.jp']) assertRoundTrip(url);
  const odd = parseChannelUrl('mailto:a%23b@example.com');
  expect(odd.config).toEqual({ addresses: ['a#b@example.com'] });
  expect(odd.kind.render(odd.config)).toBe('mailto:a%23b@example.com');
  expect(mailto.render({ addresses: ['a@example.com', 'b@example.com'] })).toBe('mailto:a@example.com,b@example.com');
});
