/**
 * The per-host status page (`GET /hosts/<name>`): server-rendered HTML with inline SVG, no script, one hashed
 * stylesheet. Header with the host's state and active conditions; the uptime figures and a bar of the last 90 days;
 * CPU, memory, load and disk charts for the chosen range; the outage log and recent notices. Every value from users
 * (host names, mounts, rule names, destination labels, digest lines) is escaped.
 */
import { createHash } from 'node:crypto';
import { formatDuration, formatLocalTime } from '../alerting/local-time.js';
import type { MetricPoint, MetricSeries, NoticeLogEntry, OutageRecord, Uptime } from '../history/types.js';
import { unitOf } from '../rules/rule.js';
import type { HostSummary } from './host-summary.js';
import { HOST_PAGE_STYLE } from './host-page-style.js';
import { chartSummary, chartSvg, esc, formatUptime, uptimeBarSvg, type BarDay, type ChartPoint } from './svg-chart.js';
import { RANGES, timeTicks, type RangeName } from './time-axis.js';

/** Everything the page shows, read by history-data.ts. */
export interface HostPageModel {
  host: HostSummary;
  now: number;
  timezone: string;
  range: RangeName;
  /** Seconds between the host's reports when known: a silence of more than twice that (or of two points) is a gap. */
  intervalSeconds?: number;
  uptime: Uptime;
  /** Oldest first (history/uptime.ts dailyUptime). */
  daily: readonly BarDay[];
  series: MetricSeries;
  /** Newest first. */
  outages: readonly OutageRecord[];
  /** Newest first. */
  notices: readonly NoticeLogEntry[];
  /** Which history stores this API has; a missing one is said so instead of showing an empty log as "none". */
  recorded: { metrics: boolean; outages: boolean; notices: boolean };
}

const time = (d: Date | number, tz: string) => formatLocalTime(typeof d === 'number' ? d : d.getTime(), tz, false);

/** A metric's points as one chart's values. */
function pick(points: readonly MetricPoint[], f: (p: MetricPoint) => number | null | undefined): ChartPoint[] {
  return points.map((p) => ({ t: p.t.getTime(), v: f(p) ?? null }));
}

/** Chart definitions in page order: CPU, memory, load, then one per mount (sorted). */
export function chartsOf(m: HostPageModel): { id: string; title: string; unit: '%' | ''; points: ChartPoint[] }[] {
  const pts = m.series.points;
  const mounts = [...new Set(pts.flatMap((p) => Object.keys(p.disks)))].sort();
  return [
    { id: 'cpu', title: 'CPU', unit: '%' as const, points: pick(pts, (p) => p.cpu) },
    { id: 'memory', title: 'Memory used', unit: '%' as const, points: pick(pts, (p) => p.memory) },
    { id: 'load1', title: 'Load (1 min)', unit: '' as const, points: pick(pts, (p) => p.load1) },
    ...mounts.map((mount) => ({ id: `disk:${mount}`, title: `Disk ${mount}`, unit: '%' as const, points: pick(pts, (p) => p.disks[mount]) })),
  ];
}

/** Two points further apart than this are drawn apart: two of the series' steps, or two reporting intervals. */
export function gapMs(resolutionMs: number, intervalSeconds: number | undefined): number {
  return 2 * Math.max(resolutionMs, (intervalSeconds ?? 0) * 1000) + resolutionMs / 2;
}

function rangeNav(current: RangeName): string {
  const links = (Object.keys(RANGES) as RangeName[]).map((r) => `<a href="?range=${r}"${r === current ? ' aria-current="page"' : ''}>${r.replace(/(\d+)/, '$1 ')}</a>`);
  return `<nav class="ranges" aria-label="Range">${links.join('')}</nav>`;
}

