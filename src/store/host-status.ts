import { DEFAULT_GRACE_SECONDS, offlineMinutes } from '../alerting/policy.js';
import type { InstanceDoc, LegacyAlertDoc } from './alert-state.js';

/** How a host is shown by `hosts list`, the admin API and the status page. */
export type HostState = 'online' | 'offline' | 'never reported';

/** The parts of a host document that say how it reports. */
export interface ReportingHost {
  lastReportAt: Date | null;
  data?: Record<string, unknown> | null;
  interval?: number;
}

/** Seconds between reports: stated in the latest report (the agent does), else set on the host; else undefined. */
export function reportingInterval(host: Pick<ReportingHost, 'data' | 'interval'>): number | undefined {
  const stated = host.data?.interval;
  const seconds = typeof stated === 'number' ? stated : host.interval;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

/**
 * Offline once a full minute has passed since the last report (the first possible alert step), or, for a host
 * whose reporting interval is known, once it is silent longer than that plus the default grace (rule 9).
 */
export function hostState(host: ReportingHost, now: number): HostState {
  if (!host.lastReportAt) return 'never reported';
  const interval = reportingInterval(host);
  const silentMs = now - host.lastReportAt.getTime();
  if (interval !== undefined) return silentMs > (interval + DEFAULT_GRACE_SECONDS) * 1000 ? 'offline' : 'online';
  return offlineMinutes(now, host.lastReportAt.getTime()) >= 1 ? 'offline' : 'online';
}

/**
 * The highest step any destination was notified of for the outage the host is in now; state left from an outage
 * it has ended is not shown, nor a stub without a start (a report racing with the check's clear can leave one).
 */
export function currentAlertStep(host: { lastReportAt: Date | null; alerts?: Record<string, InstanceDoc>; alert?: LegacyAlertDoc }): number | undefined {
  const last = host.lastReportAt?.getTime();
  if (last === undefined) return undefined;
  const instance = host.alerts?.[`offline_${last}`];
  const steps = Object.values(instance?.sent ?? {});
  if (instance?.start instanceof Date && steps.length > 0) return Math.max(...steps);
  const legacy = host.alert;
  return legacy?.outage !== undefined && legacy.outage.getTime() === last ? legacy.step : undefined;
}
