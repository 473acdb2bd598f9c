/**
 * The `channels` collection: named channel URLs (src/channels). A URL may hold a token, so nothing read out of
 * here for showing carries one: `list` gives redacted URLs, and no error quotes a URL.
 */
import { ObjectId, type Collection, type Db } from 'mongodb';
import { destinationsOf, parseChannelUrl, redactedUrl, type ParsedChannel } from '../channels/registry.js';
import { ChannelUrlError } from '../channels/types.js';
import type { MessageTemplate } from '../messages/template.js';
import { isDuplicateKey } from './mongo.js';

/** A document of the `channels` collection. */
export interface ChannelDoc {
  _id: ObjectId;
  name: string;
  /** The channel URL as given, secrets included. */
  url: string;
  /** The channel's own locale (overrides the schedule's); absent: the schedule's. */
  locale?: string;
  /** The channel's message template (checked by the channel operations before it is stored); not a secret. */
  template?: MessageTemplate;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A channel's message settings as stored. For an update: an absent field keeps its value, `null` removes it.
 * Checked by the caller (ops/channels.ts: the locale has a catalogue, the template compiles and renders).
 */
export interface ChannelMessageSettings {
  locale?: string | null;
  template?: MessageTemplate | null;
}

/** A channel ready to deliver to. `url` holds its secrets: do not show it (show `redactedUrl(parsed)`). */
export interface StoredChannel {
  name: string;
  url: string;
  parsed: ParsedChannel;
  locale?: string;
  template?: MessageTemplate;
}

/** A channel as listed: its URL with secrets masked. */
export interface ChannelSummary {
  name: string;
  /** The kind (`mailto`, `slack`...), or `unknown` when the stored URL no longer parses. */
  kind: string;
  destinations: number;
  /** Redacted; for an unreadable URL only its scheme. */
  url: string;
  createdAt: Date;
  updatedAt: Date;
  /** Why the stored URL cannot be used (a kind this version does not know, say); absent when it can. */
  problem?: string;
  locale?: string;
  template?: MessageTemplate;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * A bad channel name or URL. `field` is `name` or `url: <part>` (the URL's bad part, from ChannelUrlError).
 * The message never quotes the URL, nor a name that failed validation (it may be a URL given in the wrong place).
 */
export class InvalidChannelError extends Error {
  override name = 'InvalidChannelError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`invalid channel ${field} ${reason}`);
  }
}

export class DuplicateChannelError extends Error {
  override name = 'DuplicateChannelError';
  constructor(readonly channelName: string) {
    super(`a channel named "${channelName}" already exists`);
  }
}

export class UnknownChannelError extends Error {
  override name = 'UnknownChannelError';
  constructor(readonly channelName: string) {
    super(`no channel named "${channelName}"`);
  }
}

/** Channel names: 1 to 64 letters, digits, `_`, `.` and `-`, starting with a letter or digit. */
export function checkChannelName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    // A URL or a token given in the wrong place must not be echoed back.
    const shown = /[:/]/.test(name) || name.length > 80 ? '(not shown)' : JSON.stringify(name);
    throw new InvalidChannelError('name', `${shown}: use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
  return name;
}

/** Parses a channel URL for storing; throws {@link InvalidChannelError} naming `url: <part>`. */
export function checkChannelUrl(url: string): ParsedChannel {
  try {
    return parseChannelUrl(url);
  } catch (err) {
    if (err instanceof ChannelUrlError) {
      const reason = err.message.slice(err.part.length + 1);
      throw new InvalidChannelError(err.part === 'url' ? 'url' : `url: ${err.part}`, reason);
    }
    throw err;
  }
}

/** The locale and template of a document, when it has them. */
function messagesOf(doc: ChannelDoc): { locale?: string; template?: MessageTemplate } {
  const template = doc.template && { ...(doc.template.title !== undefined && { title: doc.template.title }), ...(doc.template.body !== undefined && { body: doc.template.body }) };
  return { ...(doc.locale != null && { locale: doc.locale }), ...(template && Object.keys(template).length > 0 && { template }) };
}

function summary(doc: ChannelDoc): ChannelSummary {
  const times = { createdAt: doc.createdAt, updatedAt: doc.updatedAt, ...messagesOf(doc) };
  try {
    const parsed = parseChannelUrl(doc.url);
    return { name: doc.name, kind: parsed.kind.kind, destinations: destinationsOf(parsed).length, url: redactedUrl(parsed), ...times };
  } catch (err) {
    // Stored by a version that knew more kinds, or edited by hand: show the scheme, never the rest.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(doc.url.trim())?.[1]?.toLowerCase() ?? '';
    const problem = err instanceof ChannelUrlError ? err.message : 'cannot be read';
    return { name: doc.name, kind: 'unknown', destinations: 0, url: `${scheme}:***`, ...times, problem };
  }
}

/**
 * Channels by name. Every filter but `{_id}` makes FerretDB read the whole collection; a handful of channels make
 * that cheap, so they are found by name directly.
 */
export class ChannelStore {
  readonly collection: Collection<ChannelDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ChannelDoc>('channels');
  }

  /** The unique name index, which makes a duplicate add an error. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ name: 1 }, { name: 'name_unique', unique: true });
  }

  /**
   * Stores a new channel after checking its name and URL; returns it parsed.
   * Throws {@link InvalidChannelError} or {@link DuplicateChannelError}.
   */
  async add(name: string, url: string, settings: ChannelMessageSettings = {}): Promise<StoredChannel> {
    checkChannelName(name);
    const parsed = checkChannelUrl(url);
    const now = new Date();
    const own = { ...(settings.locale != null && { locale: settings.locale }), ...(settings.template != null && { template: settings.template }) };
    try {
      await this.collection.insertOne({ _id: new ObjectId(), name, url, ...own, createdAt: now, updatedAt: now });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateChannelError(name);
      throw err;
    }
    return { name, url, parsed, ...own };
  }

  /**
   * Replaces the channel's URL (checked first) when `url` is given, and its locale and template as `settings` says
   * (absent: kept; null: removed). Throws {@link InvalidChannelError} or {@link UnknownChannelError}.
   */
  async update(name: string, url: string | undefined, settings: ChannelMessageSettings = {}): Promise<StoredChannel> {
    checkChannelName(name);
    if (url !== undefined) checkChannelUrl(url);
    const set: Partial<ChannelDoc> = { ...(url !== undefined && { url }), updatedAt: new Date() };
    const unset: Record<string, ''> = {};
    for (const key of ['locale', 'template'] as const) {
      const v = settings[key];
      if (v === null) unset[key] = '';
      else if (v !== undefined) (set as Record<string, unknown>)[key] = v;
    }
    const result = await this.collection.updateOne({ name }, { $set: set, ...(Object.keys(unset).length > 0 && { $unset: unset }) });
    if (result.matchedCount === 0) throw new UnknownChannelError(name);
    const stored = await this.get(name);
    if (!stored) throw new UnknownChannelError(name); // removed in between
    return stored;
  }

  /** Throws {@link UnknownChannelError} when there is no such channel. */
  async remove(name: string): Promise<void> {
    checkChannelName(name);
    const result = await this.collection.deleteOne({ name });
    if (result.deletedCount === 0) throw new UnknownChannelError(name);
  }

  /**
   * The channel with its URL parsed, or null when there is none. Throws {@link InvalidChannelError} when the stored
   * URL no longer parses (a kind this version does not know).
   */
  async get(name: string): Promise<StoredChannel | null> {
    checkChannelName(name);
    const doc = await this.collection.findOne({ name });
    if (!doc) return null;
    return { name: doc.name, url: doc.url, parsed: checkChannelUrl(doc.url), ...messagesOf(doc) };
  }

  /** Every channel by name, with kind, number of destinations and redacted URL; never a raw URL. */
  async list(): Promise<ChannelSummary[]> {
    const docs = await this.collection.find({}).sort({ name: 1 }).toArray();
    return docs.map(summary);
  }
}
