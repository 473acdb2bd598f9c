/**
 * A real SMTP server (npm smtp-server) that keeps every message it accepts, parsed with mailparser.
 * Tests use its fault modes; `npm run dev` shows its inbox in a browser.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { freePort } from './services.js';

export interface CaughtMail {
  receivedAt: Date;
  envelopeTo: string[];
  messageId: string;
  subject: string;
  text: string;
  parsed: ParsedMail;
}

/** What the server answers to the next messages. */
export type Fault =
  | { kind: 'none' }
  /** 4xx to DATA for the next `count` messages (a transient failure). */
  | { kind: 'tempfail'; count: number }
  /** 5xx to DATA for every message (a permanent rejection). */
  | { kind: 'reject' };

/** An SMTP reply refusing one recipient. */
export interface Refusal {
  code: number;
  message: string;
}

export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  /** Every DATA attempt, accepted or not. */
  attempts = 0;
  fault: Fault = { kind: 'none' };
  /**
   * Answers RCPT TO: a reply code and text to refuse that recipient (450 greylisting, 550 no such user), or
   * undefined to accept it.
   */
  refuseRecipient: ((address: string) => Refusal | undefined | Promise<Refusal | undefined>) | undefined;
  /**
   * Called with each message after it is stored and before the server answers 250 (fault tests use it to
   * stall the answer, stop a service, or kill the sender while the message is in flight).
   */
  onAccept: ((mail: CaughtMail) => Promise<void> | void) | undefined;
  private server: SMTPServer;
  private waiters: Array<() => void> = [];
  port = 0;

  /** With `password`, a login with any other password is refused (535), as a real submission server does. */
  constructor(private readonly opts: { password?: string } = {}) {
    this.server = this.createServer();
  }

  private createServer(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, cb) =>
        this.opts.password === undefined || auth.password === this.opts.password ? cb(null, { user: auth.username ?? 'hostwatch' }) : cb(new Error('bad credentials')),
      onRcptTo: (address, _session, cb) => {
        void Promise.resolve(this.refuseRecipient?.(address.address)).then((refusal) => {
          if (!refusal) return cb();
          cb(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        });
      },
      onData: (stream, session, cb) => void this.receive(stream, session.envelope.rcptTo.map((r) => r.address), cb),
    });
  }

  async start(port?: number): Promise<this> {
    this.port = port ?? (await freePort());
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Stops listening: connections to the port are refused until `acceptConnections`. */
  refuseConnections(): Promise<void> {
    return this.stop();
  }

  /** Listens again on the same port (a closed smtp-server cannot listen again, so this is a new one). */
  async acceptConnections(): Promise<void> {
    this.server = this.createServer();
    await this.start(this.port);
  }

  /** Resolves once `count` messages have been accepted, or rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<CaughtMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} messages, got ${this.messages.length} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages.slice(0, count);
  }

  private async receive(stream: SMTPServerDataStream, envelopeTo: string[], cb: (err?: Error | null) => void): Promise<void> {
    this.attempts++;
    const fault = this.fault;
    if (fault.kind === 'tempfail' && fault.count > 0) {
      fault.count--;
      return this.refuse(stream, cb, 451, '4.3.0 temporary failure, try again later');
    }
    if (fault.kind === 'reject') return this.refuse(stream, cb, 554, '5.7.1 message rejected by policy');
    try {
      const parsed = await simpleParser(stream);
      const mail: CaughtMail = {
        receivedAt: new Date(),
        envelopeTo,
        messageId: parsed.messageId ?? '',
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        parsed,
      };
      this.messages.push(mail);
      await this.onAccept?.(mail);
      cb(null);
      for (const w of this.waiters.splice(0)) w();
    } catch (err) {
      cb(err as Error);
    }
  }

  private refuse(stream: SMTPServerDataStream, cb: (err?: Error | null) => void, code: number, message: string): void {
    stream.on('end', () => cb(Object.assign(new Error(message), { responseCode: code })));
    stream.resume();
  }
}
