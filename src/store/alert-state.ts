/**
 * How per-destination alert state sits in a host document, and the one update per host that records a run
 * (ALERTING.md rule 3). Pure: builds documents and updates, performs no I/O.
 *
 * `alerts.<instance key>` = `{ start, notifiedAt, sent: { <destination key>: step }, backAt?, ack? }`. Each instance has a
 * field of its own, so a write names the instance it applies to by its path: a retried clear of an ended outage
 * cannot touch the state of a new one, and no filter beyond `{_id}` is needed (the only one FerretDB answers
 * without reading the whole collection). Destination keys are field names with `%` and `.` escaped.
 */
import type { ConditionInfo, HostWrite, InstanceState } from '../alerting/types.js';
import { isConditionDoc, type ConditionDoc } from './condition-state.js';
import type { AckDoc } from './ack-store.js';

/** One instance as stored. */
export interface InstanceDoc {
  start: Date;
  notifiedAt?: Date;
  sent?: Record<string, number>;
  backAt?: Date;
  /** Acknowledged (rule 6, ack-store.ts): no further step notices; the writes below never replace it. */
  ack?: AckDoc;
}

/** The record of a release before per-destination state: one step for every (email) recipient. */
export interface LegacyAlertDoc {
  outage?: Date;
  step?: number;
  notifiedAt?: Date;
  backAt?: Date;
}

/** An entry of a host's `alerts`: an offline instance, or a metric-rule or reboot one (condition-state.ts). */
export type AlertDoc = InstanceDoc & Partial<Omit<ConditionDoc, 'start' | 'sent' | 'notifiedAt'>>;

/** What a report's write needs to know of the host it has just read. */
export interface ReportedHost {
  lastReportAt: Date | null;
  back?: { from: Date; at: Date };
  alerts?: Record<string, AlertDoc>;
  alert?: LegacyAlertDoc;
}

/** A report after this much silence records `back`, so the recovery line knows the first report after an outage. */
const BACK_AFTER_MS = 60_000;

/**
 * What a report at `at` writes besides its body and time: `back` after a silence of a minute or more, and `backAt`
 * on the alert state of the outage it ends, if the host was notified of it (its instance starts at the host's last
 * report). Before `back` is replaced, the return it holds is kept as `backAt` of the instance it ended, if that
 * instance has none: its state was written after the report that ended it had read the host (rule 4: the first
 * report after the outage, whatever the timing of reports, checks and retries).
 */
export function reportStateFields(host: ReportedHost, at: Date): Record<string, unknown> {
  const last = host.lastReportAt;
  if (!last) return {};
  const out: Record<string, unknown> = {};
  if (at.getTime() - last.getTime() >= BACK_AFTER_MS) {
    out.back = { from: last, at };
    const back = host.back;
    if (back?.from instanceof Date && back.at instanceof Date) {
      const ended = host.alerts?.[`offline_${back.from.getTime()}`] as InstanceDoc | undefined;
      if (ended?.start instanceof Date && ended.backAt === undefined) out[`alerts.offline_${back.from.getTime()}.backAt`] = back.at;
    }
  }
  const key = `offline_${last.getTime()}`;
  const instance = host.alerts?.[key] as InstanceDoc | undefined;
  if (instance?.start instanceof Date && instance.backAt === undefined) out[`alerts.${key}.backAt`] = at;
  if (host.alert?.outage?.getTime() === last.getTime() && host.alert.backAt === undefined) out['alert.backAt'] = at;
  return out;
}

/** A destination key as a field name: `.` and `%` percent-escaped (`mailto:ops@example%2Ecom`). */
export function encodeDestKey(key: string): string {
  return key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}

export function decodeDestKey(field: string): string {
  return field.replace(/%2E/gi, '.').replace(/%24/gi, '$').replace(/%25/g, '%');
}

/** A stored metric-rule or reboot instance as the check sees it. */
function conditionOf(doc: ConditionDoc): ConditionInfo {
  const optional = { op: doc.op, threshold: doc.threshold, value: doc.value, peak: doc.peak, endValue: doc.endValue, uptime: doc.uptime, previousUptime: doc.previousUptime };
  return {
    kind: doc.condition,
    rule: doc.rule,
    ruleName: doc.name,
    metric: doc.metric,
    item: doc.item ?? '',
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(doc.endAt instanceof Date && { endAt: doc.endAt.getTime() }),
  };
}

