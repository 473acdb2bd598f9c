import { dueStep, DEFAULT_STEPS } from '../../src/alerting/index.js';
import type { CaughtMail } from '../../scripts/lib/mail-catcher.js';

export interface Notice {
  host: string;
  /** Offline minutes stated in the line. */
  minutes: number;
  /** The step that line notifies (default steps). */
  step: number;
}

/** The offline lines of a digest ("OFFLINE  web-1: offline 61 minutes, ..." / "offline 4 h 0 min"). */
export function noticesIn(text: string, steps: readonly number[] = DEFAULT_STEPS): Notice[] {
  return [...text.matchAll(/^OFFLINE {2}(\S+): offline (?:(\d+) minutes?|(\d+) h (\d+) min)/gm)].map((m) => {
    const minutes = m[2] !== undefined ? Number(m[2]) : Number(m[3]) * 60 + Number(m[4]);
    return { host: m[1]!, minutes, step: dueStep(steps, minutes)! };
  });
}

/** Every notice delivered, as "host@step", in delivery order. */
export function deliveredNotices(messages: readonly CaughtMail[]): string[] {
  return messages.flatMap((m) => noticesIn(m.text).map((n) => `${n.host}@${n.step}`));
}

/** Entries that occur more than once (a doubled notice). */
export function doubled(items: readonly string[]): string[] {
  return items.filter((x, i) => items.indexOf(x) !== i);
}

export interface FaultOutcome {
  expected: string[];
  delivered: string[];
  /** Expected notices never delivered. */
  lost: string[];
  /** Deliveries beyond the first of a notice. */
  doubled: string[];
}

/**
 * Compares expected notices ("host@step") with those delivered, and prints one line per fault test
 * ("fault | expected | delivered | lost | doubled"), the source of the table in docs/reliability.md.
 */
export function faultOutcome(fault: string, expected: string[], messages: readonly CaughtMail[]): FaultOutcome {
  const delivered = deliveredNotices(messages);
  const outcome = { expected, delivered, lost: expected.filter((n) => !delivered.includes(n)), doubled: doubled(delivered) };
  console.log(`reliability | ${fault} | ${expected.length} | ${delivered.length} in ${messages.length} digest(s) | ${outcome.lost.length} | ${outcome.doubled.length}`);
  return outcome;
}
