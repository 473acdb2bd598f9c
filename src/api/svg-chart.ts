/**
 * Server-rendered SVG for the host page: line charts with axes, gridlines and gaps, and the 90-day uptime bar.
 * Pure string building; every text that can come from users (titles, mounts, days) goes through `esc`. Colours
 * come from the page's stylesheet by class (no style attributes: the page's CSP allows only its hashed `<style>`).
 */
import { escapeHtml } from '../escape-html.js';
import type { Tick } from './time-axis.js';

/** HTML/SVG text and attribute escaping (escape-html.ts). */
export const esc = escapeHtml;

/** Geometry of every chart, in viewBox units (the SVG scales to its box, so these are proportions). */
export const CHART = { width: 480, height: 200, left: 40, right: 12, top: 12, bottom: 26 } as const;
const PLOT_W = CHART.width - CHART.left - CHART.right;
const PLOT_H = CHART.height - CHART.top - CHART.bottom;

export interface ChartPoint {
  t: number;
  v: number | null;
}

export interface ChartOptions {
  /** Unique on the page; used for ids and `data-chart`. */
  id: string;
  title: string;
  /** `%` (the axis is 0-100) or `''` (the axis fits the data). */
  unit: '%' | '';
  from: number;
  to: number;
  /** Sorted by `t`. */
  points: readonly ChartPoint[];
  /** Two points further apart than this are not joined: nothing was reported between them. */
  gapMs: number;
  ticks: readonly Tick[];
}

/** Runs of consecutive points with values, split at nulls and at silences longer than `gapMs`. */
export function segments(points: readonly ChartPoint[], gapMs: number): { t: number; v: number }[][] {
  const out: { t: number; v: number }[][] = [];
  let run: { t: number; v: number }[] = [];
  let prev: number | undefined;
  for (const p of points) {
    if (p.v === null || !Number.isFinite(p.v) || (prev !== undefined && p.t - prev > gapMs)) {
      if (run.length) out.push(run);
      run = [];
    }
    if (p.v !== null && Number.isFinite(p.v)) run.push({ t: p.t, v: p.v });
    prev = p.t;
  }
  if (run.length) out.push(run);
  return out;
}

