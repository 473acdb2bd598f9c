import { offlineMinutes } from '../alerting/policy.js';
import type { HostView } from './hosts-store.js';

/** How a host is shown by `hosts list`, the admin API and the status page. */
export type HostState = 'online' | 'offline' | 'never reported';

/** Offline once a full minute has passed since the last report (the first possible alert step). */
export function hostState(host: Pick<HostView, 'lastReportAt'>, now: number): HostState {
  if (!host.lastReportAt) return 'never reported';
  return offlineMinutes(now, host.lastReportAt.getTime()) >= 1 ? 'offline' : 'online';
}

/**
 * The highest step any destination was notified of for the outage the host is in now; state left from an outage
 * it has ended is not shown, nor a stub without a start (a report racing with the check's clear can leave one).
 */
export function currentAlertStep(host: Pick<HostView, 'lastReportAt' | 'alerts' | 'alert'>): number | undefined {
  const last = host.lastReportAt?.getTime();
  if (last === undefined) return undefined;
  const instance = host.alerts?.[`offline_${last}`];
  const steps = Object.values(instance?.sent ?? {});
  if (instance?.start instanceof Date && steps.length > 0) return Math.max(...steps);
  const legacy = host.alert;
  return legacy?.outage !== undefined && legacy.outage.getTime() === last ? legacy.step : undefined;
}
