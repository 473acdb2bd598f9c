/**
 * Host operations (issue 14): what `hostwatch hosts ...` and the management API (`/api/v1/hosts`) both do. Each takes
 * the hosts store and a plain input, validates all of it first (OpError `invalid` naming the field), then writes;
 * an unknown host is `not_found`, a taken name `conflict`. A refused operation has written nothing. Creating a host
 * and rotating its credentials return the secret: the only time it exists outside the host's agent (only its hash
 * is stored). Renames and creates rely on the unique name index (HostStore.ensureIndexes), which the API server and
 * the CLI ensure before.
 */
import { DuplicateHostError, UnknownHostError, type HostPatch, type HostStore, type HostView } from '../store/hosts-store.js';
import { InvalidTagError } from '../store/tags.js';
import { conflict, invalid, notFound } from './errors.js';
import { checkHostName, checkTags, parseDuration, parseFutureTime } from './fields.js';

/** The latest a mute can end (ISO times have four-digit years). */
const LATEST_MUTE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Longest reporting interval a host can be given, in seconds (1 day). */
export const MAX_INTERVAL_SECONDS = 86_400;

export interface CreateHostInput {
  name: string;
  tags?: readonly string[];
  /** Alerts on (default) or off; the host reports either way. */
  alarm?: boolean;
}

export interface HostCredentials {
  host: HostView;
  key: string;
  /** Shown once: only its hash is stored. */
  secret: string;
}

export interface UpdateHostInput {
  /** A new name; its key, secret, reports and alert state stay. */
  name?: string;
  /** Accept reports (true) or refuse them and stop alerting (false). */
  enabled?: boolean;
  alarm?: boolean;
  /** Reporting interval in seconds (1 to 86,400), for reporters that do not state one; null forgets it. */
  interval?: number | null;
  /** The host's tags, replacing the ones it has. */
  tags?: readonly string[];
}

/** Exactly one of `until` (an ISO time or Date in the future) and `for` (a duration such as `2h`). */
export interface MuteInput {
  until?: string | Date;
  for?: string;
}

/** Store errors as operation errors (anything else is not the caller's to fix and passes through). */
async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UnknownHostError) throw notFound(err.message);
    if (err instanceof DuplicateHostError) throw conflict(err.message, 'name');
    if (err instanceof InvalidTagError) throw invalid('tags', err.message);
    throw err;
  }
}

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** Registers a host; returns it with its key and secret (the only time the secret is given out). */
export async function createHost(hosts: HostStore, input: CreateHostInput): Promise<HostCredentials> {
  const name = checkHostName(input.name);
  const tags = checkTags(input.tags ?? []);
  if (input.alarm !== undefined && !isBoolean(input.alarm)) throw invalid('alarm', 'alarm must be true or false');
  return translated(async () => {
    const created = await hosts.add(name, { alarm: input.alarm ?? true, tags });
    return { host: await hosts.byName(name), key: created.key, secret: created.secret };
  });
}

/** Every host, or those carrying any of `tags`, by name. */
export async function listHosts(hosts: HostStore, input: { tags?: readonly string[] } = {}): Promise<HostView[]> {
  const tags = input.tags === undefined ? undefined : checkTags(input.tags);
  return hosts.list(tags ? { tags } : {});
}

export async function getHost(hosts: HostStore, name: string): Promise<HostView> {
  checkHostName(name);
  return translated(() => hosts.byName(name));
}

