import { isValidTimezone } from './local-time.js';
import { DEFAULT_GRACE_SECONDS, DEFAULT_STEPS } from './policy.js';
// Pure (no I/O): the one definition of a tag, shared with the host registry.
import { MAX_TAGS, normalizeTag, TAG_RULE } from '../store/tags.js';

/** The check workflow's one argument, as the schedule (or `temporal schedule create --input`) supplies it. */
export interface CheckInput {
  /** Addresses that receive the digest: an email channel of these addresses. */
  recipients?: string[];
  /** Channels by name (`hostwatch channels add`), or `{ name, fromStep }` for one that gets notices from that step on. */
  channels?: (string | ChannelRef)[];
  /** Minutes offline at which notices go out. Default `[1, 10, 60, 240, 1440]`. */
  steps?: number[];
  /** Local hours (0-23) that hold notices back. Default none. */
  ignoreHours?: number[];
  /** IANA time zone. Default: the worker's `HOSTWATCH_TIMEZONE`. */
  timezone?: string;
  /** Rule 9: seconds of silence allowed beyond a host's known reporting interval. Default 60. */
  graceSeconds?: number;
  /** How a run reads hosts; the defaults suit any fleet (docs/benchmarks.md). */
  paging?: Partial<Paging>;
  /** Which hosts the run covers: those carrying any of `tags`. Default every host. */
  hosts?: HostSelector;
  /**
   * The language of the run's notices (`en`, `zh-CN`: a catalogue in src/messages/locales/); a channel's own locale
   * overrides it. Default `en`. Only its shape is checked here; the delivery activity refuses one with no catalogue.
   */
  locale?: string;
}

/** A schedule's hosts (docs/operations.md "Tags"): any of the tags. */
export interface HostSelector {
  tags: string[];
}

/** A channel named by a schedule. `fromStep`: only step notices of this step or higher (escalation). */
export interface ChannelRef {
  name: string;
  fromStep?: number;
}

export interface Paging {
  pageSize: number;
  slicePages: number;
}

/**
 * Hosts read per page, and pages per workflow run. A page stays far below Temporal's 512 KiB payload warning
 * (a host is about 150 bytes of JSON, at most 250 with a 100-character name). A run holds at most
 * `pageSize * slicePages` hosts in its history, about 2.5 MiB with their state writes, under 4 MiB; hosts
 * beyond the first slice are evaluated by child workflows, one slice each.
 */
export const DEFAULT_PAGING: Readonly<Paging> = Object.freeze({ pageSize: 1000, slicePages: 10 });
/** The defaults are also the largest values allowed: larger ones would break those bounds. */
export const MAX_PAGING = DEFAULT_PAGING;

export interface ValidCheckInput {
  recipients: string[];
  channels: Required<ChannelRef>[];
  graceSeconds: number;
  steps: number[];
  ignoreHours: number[];
  timezone?: string;
  paging: Paging;
  /** Tags normalized (lower case, each once, sorted); absent: every host. */
  hosts?: HostSelector;
  locale?: string;
}

/** Bad check input; `field` names the offending field, e.g. `steps[2]`. */
export class InvalidCheckInputError extends Error {
  override name = 'InvalidCheckInputError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`invalid check input: ${field} ${reason}`);
  }
}

const KNOWN_FIELDS = new Set(['recipients', 'channels', 'steps', 'ignoreHours', 'timezone', 'graceSeconds', 'paging', 'hosts', 'locale']);
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_CHANNELS = 50;
const MAX_GRACE_SECONDS = 3600;
// Deliberately loose (RFC 5322 allows far more); catches typos such as a missing @ or embedded spaces/commas.
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const MAX_RECIPIENTS = 100;
// A BCP 47 shape (`en`, `zh-CN`); whether there is a catalogue for it is the delivery activity's to say (workflow
// code cannot read the catalogues).
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function intArray(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw new InvalidCheckInputError(field, 'must be an array of whole numbers');
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidCheckInputError(`${field}[${i}]`, `must be a whole number, got ${JSON.stringify(v)}`);
  });
  return value as number[];
}

