/**
 * Channel names to destinations, and delivery to one destination. Channel URLs (and their secrets) are read here,
 * inside the worker, and never leave it: the workflow sees destination keys and labels only.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Destination } from '../alerting/types.js';
import { deliver, destinationsOf, parseChannelUrl, type ParsedChannel } from '../channels/registry.js';
import { DeliveryError, type Notice } from '../channels/types.js';
import type { Mailer } from '../mail/mailer.js';
import { logInfo, logWarn } from './context.js';
import type { AckLinks } from '../store/ack-store.js';
import { isLocale, LOCALES } from '../messages/catalog.js';
import { noticeFor, type ChannelMessages } from '../messages/for-channel.js';

/** What the activities need of the channel store. */
export interface ChannelLookup {
  /** `locale` and `template` (channels-store.ts): the channel's own language and message template, when it has them. */
  get(name: string): Promise<({ name: string; parsed: ParsedChannel } & ChannelMessages) | null>;
}

export interface DeliveryDeps {
  channels: ChannelLookup;
  mailer: Mailer;
  from: string;
  /**
   * Acknowledge links for step lines (PUBLIC_URL, ack-store.ts AckLinks): made here, inside the worker, so no token
   * ever enters a workflow history or a result; absent, notices carry none.
   */
  ackLinks?: Pick<AckLinks, 'addTo'>;
  /** Where the warning of a template that failed at send time goes; default the activity's logger. */
  warn?: (message: string, meta: Record<string, unknown>) => void;
}

export interface DestinationRequest {
  recipients: string[];
  channels: { name: string; fromStep: number }[];
  /** The schedule's locale (check input `locale`), given only when it names one: refused if it has no catalogue. */
  locale?: string;
}

/** A destination refused the notice for good (HTTP 4xx, SMTP 5xx, a vendor's bad-token code): not retried. */
export const DELIVERY_REFUSED = 'DeliveryRefused';
/** A delivery that may pass on a later attempt. */
export const DELIVERY_FAILED = 'DeliveryFailed';

/**
 * Per-request timeout, under the delivery activity's 45 s start-to-close (so an attempt ends before another one can
 * start beside it) and long enough for a slow mail server's 250: an attempt cut short may still be delivered, and
 * its retry would then arrive twice (with the same Message-ID).
 */
const SEND_TIMEOUT_MS = 30_000;

function destinationKey(kind: string, channel: string | undefined, target: string): string {
  if (kind === 'mailto') return `mailto:${target}`;
  return target === '' ? channel! : `${channel}#${target}`;
}

function label(kind: string, channel: string | undefined, target: string): string {
  if (kind === 'mailto') return target;
  return `${channel}${target ? ` ${target}` : ''} (${kind})`;
}

function invalidInput(field: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidCheckInput', nonRetryable: true, message: `invalid check input: ${field} ${message}`, details: [field] });
}

