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
 * The step notified for the outage the host is in now; state left from an outage it has ended is not shown, nor
 * an `alert` without an outage (a report racing with the check's clear can leave `{ backAt }` alone).
 */
export function currentAlertStep(host: Pick<HostView, 'lastReportAt' | 'alert'>): number | undefined {
  const alert = host.alert;
  return alert?.outage !== undefined && alert.outage.getTime() === host.lastReportAt?.getTime() ? alert.step : undefined;
}
