/**
 * Grace per host and per tag (issue 14 point 4, ALERTING.md rule 9): the operations `hostwatch hosts grace`,
 * `hostwatch tags grace|list` and the management API call. A host's own grace wins over its tags'; among its tags
 * the largest applies; with neither, the check's `graceSeconds` does (src/store/host-grace.ts).
 */
import type { HostStore } from '../store/hosts-store.js';
import { UnknownHostError } from '../store/hosts-store.js';
import { MAX_GRACE_SECONDS, isGraceSeconds } from '../store/host-grace.js';
import type { TagSettingsStore } from '../store/tag-settings-store.js';
import { normalizeTag, TAG_RULE } from '../store/tags.js';
import { invalid, notFound } from './errors.js';

export interface GraceStores {
  hosts: HostStore;
  tagSettings: TagSettingsStore;
}

/** A grace given by a caller: a whole number of seconds from 0 to one day; else refused naming `field`. */
export function validGrace(value: unknown, field = 'grace'): number {
  if (!isGraceSeconds(value)) {
    throw invalid(field, `${field} must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS} (1 day), got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

function validName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid('name', 'name must be a host name');
  return name;
}

function validTag(tag: unknown): string {
  const t = typeof tag === 'string' ? normalizeTag(tag) : undefined;
  if (t === undefined) throw invalid('tag', `invalid tag ${JSON.stringify(typeof tag === 'string' ? tag.slice(0, 80) : tag) ?? String(tag)}: use ${TAG_RULE}`);
  return t;
}

async function onHost<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UnknownHostError) throw notFound(err.message);
    throw err;
  }
}

/** Sets a host's own grace (seconds). */
export async function setHostGrace(stores: GraceStores, input: { name: unknown; grace: unknown }): Promise<{ name: string; grace: number }> {
  const name = validName(input.name);
  const grace = validGrace(input.grace);
  await onHost(name, () => stores.hosts.update(name, { grace }));
  return { name, grace };
}

/** Clears a host's own grace: its tags' (or the check's) applies again. */
export async function clearHostGrace(stores: GraceStores, input: { name: unknown }): Promise<{ name: string; grace: null }> {
  const name = validName(input.name);
  await onHost(name, () => stores.hosts.update(name, { grace: null }));
  return { name, grace: null };
}

/** Sets a tag's grace (seconds); the tag need not be on any host yet. */
export async function setTagGrace(stores: GraceStores, input: { tag: unknown; grace: unknown }): Promise<{ tag: string; grace: number }> {
  const tag = validTag(input.tag);
  const grace = validGrace(input.grace);
  await stores.tagSettings.setGrace(tag, grace);
  return { tag, grace };
}

/** Clears a tag's grace; `cleared` says whether it had one. */
export async function clearTagGrace(stores: GraceStores, input: { tag: unknown }): Promise<{ tag: string; grace: null; cleared: boolean }> {
  const tag = validTag(input.tag);
  return { tag, grace: null, cleared: await stores.tagSettings.clearGrace(tag) };
}

/** A tag as `tags list` shows it. */
export interface TagInfo {
  tag: string;
  /** Hosts carrying it. */
  hosts: number;
  /** Its grace in seconds; null when none is set. */
  grace: number | null;
}

/** Every tag carried by a host or holding a setting, by name. */
export async function listTags(stores: GraceStores): Promise<TagInfo[]> {
  const [docs, graces] = await Promise.all([stores.hosts.collection.find({ tags: { $exists: true } }, { projection: { tags: 1 } }).toArray(), stores.tagSettings.graces()]);
  const counts = new Map<string, number>();
  for (const d of docs) for (const t of d.tags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  const tags = [...new Set([...counts.keys(), ...graces.keys()])].sort();
  return tags.map((tag) => ({ tag, hosts: counts.get(tag) ?? 0, grace: graces.get(tag) ?? null }));
}