export function createDeliveryActivities(deps: DeliveryDeps) {
  /** A stored channel; a stored URL that no longer parses (say, of a kind since removed) fails for good. */
  async function lookup(name: string, fail: (message: string) => ApplicationFailure) {
    try {
      return await deps.channels.get(name);
    } catch (err) {
      if ((err as Error)?.name === 'InvalidChannelError') throw fail(`channel "${name}" cannot be used: ${(err as Error).message}`);
      throw err;
    }
  }

  async function channelOf(destination: Destination): Promise<{ parsed: ParsedChannel } & ChannelMessages> {
    if (destination.channel === undefined) return { parsed: parseChannelUrl(`mailto:${destination.target}`) };
    const found = await lookup(destination.channel, (message) => ApplicationFailure.create({ type: DELIVERY_REFUSED, nonRetryable: true, message: `${destination.label}: ${message}` }));
    if (!found) throw ApplicationFailure.create({ type: DELIVERY_REFUSED, nonRetryable: true, message: `${destination.label}: channel "${destination.channel}" was removed` });
    return found;
  }

  return {
    /**
     * The run's destinations: each address of `recipients`, and each destination of each named channel. The same
     * destination named twice (an address in two channels) is one destination, with the lower `fromStep`.
     */
    async resolveDestinations(req: DestinationRequest): Promise<Destination[]> {
      if (req.locale !== undefined && !isLocale(req.locale)) {
        throw invalidInput('locale', `has no catalogue ${JSON.stringify(req.locale)} (known: ${LOCALES.join(', ')})`);
      }
      const byKey = new Map<string, Destination>();
      const add = (d: Destination) => {
        const seen = byKey.get(d.key);
        if (!seen || d.fromStep < seen.fromStep) byKey.set(d.key, seen ? { ...seen, fromStep: d.fromStep } : d);
      };
      for (const address of req.recipients) {
        const target = address.toLowerCase();
        add({ key: destinationKey('mailto', undefined, target), target, kind: 'mailto', label: target, fromStep: 0 });
      }
      for (const [i, ref] of req.channels.entries()) {
        const found = await lookup(ref.name, (message) => invalidInput(`channels[${i}]`, `names a ${message}`));
        if (!found) throw invalidInput(`channels[${i}]`, `names no channel: "${ref.name}" (see hostwatch channels list)`);
        const kind = found.parsed.kind.kind;
        for (const target of destinationsOf(found.parsed)) {
          add({ key: destinationKey(kind, ref.name, target), channel: ref.name, target, kind, label: label(kind, ref.name, target), fromStep: ref.fromStep });
        }
      }
      return [...byKey.values()];
    },

    /** Delivers one destination's notice. Retryable failures are left to the activity's retry policy. */
    async deliverNotice(req: { destination: Destination; notice: Notice }): Promise<{ key: string }> {
      const channel = await channelOf(req.destination);
      // Acknowledge links are added to this attempt's copy of the notice only (never returned, never logged). Without
      // them (the link key could not be read) the notice still goes: a link is a convenience, the notice is not.
      const links = deps.ackLinks && !req.notice.test ? await deps.ackLinks.addTo(req.notice.offline).catch((err: unknown) => {
        logInfo('Notice sent without acknowledge links', { destination: req.destination.label, reason: err instanceof Error ? err.name : 'error' });
        return undefined;
      }) : undefined;
      const notice = links ? { ...req.notice, offline: links } : req.notice;
      // In the channel's locale (else the schedule's, else English), with its template when it has one; a template
      // that fails now leaves the default message, and says so once in the log.
      const ready = noticeFor(notice, channel);
      if (ready.templateError !== undefined) {
        (deps.warn ?? logWarn)('Channel template failed: the default message was sent', { channel: req.destination.channel, destination: req.destination.label, reason: ready.templateError });
      }
      try {
        await deliver(channel.parsed, req.destination.target, ready.notice, { timeoutMs: SEND_TIMEOUT_MS, mailer: deps.mailer, from: deps.from });
      } catch (err) {
        const e = err instanceof DeliveryError ? err : new DeliveryError(String(err), true);
        throw ApplicationFailure.create({
          type: e.retry ? DELIVERY_FAILED : DELIVERY_REFUSED,
          nonRetryable: !e.retry,
          // A receiver echoing the request back must not bring an acknowledge token into the run's history.
          message: `${req.destination.label}: ${notice === req.notice ? e.message : e.message.replace(/\/ack\/[A-Za-z0-9_-]+/g, '/ack/…')}`,
          ...(e.retryAfterMs !== undefined && { nextRetryDelay: e.retryAfterMs }),
        });
      }
      const n = req.notice;
      logInfo('Notice delivered', { destination: req.destination.label, kind: req.destination.kind, offline: n.offlineTotal, recovered: n.recoveryTotal, noticeId: n.id });
      return { key: req.destination.key };
    },
  };
}