/** Validates and fills defaults; throws {@link InvalidCheckInputError} naming the first bad field. */
export function parseCheckInput(raw: unknown): ValidCheckInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidCheckInputError('input', 'must be a JSON object like {"recipients": ["ops@example.com"]}');
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) throw new InvalidCheckInputError(key, `is not a known field (expected one of ${[...KNOWN_FIELDS].join(', ')})`);
  }

  const { recipients = [] } = input;
  if (!Array.isArray(recipients)) throw new InvalidCheckInputError('recipients', 'must be an array of email addresses');
  if (recipients.length > MAX_RECIPIENTS) throw new InvalidCheckInputError('recipients', `has more than ${MAX_RECIPIENTS} addresses`);
  recipients.forEach((r, i) => {
    if (typeof r !== 'string' || !ADDRESS.test(r)) throw new InvalidCheckInputError(`recipients[${i}]`, `is not an email address: ${JSON.stringify(r)}`);
  });
  const channels = parseChannels(input.channels);
  if (recipients.length === 0 && channels.length === 0) {
    throw new InvalidCheckInputError('channels', 'or recipients must name at least one destination, e.g. {"channels": ["oncall"]} or {"recipients": ["ops@example.com"]}');
  }

  let steps = [...DEFAULT_STEPS];
  if (input.steps !== undefined) {
    steps = intArray(input.steps, 'steps');
    if (steps.length === 0) throw new InvalidCheckInputError('steps', 'must not be empty');
    steps.forEach((s, i) => {
      if (s <= 0) throw new InvalidCheckInputError(`steps[${i}]`, `must be a positive number of minutes, got ${s}`);
      if (i > 0 && s <= steps[i - 1]!) throw new InvalidCheckInputError(`steps[${i}]`, `must be greater than the step before it (${steps[i - 1]}), got ${s}`);
    });
  }

  let ignoreHours: number[] = [];
  if (input.ignoreHours !== undefined) {
    ignoreHours = intArray(input.ignoreHours, 'ignoreHours');
    ignoreHours.forEach((h, i) => {
      if (h < 0 || h > 23) throw new InvalidCheckInputError(`ignoreHours[${i}]`, `must be an hour from 0 to 23, got ${h}`);
    });
    if (new Set(ignoreHours).size === 24) throw new InvalidCheckInputError('ignoreHours', 'covers every hour of the day: nothing would ever be sent');
  }

  let graceSeconds = DEFAULT_GRACE_SECONDS;
  if (input.graceSeconds !== undefined) {
    const g = input.graceSeconds;
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g > MAX_GRACE_SECONDS) {
      throw new InvalidCheckInputError('graceSeconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}, got ${JSON.stringify(g)}`);
    }
    graceSeconds = g;
  }

  const hosts = parseHosts(input.hosts);
  const { timezone } = input;
  if (timezone !== undefined && (typeof timezone !== 'string' || !isValidTimezone(timezone))) {
    throw new InvalidCheckInputError('timezone', `is not a known IANA time zone: ${JSON.stringify(timezone)}`);
  }

  const { locale } = input;
  if (locale !== undefined && (typeof locale !== 'string' || !LOCALE.test(locale))) {
    throw new InvalidCheckInputError('locale', `is not a locale such as "en" or "zh-CN": ${JSON.stringify(locale)?.slice(0, 80)}`);
  }

  return {
    recipients: [...recipients] as string[],
    channels,
    graceSeconds,
    steps: [...steps],
    ignoreHours: [...new Set(ignoreHours)],
    ...(timezone !== undefined && { timezone: timezone as string }),
    paging: parsePaging(input.paging),
    ...(hosts && { hosts }),
    ...(locale !== undefined && { locale: locale as string }),
  };
}

function parseHosts(raw: unknown): HostSelector | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidCheckInputError('hosts', 'must be an object like {"tags": ["prod"]}');
  for (const k of Object.keys(raw)) if (k !== 'tags') throw new InvalidCheckInputError(`hosts.${k}`, 'is not a known field (expected tags)');
  const { tags } = raw as { tags?: unknown };
  if (!Array.isArray(tags) || tags.length === 0) throw new InvalidCheckInputError('hosts.tags', 'must be a non-empty array of tags, e.g. ["prod"]');
  if (tags.length > MAX_TAGS) throw new InvalidCheckInputError('hosts.tags', `has more than ${MAX_TAGS} tags`);
  const out = tags.map((t: unknown, i) => {
    const tag = typeof t === 'string' ? normalizeTag(t) : undefined;
    if (tag === undefined) throw new InvalidCheckInputError(`hosts.tags[${i}]`, `is not a valid tag (${TAG_RULE}): ${JSON.stringify(t)?.slice(0, 80)}`);
    return tag;
  });
  return { tags: [...new Set(out)].sort() };
}

function parseChannels(raw: unknown): Required<ChannelRef>[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new InvalidCheckInputError('channels', 'must be an array of channel names or {"name": ..., "fromStep": ...} objects');
  if (raw.length > MAX_CHANNELS) throw new InvalidCheckInputError('channels', `has more than ${MAX_CHANNELS} channels`);
  const seen = new Set<string>();
  return raw.map((c: unknown, i) => {
    const field = `channels[${i}]`;
    let ref: Required<ChannelRef>;
    if (typeof c === 'string') ref = { name: c, fromStep: 0 };
    else if (typeof c === 'object' && c !== null && !Array.isArray(c)) {
      const o = c as Record<string, unknown>;
      for (const k of Object.keys(o)) if (k !== 'name' && k !== 'fromStep') throw new InvalidCheckInputError(`${field}.${k}`, 'is not a known field (expected name, fromStep)');
      if (typeof o.name !== 'string') throw new InvalidCheckInputError(`${field}.name`, 'must be a channel name');
      if (o.fromStep !== undefined && (typeof o.fromStep !== 'number' || !Number.isInteger(o.fromStep) || o.fromStep < 1)) {
        throw new InvalidCheckInputError(`${field}.fromStep`, `must be a positive whole number of minutes, got ${JSON.stringify(o.fromStep)}`);
      }
      ref = { name: o.name, fromStep: (o.fromStep as number | undefined) ?? 0 };
    } else throw new InvalidCheckInputError(field, `must be a channel name or {"name": ..., "fromStep": ...}, got ${JSON.stringify(c)}`);
    if (!CHANNEL_NAME.test(ref.name)) throw new InvalidCheckInputError(typeof c === 'string' ? field : `${field}.name`, `is not a valid channel name: ${JSON.stringify(ref.name)}`);
    if (seen.has(ref.name)) throw new InvalidCheckInputError(field, `names channel "${ref.name}" twice`);
    seen.add(ref.name);
    return ref;
  });
}

function parsePaging(raw: unknown): Paging {
  if (raw === undefined) return { ...DEFAULT_PAGING };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidCheckInputError('paging', 'must be an object like {"pageSize": 1000, "slicePages": 10}');
  }
  const paging = raw as Record<string, unknown>;
  const result: Paging = { ...DEFAULT_PAGING };
  for (const [key, value] of Object.entries(paging)) {
    if (key !== 'pageSize' && key !== 'slicePages') throw new InvalidCheckInputError(`paging.${key}`, 'is not a known field (expected pageSize, slicePages)');
    const max = MAX_PAGING[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      throw new InvalidCheckInputError(`paging.${key}`, `must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
    }
    result[key] = value;
  }
  return result;
}