function resolutionText(ms: number): string {
  return ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`;
}

function headerHtml(m: HostPageModel): string {
  const h = m.host;
  const badge = h.state === 'never reported' ? 'never' : h.state;
  const facts = [
    h.lastReportAt ? `Last seen ${time(new Date(h.lastReportAt), m.timezone)}` : 'Never reported',
    ...(h.offlineFor ? [`offline for ${h.offlineFor}`] : []),
    ...(h.alertStep !== null ? [`${h.alertStep} min notice sent`] : []),
    ...(h.mutedUntil ? [`muted until ${time(new Date(h.mutedUntil), m.timezone)}`] : []),
    ...(h.maintenance ? [`in maintenance (${h.maintenance.name}) until ${time(new Date(h.maintenance.until), m.timezone)}`] : []),
    ...(h.acknowledged ?? []).map((a) => `${a.condition}: acknowledged by ${a.by} at ${time(new Date(a.at), m.timezone)}`),
    ...(!h.active ? ['disabled'] : !h.alarm ? ['alerts off'] : []),
  ];
  const conds = h.conditions.map((c) => `<li class="cond" data-field="condition">${esc(c.text)} (rule ${esc(c.rule)})</li>`).join('');
  return `<header>
<a class="back" href="../">← All hosts</a>
<div class="top"><h1>${esc(h.name)}</h1><span class="badge ${badge}" data-field="state">${esc(h.state)}</span></div>
<p class="facts" data-field="facts">${esc(facts.join(' · '))}</p>
${conds ? `<ul class="conds" aria-label="Active conditions">${conds}</ul>` : ''}
</header>`;
}

function uptimeHtml(m: HostPageModel): string {
  const figs = ([['d1', '24 hours'], ['d7', '7 days'], ['d30', '30 days'], ['d90', '90 days']] as const)
    .map(([k, label]) => `<div><dt>${label}</dt><dd data-uptime="${k}">${formatUptime(m.uptime[k])}</dd></div>`)
    .join('');
  const first = m.daily[0]?.day ?? '';
  const legend = (
    [
      ['full', '100 %'],
      ['high', '≥ 99 %'],
      ['mid', '≥ 95 %'],
      ['low', '< 95 %'],
      ['none', 'not monitored'],
    ] as const
  )
    .map(([cls, text]) => `<li><svg viewBox="0 0 10 10" aria-hidden="true"><rect class="day u-${cls}" width="10" height="10" rx="2"/></svg>${esc(text)}</li>`)
    .join('');
  return `<section class="card" id="uptime" aria-labelledby="uptime-h">
<h2 id="uptime-h">Uptime</h2>
${m.recorded.outages ? '' : '<p class="muted">The outage log is not available to this server: figures count only what the host document shows.</p>\n'}<dl class="figures">${figs}</dl>
${uptimeBarSvg(m.daily)}
<div class="bar-ends"><span>${esc(first)}</span><span>today</span></div>
<ul class="legend">${legend}</ul>
</section>`;
}

function chartsHtml(m: HostPageModel): string {
  const from = m.series.from.getTime();
  const to = m.series.to.getTime();
  const ticks = timeTicks(from, to, m.timezone);
  const gap = gapMs(m.series.resolutionMs, m.intervalSeconds);
  const figures = chartsOf(m).map(
    (c) =>
      `<figure data-figure="${esc(c.id)}"><figcaption><b>${esc(c.title)}${c.unit ? ' (%)' : ''}</b><span>${esc(chartSummary(c.points, c.unit))}</span></figcaption>` +
      chartSvg({ ...c, from, to, gapMs: gap, ticks }) +
      '</figure>',
  );
  const note = m.recorded.metrics
    ? `Times in ${esc(m.timezone)}; one point per ${resolutionText(m.series.resolutionMs)}; gaps where nothing was reported.`
    : 'Metric history is not recorded by this server.';
  return `<section class="card" id="metrics" aria-labelledby="metrics-h">
<h2 id="metrics-h">Metrics</h2>
${rangeNav(m.range)}
<p class="muted">${note}</p>
<div class="charts">${figures.join('')}</div>
</section>`;
}

/** `offline`, `var-full (disk /var), peak 97 %`, `reboot`. */
export function conditionText(r: OutageRecord): string {
  if (r.condition === 'offline') return 'offline';
  const name = r.ruleName ?? r.rule ?? r.condition;
  if (r.condition === 'reboot') return name === 'reboot' ? 'reboot' : `reboot (rule ${name})`;
  const what = [r.metric, r.item].filter((s) => s).join(' ');
  const peak = r.peak !== undefined && r.metric ? `, peak ${Math.round(r.peak * 100) / 100}${unitOf(r.metric)}` : '';
  return `${name}${what ? ` (${what})` : ''}${peak}`;
}

/** `ops@example.com: 60 min, oncall (slack): 10 min` (a reboot, notified once, has no step), or `nobody`. */
export function notifiedText(n: Record<string, number>): string {
  const parts = Object.entries(n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dest, step]) => (step > 0 ? `${dest}: ${step} min` : dest));
  return parts.length ? parts.join(', ') : 'nobody';
}

function outagesHtml(m: HostPageModel): string {
  const rows = m.outages.map((r) => {
    const end = r.end === null ? '<span class="ongoing">ongoing</span>' : esc(time(r.end, m.timezone));
    const duration = r.condition === 'reboot' ? '—' : formatDuration((r.end?.getTime() ?? m.now) - r.start.getTime());
    return (
      `<tr data-outage="${esc(r.id)}"><td data-label="Condition">${esc(conditionText(r))}</td><td data-label="Start">${esc(time(r.start, m.timezone))}</td>` +
      `<td data-label="End">${end}</td><td data-label="Duration">${esc(duration)}</td><td data-label="Notified">${esc(notifiedText(r.notified))}</td></tr>`
    );
  });
  const body = rows.length
    ? `<table><thead><tr><th>Condition</th><th>Start</th><th>End</th><th>Duration</th><th>Notified (highest step)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : `<p class="empty">${m.recorded.outages ? 'No outages in the last 90 days.' : 'The outage log is not recorded by this server.'}</p>`;
  return `<section class="card" id="outages" aria-labelledby="outages-h">\n<h2 id="outages-h">Outages</h2>\n${body}\n</section>`;
}

