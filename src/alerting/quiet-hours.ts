import { localHour } from './local-time.js';
import type { AlertPolicy } from './types.js';

/** Rule 5: the local hour of the check when it falls in `ignoreHours`, otherwise undefined. */
export function quietHour(checkTime: number, policy: Pick<AlertPolicy, 'ignoreHours' | 'timezone'>): number | undefined {
  if (policy.ignoreHours.length === 0) return undefined;
  const hour = localHour(checkTime, policy.timezone);
  return policy.ignoreHours.includes(hour) ? hour : undefined;
}
