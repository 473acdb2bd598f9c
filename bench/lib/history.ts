/**
 * Walks the history of a check run and of every run it leads to (child workflows it starts, continue-as-new
 * successors), measuring payload sizes, history sizes and the page queries the check made.
 */
import type { Client } from '@temporalio/client';

/** A Temporal Payload as the gRPC client decodes it. */
export interface PayloadLike {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/** Bytes of a varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Bytes of a length-delimited protobuf field of `len` bytes (tag of a field number below 16, length, body). */
function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/**
 * The serialized size of a `temporal.api.common.v1.Payload` (`map<string, bytes> metadata = 1; bytes data = 2`):
 * what Temporal's payload size limits apply to.
 */
export function payloadProtoSize(p: PayloadLike): number {
  let size = 0;
  for (const [key, value] of Object.entries(p.metadata ?? {})) {
    const entry = fieldSize(Buffer.byteLength(key, 'utf8')) + fieldSize(value?.length ?? 0);
    size += fieldSize(entry);
  }
  const data = p.data?.length ?? 0;
  if (data > 0) size += fieldSize(data);
  return size;
}

function isPayload(v: unknown): v is PayloadLike {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (!(o.data instanceof Uint8Array)) return false;
  const meta = o.metadata;
  return typeof meta === 'object' && meta !== null && Object.values(meta).every((x) => x instanceof Uint8Array);
}

/** Every Payload anywhere inside `value`, with the path it was found at. */
export function findPayloads(value: unknown, path = '', out: Array<{ path: string; payload: PayloadLike }> = []): Array<{ path: string; payload: PayloadLike }> {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return out;
  if (isPayload(value)) {
    out.push({ path, payload: value });
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => findPayloads(v, `${path}[${i}]`, out));
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !(typeof (v as { toNumber?: unknown }).toNumber === 'function')) findPayloads(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

/** JSON payloads decoded (the SDK's default converter); anything else is undefined. */
export function decodeJsonPayload(p: PayloadLike): unknown {
  const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString('utf8') : '';
  if (encoding !== 'json/plain' || !p.data) return undefined;
  return JSON.parse(Buffer.from(p.data).toString('utf8'));
}

/** A history event, loosely typed: one `<kind>EventAttributes` key carries its details. */
export type HistoryEventLike = Record<string, unknown> & { eventId?: unknown };

/** `activityTaskScheduledEventAttributes` → `activityTaskScheduled`. */
export function eventKind(e: HistoryEventLike): string {
  const key = Object.keys(e).find((k) => k.endsWith('EventAttributes') && e[k] != null);
  return key ? key.slice(0, -'EventAttributes'.length) : 'unknown';
}

function toNumber(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(String(v));
}

export interface PageQuery {
  /** The activity's input (a CheckPageRequest for the current store). */
  request: unknown;
  /** Hosts the page returned to the worker. */
  hosts: number;
}

export interface HistorySummary {
  largestPayloadBytes: number;
  /** Event kind and field path of the largest payload. */
  largestPayloadAt: string;
  events: number;
  /** Completed activities whose result has a `hosts` array: the check's page queries. */
  pageQueries: PageQuery[];
  /** Runs this history leads to: started children and a continue-as-new successor. */
  next: Array<{ workflowId: string; runId: string; via: 'child' | 'continueAsNew' }>;
}

/** Measures one run's events (pure: no server calls). */
export function summarizeHistory(events: readonly HistoryEventLike[], workflowId: string): HistorySummary {
  let largestPayloadBytes = 0;
  let largestPayloadAt = '-';
  const scheduled = new Map<number, unknown>();
  const pageQueries: PageQuery[] = [];
  const next: HistorySummary['next'] = [];
  for (const e of events) {
    const kind = eventKind(e);
    for (const { path, payload } of findPayloads(e)) {
      const size = payloadProtoSize(payload);
      if (size > largestPayloadBytes) {
        largestPayloadBytes = size;
        largestPayloadAt = `${kind} ${path.replace(/^[a-zA-Z]+EventAttributes\./, '')}`;
      }
    }
    const attrs = e[`${kind}EventAttributes`] as Record<string, any> | undefined;
    if (!attrs) continue;
    if (kind === 'activityTaskScheduled') {
      const input = attrs.input?.payloads?.[0];
      scheduled.set(toNumber(e.eventId), input ? decodeJsonPayload(input) : undefined);
    } else if (kind === 'activityTaskCompleted') {
      const result = attrs.result?.payloads?.[0];
      const value = result ? decodeJsonPayload(result) : undefined;
      const hosts = (value as { hosts?: unknown } | undefined)?.hosts;
      if (Array.isArray(hosts)) pageQueries.push({ request: scheduled.get(toNumber(attrs.scheduledEventId)), hosts: hosts.length });
    } else if (kind === 'childWorkflowExecutionStarted') {
      const ex = attrs.workflowExecution;
      if (ex?.workflowId && ex?.runId) next.push({ workflowId: ex.workflowId, runId: ex.runId, via: 'child' });
    } else if (kind === 'workflowExecutionContinuedAsNew') {
      if (attrs.newExecutionRunId) next.push({ workflowId, runId: attrs.newExecutionRunId, via: 'continueAsNew' });
    }
  }
  return { largestPayloadBytes, largestPayloadAt, events: events.length, pageQueries, next };
}

const STATUS = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];

export interface RunMeasure extends HistorySummary {
  workflowId: string;
  runId: string;
  via: 'root' | 'child' | 'continueAsNew';
  status: string;
  historyBytes: number;
  historyLength: number;
  /** Where historyBytes came from. */
  historySource: 'historySizeBytes' | 'sum of serialized events';
  startTime?: Date;
  closeTime?: Date;
}

function timestamp(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(toNumber(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

export async function fetchEvents(client: Client, workflowId: string, runId: string): Promise<HistoryEventLike[]> {
  const events: HistoryEventLike[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const res = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1000,
      ...(nextPageToken && { nextPageToken }),
    });
    events.push(...((res.history?.events ?? []) as unknown as HistoryEventLike[]));
    nextPageToken = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

/** Fallback when the server does not report historySizeBytes: the events re-serialized with the API's protobuf types. */
async function serializedSize(events: readonly HistoryEventLike[]): Promise<number> {
  const { temporal } = await import('@temporalio/proto');
  const HistoryEvent = temporal.api.history.v1.HistoryEvent;
  return events.reduce((n, e) => n + HistoryEvent.encode(e as never).finish().length, 0);
}

export async function measureRun(client: Client, workflowId: string, runId: string, via: RunMeasure['via']): Promise<RunMeasure> {
  const desc = await client.workflowService.describeWorkflowExecution({ namespace: client.options.namespace, execution: { workflowId, runId } });
  const info = desc.workflowExecutionInfo;
  const events = await fetchEvents(client, workflowId, runId);
  const summary = summarizeHistory(events, workflowId);
  const sizeField = toNumber(info?.historySizeBytes);
  const serialized = sizeField > 0 ? 0 : await serializedSize(events);
  const startTime = timestamp(info?.startTime);
  const closeTime = timestamp(info?.closeTime);
  return {
    ...summary,
    workflowId,
    runId,
    via,
    status: STATUS[toNumber(info?.status)] ?? String(info?.status),
    historyBytes: sizeField > 0 ? sizeField : serialized,
    historyLength: toNumber(info?.historyLength) || summary.events,
    historySource: sizeField > 0 ? 'historySizeBytes' : 'sum of serialized events',
    ...(startTime && { startTime }),
    ...(closeTime && { closeTime }),
  };
}

/** The run and every run it led to, breadth first. */
export async function measureRunTree(client: Client, workflowId: string, runId: string): Promise<RunMeasure[]> {
  const out: RunMeasure[] = [];
  const queue: Array<{ workflowId: string; runId: string; via: RunMeasure['via'] }> = [{ workflowId, runId, via: 'root' }];
  const seen = new Set<string>();
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (seen.has(item.runId)) continue;
    seen.add(item.runId);
    const m = await measureRun(client, item.workflowId, item.runId, item.via);
    out.push(m);
    queue.push(...m.next);
  }
  return out;
}