/** The instances of a host document, as the check reads them (a stub without a start is read as state to drop). */
export function instancesOf(alerts: Record<string, AlertDoc> | undefined, legacy: LegacyAlertDoc | undefined): InstanceState[] {
  const out: InstanceState[] = [];
  for (const [key, doc] of Object.entries(alerts ?? {})) {
    if (!(doc?.start instanceof Date)) {
      // A report racing with the check's clear can leave `{ backAt }` alone: no state, to be dropped.
      out.push({ key, start: Number.NaN, sent: {} });
      continue;
    }
    const sent: Record<string, number> = {};
    for (const [field, step] of Object.entries(doc.sent ?? {})) if (typeof step === 'number') sent[decodeDestKey(field)] = step;
    const ack = doc.ack?.at instanceof Date ? { ack: { at: doc.ack.at.getTime(), by: String(doc.ack.by) } } : {};
    if (isConditionDoc(doc)) out.push({ key, start: doc.start.getTime(), sent, condition: conditionOf(doc), ...ack });
    else out.push({ key, start: doc.start.getTime(), sent, ...(doc.backAt && { backAt: doc.backAt.getTime() }), ...ack });
  }
  if (legacy?.outage instanceof Date && typeof legacy.step === 'number') {
    const start = legacy.outage.getTime();
    // An acknowledgement of the same outage (ack-store.ts writes `alerts.<key>` with no `sent`): one instance, the
    // legacy one, acknowledged.
    const same = out.findIndex((i) => i.key === `offline_${start}` && i.ack !== undefined && Object.keys(i.sent).length === 0);
    const ack = same >= 0 ? out.splice(same, 1)[0]!.ack : undefined;
    out.push({ key: `offline_${start}`, start, sent: {}, legacyStep: legacy.step, ...(legacy.backAt && { backAt: legacy.backAt.getTime() }), ...(ack && { ack }) });
  }
  return out;
}

/**
 * The single update recording one host's run, keeping only what destinations in `accepted` were told (and state
 * carried over from a legacy record); undefined when there is nothing to write.
 */
export function hostUpdate(write: HostWrite, accepted: ReadonlySet<string>, notifiedAt: Date): { $set?: Record<string, unknown>; $max?: Record<string, number>; $unset?: Record<string, ''> } | undefined {
  const $set: Record<string, unknown> = {};
  const $max: Record<string, number> = {};
  const $unset: Record<string, ''> = {};
  const gone = new Set<string>(write.drop);
  const keepBackAt: Record<string, Date> = {};
  const path = (key: string, dest?: string) => `alerts.${key}${dest === undefined ? '' : `.sent.${encodeDestKey(dest)}`}`;

  for (const e of write.ended) {
    const left = Object.entries(e.notified).filter(([d]) => !(e.recovered.includes(d) && accepted.has(d)));
    if (left.length === 0) gone.add(e.key);
    else if (e.key === write.legacyKey) {
      // A legacy record becomes per-destination state: those not yet told of the end keep their step.
      $set[`${path(e.key)}.start`] = new Date(Number(e.key.slice('offline_'.length)));
      if (e.backAt !== undefined) $set[`${path(e.key)}.backAt`] = new Date(e.backAt);
      for (const [d, step] of left) $set[path(e.key, d)] = step;
    } else {
      const told = e.recovered.filter((d) => accepted.has(d));
      for (const d of told) $unset[path(e.key, d)] = '';
      // Rule 4: the first report after the outage, for the recovery lines still to go (`back` may change meanwhile).
      if (told.length > 0 && e.backAt !== undefined) keepBackAt[`${path(e.key)}.backAt`] = new Date(e.backAt);
    }
  }

  if (write.notify) {
    const n = write.notify;
    const told = Object.entries(n.steps).filter(([d]) => accepted.has(d));
    if (told.length > 0 || n.carried) {
      $set[`${path(n.key)}.start`] = new Date(n.start);
      if (told.length > 0) $set[`${path(n.key)}.notifiedAt`] = notifiedAt;
      // $max never lowers a step: a re-applied write changes nothing.
      for (const [d, step] of [...Object.entries(n.carried ?? {}), ...told]) $max[path(n.key, d)] = Math.max(step, $max[path(n.key, d)] ?? 0);
    }
  }

  for (const c of write.conditions ?? []) {
    const told = Object.entries(c.steps).filter(([d]) => accepted.has(d));
    if (told.length === 0) continue;
    $set[`${path(c.key)}.notifiedAt`] = notifiedAt;
    for (const [d, step] of told) $max[path(c.key, d)] = step;
  }

  const writesAlerts = Object.keys($set).length > 0 || Object.keys($max).length > 0;
  const inAlerts = write.keys.filter((k) => k !== write.legacyKey);
  if (!writesAlerts && inAlerts.length > 0 && inAlerts.every((k) => gone.has(k))) {
    $unset.alerts = ''; // nothing left: the host leaves the sparse `alerts` index
  } else {
    for (const k of inAlerts) if (gone.has(k)) $unset[path(k)] = '';
  }
  if (write.legacyKey !== undefined && (gone.has(write.legacyKey) || writesAlerts)) $unset.alert = '';
  Object.assign($set, keepBackAt);

  const update = {
    ...(Object.keys($set).length > 0 && { $set }),
    ...(Object.keys($max).length > 0 && { $max }),
    ...(Object.keys($unset).length > 0 && { $unset }),
  };
  return Object.keys(update).length > 0 ? update : undefined;
}

/** The write that records `sent` (destination key → step) for the offline instance starting at `start`. */
export function notifiedWrite(hostId: string, start: number, sent: Record<string, number>): HostWrite {
  return { hostId, notify: { key: `offline_${start}`, start, steps: sent }, ended: [], drop: [], keys: [] };
}
