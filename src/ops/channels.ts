/**
 * Channel operations, shared by `hostwatch channels` and the management API (`/api/v1/channels`). A channel URL
 * may hold a token: it goes in, never out. What comes back is the kind, the number of destinations and the URL
 * with its secrets masked, as `channels list` shows it; no refusal quotes a URL.
 */
import { deliver, destinationsOf, type ParsedChannel } from '../channels/registry.js';
import { DeliveryError, type Notice } from '../channels/types.js';
import type { Mailer } from '../mail/mailer.js';
import { isLocale, LOCALES } from '../messages/catalog.js';
import { noticeFor } from '../messages/for-channel.js';
import { checkTemplate, TemplateError, type MessageTemplate } from '../messages/template.js';
import {
  checkChannelName,
  checkChannelUrl,
  DuplicateChannelError,
  InvalidChannelError,
  UnknownChannelError,
  type ChannelMessageSettings,
  type ChannelStore,
  type ChannelSummary,
} from '../store/channels-store.js';
import { conflict, invalid, notFound, OpError } from './errors.js';

/** A new channel, or a channel's new URL. `url` holds the secrets: stored, never answered. */
export interface ChannelInput {
  name: string;
  url: string;
  /** The channel's own locale (`zh-CN`), over the schedule's; null (update) removes it. */
  locale?: string | null;
  /** The channel's message template (docs/messages.md); null (update) removes it. */
  template?: MessageTemplate | null;
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
  /** The channel's own locale; absent: the schedule's. */
  locale?: string;
  /** The channel's template (not a secret); absent: the default messages. */
  template?: MessageTemplate;
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
    ...(c.locale !== undefined && { locale: c.locale }),
    ...(c.template !== undefined && { template: c.template }),
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

/**
 * A channel's `locale` and `template`, checked without any I/O: the locale has a catalogue, each part of the template
 * compiles and renders (template.ts checkTemplate), else an OpError naming `locale` or `template.body` and the line.
 * Absent fields stay absent; null (allowed for an update) removes the setting.
 */
export function checkChannelMessages(input: { locale?: unknown; template?: unknown }, opts: { update?: boolean } = {}): ChannelMessageSettings {
  const out: ChannelMessageSettings = {};
  const { locale, template } = input;
  if (locale === null && opts.update) out.locale = null;
  else if (locale !== undefined) {
    if (typeof locale !== 'string') throw invalid('locale', 'locale: must be a string such as "en" or "zh-CN"');
    if (!isLocale(locale)) throw invalid('locale', `locale: has no catalogue ${JSON.stringify(locale.slice(0, 40))} (known: ${LOCALES.join(', ')})`);
    out.locale = locale;
  }
  if (template === null && opts.update) out.template = null;
  else if (template !== undefined) {
    if (typeof template !== 'object' || template === null || Array.isArray(template)) throw invalid('template', 'template: must be an object with a title, a body or both');
    for (const k of Object.keys(template)) if (k !== 'title' && k !== 'body') throw invalid(`template.${k}`, `template.${k}: is not a known field (expected title, body)`);
    const t = template as MessageTemplate;
    if (t.title === undefined && t.body === undefined) throw invalid('template', `template: must have a title, a body or both${opts.update ? ' (null removes it)' : ''}`);
    try {
      out.template = checkTemplate(t);
    } catch (err) {
      if (err instanceof TemplateError) throw invalid(err.field, err.message);
      throw err;
    }
  }
  return out;
}

/** The channel as listed, or a not_found refusal. Channels are few: they are read all at once (see ChannelStore). */
async function summaryOf(store: ChannelStore, name: string): Promise<ChannelSummary> {
  const found = (await store.list()).find((c) => c.name === name);
  if (!found) throw notFound(new UnknownChannelError(name).message);
  return found;
}

/** Stores a new channel; refuses a bad name, URL, locale or template (invalid) and a taken name (conflict). */
export async function addChannel(store: ChannelStore, input: { name?: unknown; url?: unknown; locale?: unknown; template?: unknown }): Promise<ChannelSummary> {
  const { name, url } = checkChannelInput(input);
  const settings = checkChannelMessages(input);
  await refusing(async () => {
    await store.ensureIndexes(); // the unique name index makes a duplicate an error
    await store.add(name, url, settings);
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

/**
 * Replaces a channel's URL, locale or template (its name stays): absent fields keep their values, a null locale or
 * template removes it. Something must change.
 */
export async function updateChannel(store: ChannelStore, input: { name?: unknown; url?: unknown; locale?: unknown; template?: unknown }): Promise<ChannelSummary> {
  const name = checkName(input.name);
  const url = input.url === undefined ? undefined : checkChannelInput(input).url;
  const settings = checkChannelMessages(input, { update: true });
  if (url === undefined && settings.locale === undefined && settings.template === undefined) throw invalid('url', 'nothing to change: give a url, a locale or a template');
  await refusing(() => store.update(name, url, settings));
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
  /** Why the channel's template did not render (the default message was sent instead). */
  templateError?: string;
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
async function usableChannel(store: ChannelStore, name: string): Promise<{ parsed: ParsedChannel; locale?: string; template?: MessageTemplate }> {
  const channel = await store.get(name).catch((err: unknown) => {
    if (err instanceof InvalidChannelError) throw new OpError('conflict', `channel "${name}" cannot be used: ${err.message}`, 'name');
    throw err;
  });
  if (!channel) throw notFound(new UnknownChannelError(name).message);
  return channel;
}

/** Sends a test notice to every destination, one attempt each, in order; `report` hears each as it finishes. */
export async function testChannel(store: ChannelStore, input: { name?: unknown }, deps: ChannelTestDeps, report: (o: TestOutcome) => void = () => {}): Promise<TestOutcome[]> {
  const name = checkName(input.name);
  const channel = await usableChannel(store, name);
  const { parsed } = channel;
  // As the worker sends it: in the channel's locale, with its template.
  const { notice, templateError } = noticeFor(testNotice(name, deps.now ?? Date.now(), deps.timezone), channel);
  const redact = deps.redact ?? ((t: string) => t);
  const outcomes: TestOutcome[] = [];
  for (const destination of destinationsOf(parsed)) {
    let outcome: TestOutcome = { destination, ...(templateError !== undefined && { templateError }) };
    try {
      await deliver(parsed, destination, notice, { timeoutMs: deps.timeoutMs, mailer: deps.mailer, from: deps.from });
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError(String(err), true);
      // deliver() masked the channel's secrets; the rest is the caller's to mask.
      outcome = { ...outcome, error: new DeliveryError(redact(e.message), e.retry, e.retryAfterMs) };
    }
    outcomes.push(outcome);
    report(outcome);
  }
  return outcomes;
}
