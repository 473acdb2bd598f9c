import type { Command, CommanderError } from 'commander';
import { InvalidCheckInputError, parseCheckInput, type CheckInput } from '../alerting/check-input.js';
import { isLocale, LOCALES } from '../messages/catalog.js';
import { OpError } from '../ops/errors.js';
import { parseDuration as parseOpDuration } from '../ops/fields.js';

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** "30s", "1m", "2h", "1d" -> milliseconds (ops/fields.ts); anything else is a usage error naming `flag`. */
export function parseDuration(text: string, flag: string): number {
  try {
    return parseOpDuration(text, flag);
  } catch (err) {
    if (err instanceof OpError) throw new UsageError(err.message);
    throw err;
  }
}

export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** `1,10,60` -> `[1, 10, 60]`; anything but whole numbers is refused naming `flag`. */
export function parseNumbers(text: string, flag: string): number[] {
  return parseList(text).map((s) => {
    if (!/^-?\d+$/.test(s)) throw new UsageError(`${flag} must be a comma-separated list of whole numbers, got "${s}"`);
    return Number(s);
  });
}

/** Commander's own errors (unknown option, missing argument) exit 2 like every usage error; `--help` exits 0. */
export function usageExitCodes(cmd: Command): Command {
  return cmd.exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}

const FLAG_FOR: Record<string, string> = {
  recipients: '--recipients',
  channels: '--channels',
  steps: '--steps',
  ignoreHours: '--ignore-hours',
  timezone: '--timezone',
  graceSeconds: '--grace',
  hosts: '--tag',
  locale: '--locale',
};

/** `oncall,lead:60` -> `["oncall", {"name": "lead", "fromStep": 60}]`. */
export function parseChannelRefs(text: string): (string | { name: string; fromStep: number })[] {
  return parseList(text).map((item) => {
    const m = /^(.+):(\d+)$/.exec(item);
    if (!m) return item;
    return { name: m[1]!, fromStep: Number(m[2]) };
  });
}

export interface CheckInputFlags {
  recipients?: string;
  channels?: string;
  grace?: string;
  steps?: string;
  ignoreHours?: string;
  timezone?: string;
  /** `--tag` (repeatable): the hosts the schedule covers; `--all-hosts`: every host again. */
  tag?: string[];
  allHosts?: boolean;
  /** The notices' language (`en`, `zh-CN`); `""` clears it (English). */
  locale?: string;
}

/**
 * Builds the workflow input from flags over an optional base (the schedule's current input, for `update`),
 * validated exactly as the workflow validates it. `--ignore-hours ""` clears quiet hours.
 */
export function checkInputFromFlags(flags: CheckInputFlags, base: Partial<CheckInput> = {}): CheckInput {
  const input: Record<string, unknown> = { ...base };
  if (flags.recipients !== undefined) input.recipients = parseList(flags.recipients);
  if (flags.channels !== undefined) input.channels = parseChannelRefs(flags.channels);
  if (flags.grace !== undefined) input.graceSeconds = parseDuration(flags.grace, '--grace') / 1000;
  if (flags.steps !== undefined) input.steps = parseNumbers(flags.steps, '--steps');
  if (flags.ignoreHours !== undefined) input.ignoreHours = parseNumbers(flags.ignoreHours, '--ignore-hours');
  if (flags.timezone !== undefined) input.timezone = flags.timezone;
  if (flags.locale === '') delete input.locale;
  else if (flags.locale !== undefined) {
    // The catalogues are known here (the workflow checks only the shape; the worker refuses a missing one too).
    if (!isLocale(flags.locale)) throw new UsageError(`--locale: has no catalogue ${JSON.stringify(flags.locale)} (known: ${LOCALES.join(', ')})`);
    input.locale = flags.locale;
  }
  if (flags.tag !== undefined && flags.allHosts) throw new UsageError('--tag and --all-hosts: give one of them, not both');
  if (flags.tag !== undefined) input.hosts = { tags: flags.tag };
  if (flags.allHosts) delete input.hosts;
  for (const key of ['recipients', 'channels'] as const) if (Array.isArray(input[key]) && (input[key] as unknown[]).length === 0) delete input[key];
  if (input.recipients === undefined && input.channels === undefined) {
    throw new UsageError('--recipients or --channels is required (email addresses, or channel names from "hostwatch channels list")');
  }
  try {
    const parsed = parseCheckInput(input);
    // The schedule keeps the tags as the workflow reads them (lower case, each once, sorted).
    if (parsed.hosts) input.hosts = parsed.hosts;
  } catch (err) {
    if (err instanceof InvalidCheckInputError) {
      const flag = FLAG_FOR[err.field.replace(/[.[].*$/, '')];
      throw new UsageError(flag ? `${flag}: ${err.message}` : err.message);
    }
    throw err;
  }
  return input as unknown as CheckInput;
}
