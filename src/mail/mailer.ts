import nodemailer from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /**
   * The HTML part, when there is one: the message is then multipart/alternative, the text part first (plain readers
   * and mail clients that prefer text show it; the others show the HTML).
   */
  html?: string;
  /** RFC 5322 Message-ID, angle brackets included. */
  messageId: string;
}

export interface SentMail {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/** SMTP over nodemailer. `smtpUrl` is e.g. `smtp://user:pass@mail.example.com:587` or `smtps://...:465`. */
export function createSmtpMailer(smtpUrl: string): Mailer {
  // Timeouts well under the activity's 45 s start-to-close, so a stalled server fails this attempt before
  // Temporal starts another one beside it.
  const transport = nodemailer.createTransport({ ...smtpConnectionOptions(smtpUrl), connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined && { html: mail.html }),
        messageId: mail.messageId,
      });
      return {
        messageId: info.messageId,
        accepted: (info.accepted as unknown[]).map(String),
        rejected: (info.rejected as unknown[]).map(String),
      };
    },
    close: () => transport.close(),
  };
}

/**
 * Host, port, TLS and credentials from `smtp://user:pass@host:port` or `smtps://...`. Parsed here because
 * nodemailer, given a URL, takes nothing but the URL's own settings (our timeouts would be dropped).
 * Without a port nodemailer uses 587 (smtp, STARTTLS when offered) or 465 (smtps).
 */
export function smtpConnectionOptions(smtpUrl: string): { host: string; port?: number; secure: boolean; auth?: { user: string; pass: string } } {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    secure,
    ...(url.port !== '' && { port: Number(url.port) }),
    ...(url.username !== '' && { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
  };
}

/** A 5xx reply is the server's final word (bad recipient, bad credentials, policy); anything else may pass. */
export function isPermanentSmtpFailure(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** `<hostwatch.<run>@<domain of from>>`: a retried send of the same run carries the same id. */
export function messageIdFor(runKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'hostwatch.invalid';
  return `<hostwatch.${runKey.replace(/[^A-Za-z0-9.-]/g, '-')}@${domain}>`;
}
