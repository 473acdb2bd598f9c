/**
 * What the host page, the history API and the overview read from the history stores (issue 13), in as few queries
 * as the stores allow. Every store is optional: an API built without one shows no history of that kind, and the
 * figures count only what the host documents say.
 */
import type { MetricSeries, NoticeLogEntry, OutageRecord, Uptime } from '../history/types.js';
import { dailyUptime, uptimeOf, type DayUptime } from '../history/uptime.js';
import { outageLog } from '../history/outage-log.js';
import type { NoticeLogQuery } from '../store/notice-log-store.js';
import type { HostView } from '../store/hosts-store.js';
import { RANGES, type RangeName } from './time-axis.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The history stores, as the API uses them (src/store/metric-history.ts, outages-store.ts, notice-log-store.ts). */
export interface HistorySources {
  metrics?: {
    series(hostId: string, from: Date, to: Date): Promise<MetricSeries>;
    seriesMany(hostIds: readonly string[], from: Date, to: Date): Promise<Map<string, MetricSeries>>;
  };
  outages?: {
    forHost(hostId: string, q?: { since?: Date; limit?: number }): Promise<OutageRecord[]>;
    since(from: Date): Promise<OutageRecord[]>;
  };
  notices?: { list(q?: NoticeLogQuery): Promise<NoticeLogEntry[]> };
}

/** Days in the uptime bar. */
export const BAR_DAYS = 90;
/** Notices shown on the host page. */
export const PAGE_NOTICES = 20;
/** Outage records shown on the host page and returned by the history API (newest first). */
export const OUTAGES_SHOWN = 100;

/** The resolution the metric store uses for a range (its contract): 1 min up to a day, 10 min up to a week, 1 h beyond. */
export function resolutionFor(spanMs: number): number {
  return spanMs <= DAY ? 60_000 : spanMs <= 7 * DAY ? 600_000 : HOUR;
}

/** A host's history as the page and `GET /api/v1/hosts/<name>/history` show it. */
export interface HostHistory {
  range: RangeName;
  uptime: Uptime;
  /** Oldest first, the last BAR_DAYS local days. */
  daily: DayUptime[];
  series: MetricSeries;
  /** Stored records and ongoing instances, newest first, at most OUTAGES_SHOWN. */
  outages: OutageRecord[];
  recorded: { metrics: boolean; outages: boolean; notices: boolean };
}

const hostIdOf = (h: HostView) => h._id.toHexString();

/** Reads one host's history: one outage query (90 days), one series query for the range, in parallel. */
export async function hostHistory(sources: HistorySources, host: HostView, now: Date, range: RangeName, timezone: string): Promise<HostHistory> {
  const t = now.getTime();
  const from = new Date(t - RANGES[range]);
  const id = hostIdOf(host);
  const [records, series] = await Promise.all([
    sources.outages?.forHost(id, { since: new Date(t - BAR_DAYS * DAY) }) ?? Promise.resolve([]),
    sources.metrics?.series(id, from, now) ?? Promise.resolve<MetricSeries>({ resolutionMs: resolutionFor(RANGES[range]), from, to: now, points: [] }),
  ]);
  return {
    range,
    uptime: uptimeOf(host, records, t),
    daily: dailyUptime(host, records, t, BAR_DAYS, timezone),
    series,
    outages: outageLog(host, records, t).slice(0, OUTAGES_SHOWN),
    recorded: { metrics: sources.metrics !== undefined, outages: sources.outages !== undefined, notices: sources.notices !== undefined },
  };
}

/** The notices that carried a line of this host, newest first. */
export async function hostNotices(sources: HistorySources, name: string, limit = PAGE_NOTICES): Promise<NoticeLogEntry[]> {
  return sources.notices ? sources.notices.list({ host: name, limit }) : [];
}

/** A small chart of the overview's cards: CPU % over the last 24 h as SPARK_SLOTS means, null where nothing was reported. */
export interface Sparkline {
  metric: 'cpu';
  /** ISO start of the first slot. */
  from: string;
  stepMs: number;
  values: (number | null)[];
}

export const SPARK_SLOTS = 48;

/** The means of a series' CPU values in SPARK_SLOTS equal slots between `from` and `to` (rounded to 0.1). */
export function sparklineOf(series: MetricSeries | undefined, from: number, to: number): Sparkline {
  const stepMs = Math.round((to - from) / SPARK_SLOTS);
  const sum = new Array<number>(SPARK_SLOTS).fill(0);
  const n = new Array<number>(SPARK_SLOTS).fill(0);
  for (const p of series?.points ?? []) {
    const i = Math.floor((p.t.getTime() - from) / stepMs);
    if (i < 0 || i >= SPARK_SLOTS || p.cpu === null || !Number.isFinite(p.cpu)) continue;
    sum[i]! += p.cpu;
    n[i]!++;
  }
  return { metric: 'cpu', from: new Date(from).toISOString(), stepMs, values: sum.map((s, i) => (n[i] ? Math.round((s / n[i]!) * 10) / 10 : null)) };
}

/** What each host of `GET /api/v1/status` gains: its 24 h, 7 d and 30 d uptime and its CPU sparkline. */
export interface StatusExtras {
  uptime: Pick<Uptime, 'd1' | 'd7' | 'd30'>;
  sparkline: Sparkline;
}

/** The overview's figures are recomputed at most this often (the page polls every 15 s, from every open browser). */
export const STATUS_EXTRAS_TTL_MS = 60_000;

/**
 * Uptime and sparklines for every host of the overview with two queries (one `since()` for the outage records of the
 * last 30 days, one `seriesMany` for the last day's points), kept for STATUS_EXTRAS_TTL_MS.
 */
export class StatusExtrasCache {
  private cached?: { at: number; byId: Map<string, StatusExtras> };
  private pending?: Promise<Map<string, StatusExtras>>;

  constructor(private readonly sources: HistorySources) {}

  async get(hosts: readonly HostView[], now: Date): Promise<Map<string, StatusExtras>> {
    const t = now.getTime();
    const c = this.cached;
    if (c && t - c.at < STATUS_EXTRAS_TTL_MS && t >= c.at && hosts.every((h) => c.byId.has(hostIdOf(h)))) return c.byId;
    // Concurrent polls share one computation.
    this.pending ??= this.compute(hosts, now).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async compute(hosts: readonly HostView[], now: Date): Promise<Map<string, StatusExtras>> {
    const t = now.getTime();
    const from = t - DAY;
    const ids = hosts.map(hostIdOf);
    const [records, series] = await Promise.all([
      this.sources.outages?.since(new Date(t - 30 * DAY)) ?? Promise.resolve([]),
      ids.length && this.sources.metrics ? this.sources.metrics.seriesMany(ids, new Date(from), now) : Promise.resolve(new Map<string, MetricSeries>()),
    ]);
    const byHost = new Map<string, OutageRecord[]>();
    for (const r of records) {
      const list = byHost.get(r.hostId);
      if (list) list.push(r);
      else byHost.set(r.hostId, [r]);
    }
    const byId = new Map<string, StatusExtras>();
    for (const h of hosts) {
      const id = hostIdOf(h);
      const u = uptimeOf(h, byHost.get(id) ?? [], t);
      byId.set(id, { uptime: { d1: u.d1, d7: u.d7, d30: u.d30 }, sparkline: sparklineOf(series.get(id), from, t) });
    }
    this.cached = { at: t, byId };
    return byId;
  }
}
