/**
 * A host's outage log as pages and the API show it (issue 13 point 1): the stored records (outages-store.ts) and
 * the instances only the host document knows yet: a silence going on now, metric conditions that hold. Pure.
 */
import { offlineKey } from '../alerting/policy.js';
import { decodeDestKey } from '../store/alert-state.js';
import { downSpans, type UptimeHost } from './uptime.js';
import type { OutageRecord } from './types.js';

/** The host as read from the hosts collection (a subset of HostView). */
export interface LoggedHost extends UptimeHost {
  _id: { toHexString(): string };
  name: string;
  alerts?: Record<string, unknown>;
}

interface OpenDoc {
  condition?: unknown;
  start?: unknown;
  endAt?: unknown;
  rule?: unknown;
  name?: unknown;
  metric?: unknown;
  item?: unknown;
  peak?: unknown;
  sent?: unknown;
}

function sentOf(doc: { sent?: unknown }): Record<string, number> {
  const sent = doc.sent;
  if (typeof sent !== 'object' || sent === null) return {};
  return Object.fromEntries(Object.entries(sent as Record<string, unknown>).flatMap(([k, v]) => (typeof v === 'number' ? [[decodeDestKey(k), v]] : [])));
}

function maxSteps(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** Records plus ongoing instances, each once, newest start first; names are the host's current one. */
export function outageLog(host: LoggedHost, records: readonly OutageRecord[], now: number): OutageRecord[] {
  const hostId = host._id.toHexString();
  // An open offline record is shown only while it is the silence going on now (added below); one left open by a
  // race or a removed-and-returned host says nothing true.
  const byId = new Map<string, OutageRecord>(records.filter((r) => r.condition !== 'offline' || r.end !== null).map((r) => [r.id, { ...r, host: host.name }]));
  const add = (r: OutageRecord) => {
    const seen = byId.get(r.id);
    byId.set(r.id, seen ? { ...seen, notified: maxSteps(seen.notified, r.notified) } : r);
  };
  // A silence going on now, long enough to count (the same test as uptime's).
  const silence = downSpans({ ...host }, [], now).at(-1);
  if (silence && silence[1] === now && host.lastReportAt) {
    const key = offlineKey(silence[0]);
    const doc = host.alerts?.[key] as OpenDoc | undefined;
    const stored = records.find((r) => r.id === `${hostId}:${key}`);
    add({ id: `${hostId}:${key}`, hostId, host: host.name, condition: 'offline', start: new Date(silence[0]), end: null, notified: maxSteps(stored?.notified ?? {}, doc ? sentOf(doc) : {}) });
  }
  for (const [key, value] of Object.entries(host.alerts ?? {})) {
    const doc = value as OpenDoc;
    if (doc?.condition !== 'metric' || !(doc.start instanceof Date) || doc.endAt !== undefined) continue;
    add({
      id: `${hostId}:${key}`,
      hostId,
      host: host.name,
      condition: 'metric',
      ...(typeof doc.rule === 'string' && { rule: doc.rule }),
      ...(typeof doc.name === 'string' && { ruleName: doc.name }),
      ...(typeof doc.metric === 'string' && { metric: doc.metric }),
      item: typeof doc.item === 'string' ? doc.item : '',
      ...(typeof doc.peak === 'number' && { peak: doc.peak }),
      start: doc.start,
      end: null,
      notified: sentOf(doc),
    });
  }
  return [...byId.values()].sort((a, b) => b.start.getTime() - a.start.getTime() || a.id.localeCompare(b.id));
}
