/**
 * The one small interface every channel kind implements (one file per kind, listed in registry.ts). A kind parses
 * its URL into a typed config and renders it back, names the parts of it that are secret, and delivers a notice.
 * Shared by every kind: reading and checking URLs (url.ts), retry classification and vendor error codes (http.ts),
 * the text, its escaping and truncation (format.ts), redaction (registry.ts).
 */
import type { AlertLine, EndLine } from '../alerting/types.js';
import type { Mailer } from '../mail/mailer.js';

/** What one destination receives in one run: its own lines, most severe first, and the run's totals for it. */
export interface Notice {
  /**
   * Stable for the run and destination: a retried delivery carries the same id (the webhook's `Idempotency-Key`,
   * the mail's Message-ID), so a receiver can drop the repeat.
   */
  id: string;
  /** The workflow run that sent it (`<workflowId>.<runId>`), or `test` for `channels test`. */
  run: string;
  checkTime: number;
  timezone: string;
  /**
   * Lines of conditions that hold: offline hosts, metric rules, reboots. Sorted most severe first; may hold only the
   * first lines of a large run (see the totals).
   */
  offline: AlertLine[];
  /** Lines of conditions that ended (back online, resolved). Sorted by host name; may hold only the first ones. */
  recoveries: EndLine[];
  offlineTotal: number;
  recoveryTotal: number;
  /** How many of `offlineTotal` are metric-rule and reboot lines (0 when absent). */
  conditionTotal?: number;
  /** How many of `recoveryTotal` are metric rules that resolved (0 when absent). */
  resolvedTotal?: number;
  /** A test notice from `hostwatch channels test`: says so in its title and carries no lines. */
  test?: boolean;
  /** The locale its words are in (a catalogue of src/messages/locales: `en`, `zh-CN`); absent: `en`. */
  locale?: string;
  /**
   * A channel template's rendering (set by the delivery activity): `title` replaces the default title, `body` the
   * host lines and the closing line. Every kind still cuts them to its vendor's limits.
   */
  custom?: { title?: string; body?: string };
}

export interface SendContext {
  /** Milliseconds one request may take. */
  timeoutMs: number;
  /** SMTP, for mailto. */
  mailer?: Mailer;
  /** Sender of mail, e.g. `hostwatch <alerts@example.com>`. */
  from?: string;
}

/**
 * A refused or failed delivery. `retry` says whether trying again can help (network error, HTTP 408/429/5xx,
 * SMTP 4xx); `retryAfterMs` is the wait the receiver asked for (HTTP 429/503 `Retry-After`).
 * Messages must not contain secrets; deliver() in registry.ts masks the config's secrets in them anyway.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retry: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A channel URL that cannot be used; `part` names what is wrong (`scheme`, `host`, `query.secret`...). */
export class ChannelUrlError extends Error {
  override name = 'ChannelUrlError';
  constructor(
    readonly part: string,
    reason: string,
  ) {
    super(`${part} ${reason}`);
  }
}

export interface ChannelKind<C> {
  /** Short lower-case name, e.g. `slack`. */
  readonly kind: string;
  /** URL schemes, without the colon: the long form first (`slack+https`, `slack+http`), then any short forms. */
  readonly schemes: readonly string[];
  /** One line for docs and `--help`. */
  readonly description: string;
  /** Parses a URL whose scheme is one of `schemes`; throws {@link ChannelUrlError}. */
  parse(url: URL): C;
  /** The config as its long-form URL; `parse(new URL(render(c)))` gives `c` back. */
  render(config: C): string;
  /** Every secret string in the config (tokens, passwords, signing secrets), to be masked wherever shown. */
  secrets(config: C): string[];
  /**
   * The destinations of the channel, each one place a notice is delivered and its own alert state (ALERTING.md).
   * Most kinds have one, `''`; mailto has one per address.
   */
  destinations(config: C): string[];
  /** Delivers `notice` to `destination` (one of `destinations(config)`); throws {@link DeliveryError}. */
  send(config: C, destination: string, notice: Notice, ctx: SendContext): Promise<void>;
}

/** A kind whose config type is not known at the call site. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyChannelKind = ChannelKind<any>;
