/** A host as the read routes show it: the admin list, `GET /api/v1/status`, the status page and the host page. */
import { offlineMinutes } from '../alerting/policy.js';
import { formatDuration } from '../alerting/local-time.js';
import { activeConditions, currentAlertStep, hostState, type ActiveCondition, type HostState, type KnownRules } from '../store/host-status.js';
import type { HostView } from '../store/hosts-store.js';
import { hostMaintenance, type ActiveWindow } from '../maintenance/windows.js';
import { effectiveGrace } from '../store/host-grace.js';
import { acknowledgedOf, type AcknowledgedView } from '../store/ack-store.js';

export interface HostSummary {
  name: string;
  active: boolean;
  alarm: boolean;
  state: HostState;
  lastReportAt: string | null;
  offlineMinutes: number | null;
  /** "26 h 1 min" while offline (formatDuration, as the alert mails write it); else null. */
  offlineFor: string | null;
  alertStep: number | null;
  mutedUntil: string | null;
  /** Open metric-rule instances and recent reboots (host-status.ts activeConditions). */
  conditions: ActiveCondition[];
  /** The maintenance window holding the host now (rule 6) and when that occurrence ends; absent when none. */
  maintenance?: { name: string; until: string };
  /** Acknowledged instances holding now (rule 6: no further step notices): who or what, and when; absent when none. */
  acknowledged?: AcknowledgedView[];
  /** How far the clock of its latest report was ahead of the server's, when over 30 s (report-clock.ts); absent else. */
  clockAheadMs?: number;
}

/**
 * `inMaintenance`: the windows active at `now` (MaintenanceStore.activeAt), and `tagGraces` the tags' graces
 * (TagSettingsStore.graces: the state counts a host's own or tag grace as the check does), each read once per request.
 */
export function summarize(h: HostView, now: Date, known: KnownRules | undefined, inMaintenance: readonly ActiveWindow[] = [], tagGraces: ReadonlyMap<string, number> = new Map()): HostSummary {
  const t = now.getTime();
  const last = h.lastReportAt?.getTime() ?? null;
  const minutes = last === null ? null : Math.max(0, offlineMinutes(t, last));
  const state = hostState(h, t, effectiveGrace(h, tagGraces)?.seconds);
  const alertStep = currentAlertStep(h) ?? null;
  return {
    name: h.name,
    active: h.active,
    alarm: h.alarm,
    state,
    lastReportAt: last === null ? null : new Date(last).toISOString(),
    offlineMinutes: minutes,
    offlineFor: state === 'offline' && last !== null ? formatDuration(t - last) : null,
    alertStep,
    mutedUntil: h.mutedUntil && h.mutedUntil.getTime() > t ? h.mutedUntil.toISOString() : null,
    conditions: activeConditions(h, t, known),
    ...maintenanceOf(h, inMaintenance),
    ...acknowledgedField(h, known),
    ...(typeof h.clockAheadMs === 'number' && { clockAheadMs: h.clockAheadMs }),
  };
}

function maintenanceOf(h: HostView, inMaintenance: readonly ActiveWindow[]): Pick<HostSummary, 'maintenance'> {
  const m = inMaintenance.length > 0 ? hostMaintenance(h, inMaintenance) : undefined;
  return m ? { maintenance: { name: m.name, until: new Date(m.until).toISOString() } } : {};
}

function acknowledgedField(h: HostView, known: KnownRules | undefined): Pick<HostSummary, 'acknowledged'> {
  const acked = acknowledgedOf(h, known instanceof Map ? (known as ReadonlyMap<string, { name: string }>) : undefined);
  return acked.length > 0 ? { acknowledged: acked } : {};
}