function noticesHtml(m: HostPageModel): string {
  const rows = m.notices.map((n) => {
    const lines = n.lines.filter((l) => l.host === m.host.name);
    const list = lines.length ? `<ul>${lines.map((l) => `<li>${esc(l.text)}</li>`).join('')}</ul>` : '';
    const more = n.more > 0 ? `<span class="muted">and ${n.more} more lines in the digest</span>` : '';
    const status = n.accepted ? '<span class="accepted">accepted</span>' : `<span class="failed">failed</span>${n.error ? `: ${esc(n.error)}` : ''}`;
    return (
      `<tr data-notice="${esc(n.id)}"><td data-label="Time">${esc(time(n.checkTime, m.timezone))}</td><td data-label="Destination">${esc(n.destination.label)}</td>` +
      `<td data-label="Delivery">${status}</td><td data-label="Lines">${list}${more}</td></tr>`
    );
  });
  const body = rows.length
    ? `<table><thead><tr><th>Time</th><th>Destination</th><th>Delivery</th><th>Lines for this host</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : `<p class="empty">${m.recorded.notices ? 'No notices about this host yet.' : 'The notification log is not recorded by this server.'}</p>`;
  return `<section class="card" id="notices" aria-labelledby="notices-h">\n<h2 id="notices-h">Recent notices</h2>\n${body}\n</section>`;
}

function documentHtml(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${HOST_PAGE_STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The whole page. */
export function hostPageHtml(m: HostPageModel): string {
  const title = `${m.host.state === 'offline' ? '(offline) ' : ''}${m.host.name}: hostwatch`;
  return documentHtml(title, `${headerHtml(m)}\n<main>\n${uptimeHtml(m)}\n${chartsHtml(m)}\n${outagesHtml(m)}\n${noticesHtml(m)}\n</main>`);
}

/** A page with one message (400 and 404), styled like the host page. */
export function messagePageHtml(heading: string, text: string): string {
  return documentHtml(`${heading}: hostwatch`, `<header>\n<a class="back" href="../">← All hosts</a>\n<h1>${esc(heading)}</h1>\n<p class="facts">${esc(text)}</p>\n</header>`);
}

/** The 404 page for a host name nobody registered. */
export function unknownHostHtml(name: string): string {
  return messagePageHtml(`No host named “${name}”`, 'It may have been renamed or removed.');
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/** No script at all; only the page's own stylesheet; no fetches, frames or form posts. */
export const HOST_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${sha256(HOST_PAGE_STYLE)}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