/** Validates an update; returns the store patch and the tags to set (if given). */
function checkUpdate(input: UpdateHostInput): { patch: HostPatch; tags?: string[] } {
  const patch: HostPatch = {};
  if (input.name !== undefined) patch.name = checkHostName(input.name);
  if (input.enabled !== undefined) {
    if (!isBoolean(input.enabled)) throw invalid('enabled', 'enabled must be true or false');
    patch.active = input.enabled;
  }
  if (input.alarm !== undefined) {
    if (!isBoolean(input.alarm)) throw invalid('alarm', 'alarm must be true or false');
    patch.alarm = input.alarm;
  }
  if (input.interval !== undefined) {
    const s = input.interval;
    if (s !== null && (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > MAX_INTERVAL_SECONDS)) {
      throw invalid('interval', `interval must be a whole number of seconds from 1 to ${MAX_INTERVAL_SECONDS} (1d), or null to forget it`);
    }
    patch.interval = s;
  }
  return { patch, ...(input.tags !== undefined && { tags: checkTags(input.tags) }) };
}

/** Changes any of name, enabled, alarm, interval and tags; returns the host as it is then. */
export async function updateHost(hosts: HostStore, name: string, input: UpdateHostInput): Promise<HostView> {
  checkHostName(name);
  const { patch, tags } = checkUpdate(input);
  return translated(async () => {
    const current = await hosts.byName(name); // unknown: not_found before any write
    await hosts.update(name, patch);
    const now = patch.name ?? name;
    if (tags !== undefined) {
      const old = current.tags ?? [];
      const drop = old.filter((t) => !tags.includes(t));
      const add = tags.filter((t) => !old.includes(t));
      if (drop.length > 0) await hosts.removeTags(now, drop);
      if (add.length > 0) await hosts.addTags(now, add);
    }
    return hosts.byName(now);
  });
}

/** Deletes a host and its latest report for good. */
export async function removeHost(hosts: HostStore, name: string): Promise<void> {
  checkHostName(name);
  await translated(() => hosts.remove(name));
}

/** A new key and secret (returned once); the old ones stop working at once. */
export async function rotateHost(hosts: HostStore, name: string): Promise<HostCredentials> {
  checkHostName(name);
  return translated(async () => {
    const c = await hosts.rotateSecret(name);
    return { host: await hosts.byName(name), key: c.key, secret: c.secret };
  });
}

/**
 * The time a mute input ends at; `labels` name the fields in messages (the CLI passes its flags). Pure, so the CLI
 * checks its flags before it connects.
 */
export function muteUntil(input: MuteInput, now: number, labels: { until: string; for: string } = { until: 'until', for: 'for' }): Date {
  const hasFor = input.for !== undefined;
  if (hasFor === (input.until !== undefined)) throw invalid(hasFor ? 'until' : 'for', `give exactly one of ${labels.for} (a duration such as 2h) or ${labels.until} (an ISO time)`);
  const until = hasFor ? new Date(now + parseDuration(input.for, 'for', labels.for)) : parseFutureTime(input.until, now, 'until', labels.until);
  if (!(until.getTime() <= LATEST_MUTE)) throw invalid(hasFor ? 'for' : 'until', `${hasFor ? labels.for : labels.until} must end before the year 10000`);
  return until;
}

/** Silences the host's alerts until a time (it keeps reporting); returns the host. */
export async function muteHost(hosts: HostStore, name: string, input: MuteInput, now = Date.now()): Promise<HostView> {
  checkHostName(name);
  const until = muteUntil(input, now);
  return translated(async () => {
    await hosts.update(name, { mutedUntil: until });
    return hosts.byName(name);
  });
}

export async function unmuteHost(hosts: HostStore, name: string): Promise<HostView> {
  checkHostName(name);
  return translated(async () => {
    await hosts.update(name, { mutedUntil: null });
    return hosts.byName(name);
  });
}

/** Adds tags (validated first); returns the host's tags as stored. */
export async function tagHost(hosts: HostStore, name: string, tags: readonly string[]): Promise<string[]> {
  checkHostName(name);
  const add = checkTags(tags);
  return translated(() => hosts.addTags(name, add));
}

/** Removes tags (one the host does not carry is ignored); returns what is left. */
export async function untagHost(hosts: HostStore, name: string, tags: readonly string[]): Promise<string[]> {
  checkHostName(name);
  const drop = checkTags(tags);
  return translated(() => hosts.removeTags(name, drop));
}
