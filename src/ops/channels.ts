/**
 * Channel operations, shared by `hostwatch channels` and the management API (`/api/v1/channels`). A channel URL
 * may hold a token: it goes in, never out. What comes back is the kind, the number of destinations and the URL
 * with its secrets masked, as `channels list` shows it; no refusal quotes a URL.
 */
import { deliver, destinationsOf, type ParsedChannel } from '../channels/registry.js';
import { DeliveryError, type Notice } from '../channels/types.js';
import type { Mailer } from '../mail/mailer.js';
import {
  checkChannelName,
  checkChannelUrl,
  DuplicateChannelError,
  InvalidChannelError,
  UnknownChannelError,
  type ChannelStore,
  type ChannelSummary,
} from '../store/channels-store.js';
import { conflict, invalid, notFound, OpError } from './errors.js';

/** A new channel, or a channel's new URL. `url` holds the secrets: stored, never answered. */
export interface ChannelInput {
  name: string;
  url: string;
}

/** A channel as the API answers it and `channels list --json` prints it: no raw URL. */
export interface ChannelJson {
  name: string;
  /** `mailto`, `slack`..., or `unknown` when the stored URL no longer parses. */
  kind: string;
  destinations: number;
  /** With every secret masked (`slack+https://hooks.slack.com/services/***`); the scheme only when unreadable. */
  url: string;
  createdAt: string;
  updatedAt: string;
  /** Why the stored URL cannot be used; absent when it can. */
  problem?: string;
}

export function channelJson(c: ChannelSummary): ChannelJson {
  return {
    name: c.name,
    kind: c.kind,
    destinations: c.destinations,
    url: c.url,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    ...(c.problem !== undefined && { problem: c.problem }),
  };
}

/** Store errors as operation refusals; anything else is passed on. */
function refusal(err: unknown): unknown {
  if (err instanceof InvalidChannelError) return invalid(err.field.startsWith('url') ? 'url' : 'name', err.message);
  if (err instanceof DuplicateChannelError) return conflict(err.message, 'name');
  if (err instanceof UnknownChannelError) return notFound(err.message);
  return err;
}

async function refusing<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw refusal(err);
  }
}

/** A channel name, checked; throws an OpError naming `name` (the message never echoes a URL given as a name). */
export function checkName(name: unknown): string {
  if (typeof name !== 'string') throw invalid('name', 'invalid channel name: must be a string');
  try {
    return checkChannelName(name);
  } catch (err) {
    throw refusal(err);
  }
}

/** Name and URL, checked without any I/O; throws an OpError naming `name` or `url`. */
export function checkChannelInput(input: { name?: unknown; url?: unknown }): ChannelInput {
  const name = checkName(input.name);
  if (typeof input.url !== 'string') throw invalid('url', 'invalid channel url: must be a string');
  try {
    checkChannelUrl(input.url);
  } catch (err) {
    throw refusal(err);
  }
  return { name, url: input.url };
}

/** The channel as listed, or a not_found refusal. Channels are few: they are read all at once (see ChannelStore). */
async function summaryOf(store: ChannelStore, name: string): Promise<ChannelSummary> {
  const found = (await store.list()).find((c) => c.name === name);
  if (!found) throw notFound(new UnknownChannelError(name).message);
  return found;
}

/** Stores a new channel; refuses a bad name or URL (invalid) and a taken name (conflict). */
export async function addChannel(store: ChannelStore, input: { name?: unknown; url?: unknown }): Promise<ChannelSummary> {
  const { name, url } = checkChannelInput(input);
  await refusing(async () => {
    await store.ensureIndexes(); // the unique name index makes a duplicate an error
    await store.add(name, url);
  });
  return summaryOf(store, name);
}

/** Every channel by name, secrets masked. */
export function listChannels(store: ChannelStore): Promise<ChannelSummary[]> {
  return store.list();
}

export async function showChannel(store: ChannelStore, input: { name?: unknown }): Promise<ChannelSummary> {
  return summaryOf(store, checkName(input.name));
}

/** Replaces a channel's URL (its name stays). */
export async function updateChannel(store: ChannelStore, input: { name?: unknown; url?: unknown }): Promise<ChannelSummary> {
  const { name, url } = checkChannelInput(input);
  await refusing(() => store.update(name, url));
  return summaryOf(store, name);
}

/** Deletes a channel; answers it as it was. */
export async function removeChannel(store: ChannelStore, input: { name?: unknown }): Promise<ChannelSummary> {
  const channel = await summaryOf(store, checkName(input.name));
  await refusing(() => store.remove(channel.name));
  return channel;
}

/** The notice `channels test` sends: no lines, says it is a test. */
export function testNotice(name: string, now: number, timezone: string): Notice {
  return { id: `test.${name}.${now}`, run: 'test', checkTime: now, timezone, offline: [], recoveries: [], offlineTotal: 0, recoveryTotal: 0, test: true };
}

export interface TestOutcome {
  /** `''` for a channel with one destination that has no address of its own (a webhook). */
  destination: string;
  error?: DeliveryError;
}

export interface ChannelTestDeps {
  mailer: Mailer;
  from: string;
  timezone: string;
  /** Milliseconds each destination gets. */
  timeoutMs: number;
  /** Masks what the channel's own masking cannot know (an SMTP error quoting the mail server's password). */
  redact?: (text: string) => string;
  now?: number;
}

/** The channel, parsed for delivery; a stored URL that no longer parses is a conflict. */
async function usableChannel(store: ChannelStore, name: string): Promise<ParsedChannel> {
  const channel = await store.get(name).catch((err: unknown) => {
    if (err instanceof InvalidChannelError) throw new OpError('conflict', `channel "${name}" cannot be used: ${err.message}`, 'name');
    throw err;
  });
  if (!channel) throw notFound(new UnknownChannelError(name).message);
  return channel.parsed;
}

/** Sends a test notice to every destination, one attempt each, in order; `report` hears each as it finishes. */
export async function testChannel(store: ChannelStore, input: { name?: unknown }, deps: ChannelTestDeps, report: (o: TestOutcome) => void = () => {}): Promise<TestOutcome[]> {
  const name = checkName(input.name);
  const parsed = await usableChannel(store, name);
  const notice = testNotice(name, deps.now ?? Date.now(), deps.timezone);
  const redact = deps.redact ?? ((t: string) => t);
  const outcomes: TestOutcome[] = [];
  for (const destination of destinationsOf(parsed)) {
    let outcome: TestOutcome = { destination };
    try {
      await deliver(parsed, destination, notice, { timeoutMs: deps.timeoutMs, mailer: deps.mailer, from: deps.from });
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError(String(err), true);
      // deliver() masked the channel's secrets; the rest is the caller's to mask.
      outcome = { destination, error: new DeliveryError(redact(e.message), e.retry, e.retryAfterMs) };
    }
    outcomes.push(outcome);
    report(outcome);
  }
  return outcomes;
}
