/**
 * Tag edits of one host (`hosts tag|untag`), as pure list arithmetic: the results stay normalized and sorted
 * (tags.ts). HostStore.addTags/removeTags read the host, apply these and write the list back by `_id`.
 */
import { InvalidTagError, MAX_TAGS, normalizeTags } from './tags.js';

/** The host's tags with `add` added (validated first: a bad one throws before anything is written). */
export function withTags(hostName: string, old: readonly string[], add: readonly string[]): string[] {
  const added = normalizeTags(add);
  const all = [...new Set([...old, ...added])].sort();
  if (all.length > MAX_TAGS) throw new InvalidTagError(added.find((t) => !old.includes(t))!, `host "${hostName}" would carry ${all.length} tags, at most ${MAX_TAGS}`);
  return all;
}

/** The host's tags without `drop` (validated first; one the host does not carry is ignored). */
export function withoutTags(old: readonly string[], drop: readonly string[]): string[] {
  const gone = new Set(normalizeTags(drop));
  return old.filter((t) => !gone.has(t));
}
