/**
 * `mailto:ops@example.com,oncall@example.com`: mail over the worker's SMTP server (SMTP_URL), one message per
 * address. Each address is its own destination, so a refused address neither holds back nor repeats the others.
 */
import { isPermanentSmtpFailure, messageIdFor, type OutgoingMail } from '../mail/mailer.js';
import { noticeHtml } from '../messages/html.js';
import { redactUrlPasswords } from '../redact.js';
import { fitText, noticeTitle } from './format.js';
import { ChannelUrlError, DeliveryError, type ChannelKind, type Notice } from './types.js';
import { decodePart, refuseFragment } from './url.js';

export interface MailtoConfig {
  /** Lower-cased, without repeats, in the order written. */
  addresses: string[];
}

// As loose as the check input's recipients (check-input.ts): catches a missing @, spaces, commas, brackets.
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
/** Most addresses in one channel, as in the check input's recipients. */
export const MAX_ADDRESSES = 100;
/** Largest body sent; far below what mail servers accept, and no digest comes near it. */
const TEXT_LIMIT = 1_000_000;

/** SMTP errors as nodemailer throws them (`responseCode` for a server reply, `code` for a local failure). */
interface SmtpError {
  message?: string;
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** `550 5.1.1 no such user` -> `5.1.1 no such user`: the code is named separately. */
function replyText(response: string | undefined, code: number): string {
  const text = (response ?? '').replace(new RegExp(`^${code}[ -]?`), '').replace(/\s+/g, ' ').trim();
  return text === '' ? '(no text)' : text;
}

function smtpError(address: string, err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as SmtpError;
  let message: string;
  if (typeof e.responseCode === 'number') {
    const at = e.command ? ` at ${e.command}` : '';
    message = `mail server refused ${address}${at}: SMTP ${e.responseCode} ${replyText(e.response ?? e.message, e.responseCode)}`;
  } else {
    message = `mail to ${address} failed${e.code ? ` (${e.code})` : ''}: ${e.message ?? String(err)}`;
  }
  // A connection error may quote the SMTP URL; its password must not reach a log or `channels test`.
  return new DeliveryError(redactUrlPasswords(message), !isPermanentSmtpFailure(err));
}

/** Rejects after `ms` with a retryable error; the send itself may still finish (the same Message-ID, then). */
async function within<T>(ms: number, address: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`mail to ${address}: no answer from the mail server within ${ms / 1000} s`, true)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseAddresses(url: URL): string[] {
  if (url.search !== '') throw new ChannelUrlError('query', 'is not supported: list every address before the "?", separated by commas');
  refuseFragment(url, 'is not supported');
  if (url.host !== '') throw new ChannelUrlError('url', 'must be mailto:address,address (no "//")');
  const raw = url.pathname === '' ? [] : url.pathname.split(',');
  if (raw.length === 0) throw new ChannelUrlError('address', 'is missing: write mailto:ops@example.com,oncall@example.com');
  const out: string[] = [];
  raw.forEach((part, i) => {
    const address = decodePart(`address[${i}]`, part).trim().toLowerCase();
    if (!ADDRESS.test(address)) throw new ChannelUrlError(`address[${i}]`, `is not an email address: ${JSON.stringify(address)}`);
    if (!out.includes(address)) out.push(address);
  });
  if (out.length > MAX_ADDRESSES) throw new ChannelUrlError('address', `has more than ${MAX_ADDRESSES} addresses (${out.length})`);
  return out;
}

/** `#`, `?` and `%` are valid in an address but not as themselves in a URL path. */
const renderAddress = (a: string): string => a.replace(/[%?#]/g, (c) => encodeURIComponent(c));

/** The subject and text part of a notice mail: the title, a blank line, the lines and the totals. */
export function mailtoMessage(n: Notice): { subject: string; text: string } {
  const title = noticeTitle(n);
  return { subject: title, text: `${title}\n\n${fitText(n, TEXT_LIMIT)}` };
}

/**
 * The HTML part beside the text (multipart/alternative): the table of hosts and conditions in the notice's locale
 * (src/messages/html.ts), each step line's acknowledge link under it as in the text, headed by the subject (a
 * template's title when it has one). None when a template's body
 * replaces the lines: the text part is then the whole message, as the template wrote it.
 */
export function mailtoHtml(n: Notice): string {
  return noticeHtml(n, n.locale ?? 'en', (line) => {
    const url = (line as { ackUrl?: unknown }).ackUrl;
    return typeof url === 'string' ? url : undefined;
  }, n.custom?.title);
}

export const mailto: ChannelKind<MailtoConfig> = {
  kind: 'mailto',
  schemes: ['mailto'],
  description: 'email over SMTP_URL, one message per address: mailto:ops@example.com,oncall@example.com',

  parse: (url) => ({ addresses: parseAddresses(url) }),
  render: (config) => `mailto:${config.addresses.map(renderAddress).join(',')}`,
  secrets: () => [],
  destinations: (config) => [...config.addresses],

  async send(config, address, notice, ctx) {
    if (!config.addresses.includes(address)) throw new DeliveryError(`${JSON.stringify(address)} is not an address of this mailto channel`, false);
    if (!ctx.mailer || !ctx.from) throw new DeliveryError('mailto needs a mail server (SMTP_URL) and a sender (ALERT_FROM), and this process has none', false);
    const mail: OutgoingMail = {
      from: ctx.from,
      to: [address],
      ...mailtoMessage(notice),
      ...(notice.custom?.body === undefined && { html: mailtoHtml(notice) }),
      messageId: messageIdFor(notice.id, ctx.from),
    };
    let sent;
    try {
      sent = await within(ctx.timeoutMs, address, ctx.mailer.send(mail));
    } catch (err) {
      throw smtpError(address, err);
    }
    // With one recipient nodemailer throws on a refusal; a mailer may also resolve and list it as rejected.
    if (sent.rejected.some((r) => r.toLowerCase() === address)) {
      const detail = (sent as { rejectedErrors?: SmtpError[] }).rejectedErrors?.[0];
      throw smtpError(address, detail?.responseCode !== undefined ? detail : { message: 'the mail server did not accept the address' });
    }
  },
};
