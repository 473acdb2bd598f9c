/** Step arithmetic shared by offline (policy.ts) and metric conditions (conditions.ts). Pure. */
import type { Destination, InstanceState } from './types.js';

const MINUTE_MS = 60_000;

/** `m = floor((T - since) / 60 s)`; negative when `since` is after the check time. */
export function offlineMinutes(checkTime: number, since: number): number {
  return Math.floor((checkTime - since) / MINUTE_MS);
}

/** The largest step `s <= m`, or undefined when `m` is below the first step. */
export function dueStep(steps: readonly number[], minutes: number): number | undefined {
  let due: number | undefined;
  for (const step of steps) {
    if (step > minutes) break;
    due = step;
  }
  return due;
}

/** The step a destination already has for an instance (a legacy record counts for email destinations). */
export function sentTo(instance: InstanceState | undefined, dest: Destination): number {
  if (!instance) return 0;
  return instance.sent[dest.key] ?? (instance.legacyStep !== undefined && dest.kind === 'mailto' ? instance.legacyStep : 0);
}