/** The top of the y axis and its gridline step: 100 by 25 for percentages, else a round step fitting the data. */
export function yScale(unit: '%' | '', max: number): { top: number; step: number } {
  if (unit === '%') return { top: 100, step: 25 };
  const m = Math.max(max, 1e-9);
  const steps = [0.25, 0.5, 1, 2, 2.5, 5];
  for (let mag = 1; ; mag *= 10) {
    for (const s of steps) {
      const step = s * mag;
      if (m / step <= 4) return { top: Math.max(step, Math.ceil(m / step) * step), step };
    }
    if (mag > 1e12) return { top: m, step: m / 4 };
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** x of instant `t` and y of value `v` in viewBox units. */
export function xOf(t: number, from: number, to: number): number {
  return round1(CHART.left + ((t - from) / Math.max(1, to - from)) * PLOT_W);
}
export function yOf(v: number, top: number): number {
  const clamped = Math.min(Math.max(v, 0), top);
  return round1(CHART.top + PLOT_H - (clamped / top) * PLOT_H);
}

function number(v: number, unit: '%' | ''): string {
  const s = unit === '%' ? String(Math.round(v * 10) / 10) : String(Math.round(v * 100) / 100);
  return unit === '%' ? `${s} %` : s;
}

/** A one-line summary of the points shown: latest, mean and highest value. */
export function chartSummary(points: readonly ChartPoint[], unit: '%' | ''): string {
  const values = points.map((p) => p.v).filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return 'no data in this range';
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return `latest ${number(values[values.length - 1]!, unit)} · mean ${number(mean, unit)} · max ${number(Math.max(...values), unit)}`;
}

/** One line chart as an inline `<svg>`: gridlines, y labels, time ticks, one path per segment, a dot for a lone point. */
export function chartSvg(o: ChartOptions): string {
  const runs = segments(o.points, o.gapMs);
  const max = Math.max(0, ...runs.flat().map((p) => p.v));
  const { top, step } = yScale(o.unit, max);
  const parts: string[] = [];
  const right = CHART.width - CHART.right;
  const bottom = CHART.top + PLOT_H;
  for (let i = 0; i <= Math.round(top / step); i++) {
    const v = Math.round(i * step * 1000) / 1000;
    const y = yOf(v, top);
    parts.push(`<line class="grid" x1="${CHART.left}" y1="${y}" x2="${right}" y2="${y}"/>`);
    parts.push(`<text class="ylabel" x="${CHART.left - 4}" y="${round1(y + 4)}" text-anchor="end">${esc(number(v, ''))}</text>`);
  }
  for (const tick of o.ticks) {
    if (tick.t < o.from || tick.t > o.to) continue;
    const x = xOf(tick.t, o.from, o.to);
    parts.push(`<line class="grid" x1="${x}" y1="${CHART.top}" x2="${x}" y2="${bottom}"/>`);
    // A tick at either end of the axis keeps its gridline but not its label, which would run out of the picture or
    // into its neighbour's.
    if (x < CHART.left + 16 || x > right - 16) continue;
    parts.push(`<text class="xlabel" x="${x}" y="${CHART.height - 8}" text-anchor="middle">${esc(tick.label)}</text>`);
  }
  parts.push(`<line class="axis" x1="${CHART.left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis" x1="${CHART.left}" y1="${CHART.top}" x2="${CHART.left}" y2="${bottom}"/>`);
  for (const run of runs) {
    if (run.length === 1) {
      parts.push(`<circle class="dot" cx="${xOf(run[0]!.t, o.from, o.to)}" cy="${yOf(run[0]!.v, top)}" r="2"/>`);
      continue;
    }
    const d = run.map((p, i) => `${i === 0 ? 'M' : 'L'}${xOf(p.t, o.from, o.to)},${yOf(p.v, top)}`).join(' ');
    parts.push(`<path class="line" d="${d}"/>`);
  }
  if (runs.length === 0) parts.push(`<text class="nodata" x="${CHART.left + PLOT_W / 2}" y="${CHART.top + PLOT_H / 2}" text-anchor="middle">No data in this range</text>`);
  const label = `${o.title}: ${chartSummary(o.points, o.unit)}`;
  return (
    `<svg class="chart" data-chart="${esc(o.id)}" data-segments="${runs.length}" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="${esc(label)}">` +
    `<title>${esc(label)}</title>${parts.join('')}</svg>`
  );
}

/** One day of the uptime bar (history/uptime.ts DayUptime). */
export interface BarDay {
  day: string;
  uptime: number | null;
  downMs: number;
}

/** Uptime as shown: floored to 0.01 %, so a minute down never reads 100 %; a dash when not monitored. */
export function formatUptime(u: number | null): string {
  if (u === null) return '—';
  if (u >= 1) return '100 %';
  return `${(Math.floor(u * 10_000) / 100).toFixed(2)} %`;
}

/** The colour class of a day: full, above 99 %, above 95 %, below; `none` before monitoring. */
export function uptimeClass(u: number | null): 'none' | 'full' | 'high' | 'mid' | 'low' {
  if (u === null) return 'none';
  if (u >= 1) return 'full';
  if (u >= 0.99) return 'high';
  if (u >= 0.95) return 'mid';
  return 'low';
}

function downText(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} min down`;
  return `${Math.floor(min / 60)} h ${min % 60} min down`;
}

/** The uptime bar: one segment per day, oldest left, each with a tooltip (`<title>`) naming the day and its figure. */
export function uptimeBarSvg(days: readonly BarDay[]): string {
  const w = 10;
  const rects = days.map((d, i) => {
    const tip = d.uptime === null ? `${d.day}: not monitored` : `${d.day}: ${formatUptime(d.uptime)} up${d.downMs > 0 ? ` (${downText(d.downMs)})` : ''}`;
    return `<rect class="day u-${uptimeClass(d.uptime)}" data-day="${esc(d.day)}" x="${i * w + 1}" y="0" width="${w - 2}" height="30" rx="1.5"><title>${esc(tip)}</title></rect>`;
  });
  const monitored = days.filter((d) => d.uptime !== null).length;
  return `<svg class="bar" viewBox="0 0 ${Math.max(1, days.length) * w} 30" preserveAspectRatio="none" role="img" aria-label="Uptime per day, last ${days.length} days (${monitored} monitored)">${rects.join('')}</svg>`;
}
