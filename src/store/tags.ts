/**
 * Host tags (issue 14): short labels such as `prod` or `eu` that schedules, rules and enrolment tokens select hosts
 * by. Stored on the host as `tags: string[]`, lower case, each once, sorted.
 */

/** 1 to 64 characters: lower-case letters, digits, `.`, `_`, `-` and `:`, starting with a letter or digit. */
const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
/** Tags one host may carry. */
export const MAX_TAGS = 32;

/** A tag as stored (lower case), or undefined when it is not one. */
export function normalizeTag(tag: string): string | undefined {
  const t = tag.trim().toLowerCase();
  return TAG_PATTERN.test(t) ? t : undefined;
}

/** Why a tag is refused, for error messages that name it. */
export const TAG_RULE = '1 to 64 characters of letters, digits, ".", "_", "-" and ":", starting with a letter or digit';

/** Tags as stored: normalized, each once, sorted; throws naming the first bad one. */
export function normalizeTags(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const t = normalizeTag(tag);
    if (t === undefined) throw new InvalidTagError(tag);
    out.add(t);
  }
  if (out.size > MAX_TAGS) throw new InvalidTagError(tags.at(-1) ?? '', `a host carries at most ${MAX_TAGS} tags`);
  return [...out].sort();
}

export class InvalidTagError extends Error {
  override name = 'InvalidTagError';
  constructor(
    readonly tag: string,
    reason = `use ${TAG_RULE}`,
  ) {
    super(`invalid tag "${tag.slice(0, 80)}": ${reason}`);
  }
}
